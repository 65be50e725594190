import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAccount, verifyLedger } from '../../src/billing/index.js';
import { loadConfig } from '../../src/config/index.js';
import { startTollgate, type Tollgate } from '../../src/tollgate.js';
import { client, manualClock, type Call } from '../helpers/admin.js';
import { USD } from '../helpers/billing.js';
import { createPostgresDatabase, POSTGRES_URL, postgresSkipReason, REDIS_URL, redisPrefix, redisSkipReason } from '../helpers/services.js';
import { startTestTollgate, tempDir, type TestTollgate } from '../helpers/tollgate.js';

// $0.10 per token: a request of a dozen tokens costs about a dollar.
const PRICEY = { pricing: { models: { 'tollgate-sim': { input: '100000', output: '100000' } } } };
const CARD = { card: { number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123' } };

interface Pair {
  a: TestTollgate;
  b: Tollgate;
  stop(): Promise<void>;
}

/** Two instances sharing one store: PostgreSQL and Redis, or one SQLite file (each with its own in-process limits). */
async function startPair(store: 'postgres' | 'sqlite', settings: Record<string, unknown>): Promise<Pair> {
  const database = store === 'postgres' ? await createPostgresDatabase() : null;
  const shared = database ? { database_url: database.url, redis_url: REDIS_URL, redis_prefix: redisPrefix(), ...settings } : settings;
  const a = await startTestTollgate(shared);
  const dir = tempDir();
  const { config } = loadConfig({
    env: {},
    overrides: { data_dir: database ? dir.path : a.services.config.data_dir, server: { port: 0 }, log: { level: 'silent' }, secret: 'test-secret-test-secret-test-secret-0123', ...shared },
  });
  const b = await startTollgate(config, { logger: pino({ level: 'silent' }), env: {} });
  return {
    a,
    b,
    async stop() {
      await b.close();
      await a.stop();
      dir.remove();
      await database?.drop();
    },
  };
}

function crossingTogether(store: 'postgres' | 'sqlite') {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair(store, {
      ...PRICEY,
      limits: { bootstrap_tier: 'unlimited' },
      billing: { trial_grant_usd: '320', worker_interval_ms: 50 },
      metering: { flush_interval_ms: 20, batch_size: 25 },
    });
  });
  afterAll(() => pair?.stop());

  it('200 concurrent requests on two instances cross the threshold together: one charge', { timeout: 180_000 }, async () => {
    const { a, b } = pair;
    const owner = client(a.url, a.adminKey);
    expect((await owner('POST', '/v1/organization/billing/payment_methods', CARD)).status).toBe(201);
    const set = await owner('POST', '/v1/organization/billing/auto_recharge', { enabled: true, threshold_usd: '100', target_usd: '400' });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ object: 'billing.auto_recharge', enabled: true, threshold_usd: '100.00', target_usd: '400.00', consecutive_failures: 0 });

    const body = { model: 'tollgate-sim', max_tokens: 2, messages: [{ role: 'user', content: 'echo: one two three' }] };
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => client(i % 2 ? b.url : a.url, a.projectKey)('POST', '/v1/chat/completions', body)));
    expect(replies.filter((r) => r.status !== 200).map((r) => r.body)).toEqual([]);

    await Promise.all([a.services.recorder.flush(), b.services.recorder.flush()]);
    const db = a.services.store.db;
    // Both workers look for it; one charges it.
    for (let i = 0; i < 200; i++) {
      const done = await db.selectFrom('purchases').select('status').where('source', '=', 'auto_recharge').execute();
      if (done.length > 0 && done.every((p) => p.status === 'succeeded')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const recharges = await db.selectFrom('purchases').selectAll().where('source', '=', 'auto_recharge').execute();
    expect(recharges).toHaveLength(1);
    expect(recharges[0]!.status).toBe('succeeded');
    expect(await db.selectFrom('test_payment_charges').selectAll().execute()).toHaveLength(1);

    const events = await db.selectFrom('usage_events').select(['cost_picos']).execute();
    expect(events).toHaveLength(200);
    const usage = events.reduce((sum, e) => sum + e.cost_picos, 0n);
    const account = await readAccount(db, a.organizationId);
    // The recharge brought the balance at its crossing back up to $400, in whole cents.
    expect(recharges[0]!.amount_picos).toBeGreaterThan(300n * USD);
    expect(account.balance).toBe(320n * USD + recharges[0]!.amount_picos - usage);
    expect((await verifyLedger(db, a.organizationId)).problems).toEqual([]);
    const settings = await owner('GET', '/v1/organization/billing/auto_recharge');
    expect(settings.body).toMatchObject({ enabled: true, last_purchase_id: recharges[0]!.id, consecutive_failures: 0 });
  });
}

describe.skipIf(!POSTGRES_URL || !REDIS_URL)(`auto-recharge on PostgreSQL and Redis${postgresSkipReason}${redisSkipReason}`, () => crossingTogether('postgres'));
describe('auto-recharge on SQLite', () => crossingTogether('sqlite'));

describe('a failing auto-recharge', () => {
  const clock = manualClock(Date.UTC(2026, 4, 10, 12));
  let tg: TestTollgate;
  let owner: Call;
  beforeAll(async () => {
    tg = await startTestTollgate(
      { ...PRICEY, limits: { bootstrap_tier: 'unlimited' }, billing: { trial_grant_usd: '11', worker_interval_ms: 60_000, auto_recharge_retry_base_ms: 60_000 }, metering: { flush_interval_ms: 20 } },
      { clock },
    );
    owner = client(tg.url, tg.adminKey);
  });
  afterAll(() => tg.stop());

  it('retries with backoff, then turns itself off after 3 failed charges with the reason, and says so each time', async () => {
    // Stripe's 4000 0000 0000 0341: saved without trouble, declined whenever it is charged.
    const card = await owner('POST', '/v1/organization/billing/payment_methods', { card: { number: '4000000000000341', exp_month: 1, exp_year: 2030, cvc: '999' } });
    await owner('POST', '/v1/organization/billing/auto_recharge', { enabled: true, threshold_usd: '10', target_usd: '20', payment_method_id: card.body.id });
    const chat = await client(tg.url, tg.projectKey)('POST', '/v1/chat/completions', { model: 'tollgate-sim', max_tokens: 5, messages: [{ role: 'user', content: 'echo: a b c d e' }] });
    expect(chat.status).toBe(200);
    await tg.services.recorder.flush();
    const db = tg.services.store.db;
    const worker = tg.services.billing.worker;
    const purchase = () => db.selectFrom('purchases').selectAll().where('source', '=', 'auto_recharge').executeTakeFirstOrThrow();

    await worker.runOnce();
    expect(await purchase()).toMatchObject({ status: 'pending', attempts: 1n, failure_code: 'card_declined', next_attempt_at: BigInt(clock.now() + 60_000) });
    // Not due yet: nothing is charged.
    await worker.runOnce();
    expect((await purchase()).attempts).toBe(1n);
    clock.advance(60_000);
    await worker.runOnce();
    expect(await purchase()).toMatchObject({ status: 'pending', attempts: 2n, next_attempt_at: BigInt(clock.now() + 120_000) });
    clock.advance(120_000);
    await worker.runOnce();
    expect(await purchase()).toMatchObject({ status: 'failed', attempts: 3n });

    const settings = await owner('GET', '/v1/organization/billing/auto_recharge');
    expect(settings.body).toMatchObject({ enabled: false, consecutive_failures: 3, disabled_reason: '3 charges in a row failed; the last: Your card was declined. (card_declined)' });
    expect(await db.selectFrom('test_payment_charges').select('idempotency_key').orderBy('created_at').execute()).toHaveLength(3);
    const notices = await db.selectFrom('notification_events').select(['type']).where('type', 'like', 'auto_recharge.%').orderBy('created_at').execute();
    expect(notices.map((n) => n.type)).toEqual(['auto_recharge.failed', 'auto_recharge.failed', 'auto_recharge.failed', 'auto_recharge.disabled']);
    const account = await readAccount(db, tg.organizationId);
    expect(account.paid).toBe(0n);

    // Turned on again with a good card: re-armed, failures forgotten.
    const good = await owner('POST', '/v1/organization/billing/payment_methods', CARD);
    const again = await owner('POST', '/v1/organization/billing/auto_recharge', { enabled: true, payment_method_id: good.body.id });
    expect(again.body).toMatchObject({ enabled: true, disabled_reason: null, consecutive_failures: 0, threshold_usd: '10.00', target_usd: '20.00' });
  });

  it('checks its settings', async () => {
    const below = await owner('POST', '/v1/organization/billing/auto_recharge', { enabled: true, threshold_usd: '20', target_usd: '10' });
    expect(below.status).toBe(400);
    expect(below.body.error.param).toBe('target_usd');
    const tooClose = await owner('POST', '/v1/organization/billing/auto_recharge', { enabled: true, threshold_usd: '10', target_usd: '12' });
    expect(tooClose.body.error.message).toMatch(/at least the smallest purchase \(\$5\.00\) above threshold_usd/);
  });
});
