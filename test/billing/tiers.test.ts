import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextRung, promoteForPayments, qualifyingRung, readTier, setTier, tierRules } from '../../src/billing/tiers.js';
import { DEFAULT_TIER_RULES } from '../../src/billing/tiers.js';
import { openStore, type Store } from '../../src/store/index.js';
import { client, manualClock } from '../helpers/admin.js';
import { addOrganization, USD } from '../helpers/billing.js';
import { startTestTollgate, tempDir, type TestTollgate } from '../helpers/tollgate.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

describe('the tier ladder', () => {
  const openai = tierRules(DEFAULT_TIER_RULES);
  // OpenAI's published days since the first payment: 7, 7, 14, 30 for tiers 2-5.
  const withDays = tierRules(DEFAULT_TIER_RULES.map((r, i) => ({ ...r, min_days: [0, 0, 7, 7, 14, 30][i]! })));
  const dir = tempDir();
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ dataDir: dir.path });
    await store.migrate();
  });
  afterAll(async () => {
    await store.close();
    dir.remove();
  });

  it("follows OpenAI's table of paid purchases", () => {
    const reach = (usd: bigint) => openai[qualifyingRung(openai, usd * USD, T0, T0)]!.tier;
    expect([0n, 4n, 5n, 49n, 50n, 100n, 249n, 250n, 999n, 1000n, 50_000n].map(reach)).toEqual(['free', 'free', 'tier-1', 'tier-1', 'tier-2', 'tier-3', 'tier-3', 'tier-4', 'tier-4', 'tier-5', 'tier-5']);
    expect(nextRung(openai, 'tier-2', 60n * USD, T0, T0)).toEqual({ tier: 'tier-3', paidNeeded: 40n * USD, availableAt: null });
    expect(nextRung(openai, 'tier-5', 0n, T0, T0)).toBeNull();
    expect(nextRung(openai, 'unlimited', 0n, T0, T0)).toBeNull();
  });

  it('waits the minimum days since the first payment where the ladder asks for them', () => {
    expect(withDays[qualifyingRung(withDays, 2000n * USD, T0, T0 + 6 * DAY)]!.tier).toBe('tier-1');
    expect(withDays[qualifyingRung(withDays, 2000n * USD, T0, T0 + 7 * DAY)]!.tier).toBe('tier-3');
    expect(withDays[qualifyingRung(withDays, 2000n * USD, T0, T0 + 30 * DAY)]!.tier).toBe('tier-5');
    expect(nextRung(withDays, 'tier-1', 2000n * USD, T0, T0 + DAY)).toEqual({ tier: 'tier-2', paidNeeded: 0n, availableAt: T0 + 7 * DAY });
  });

  it('raises a tier and never lowers one; a tier off the ladder is left alone', async () => {
    const db = store.db;
    expect(await promoteForPayments(db, 'org_a', openai, 'free', 60n * USD, T0, T0)).toEqual({ from: 'free', to: 'tier-2' });
    expect(await readTier(db, 'org_a')).toBe('tier-2');
    // An operator placed it higher than its payments reach: kept.
    await setTier(db, 'org_a', 'tier-4', T0, 'operator');
    expect(await promoteForPayments(db, 'org_a', openai, 'free', 120n * USD, T0, T0)).toBeNull();
    expect(await readTier(db, 'org_a')).toBe('tier-4');
    await setTier(db, 'org_b', 'unlimited', T0, 'operator');
    expect(await promoteForPayments(db, 'org_b', openai, 'free', 5000n * USD, T0, T0)).toBeNull();
    expect(await readTier(db, 'org_b')).toBe('unlimited');
  });
});

describe('tier overrides', () => {
  let tg: TestTollgate;
  beforeAll(async () => {
    tg = await startTestTollgate();
  });
  afterAll(() => tg.stop());

  it("are the operator's alone, and take effect on the next request", async () => {
    const tenant = await addOrganization(tg, 'Acme');
    const own = await client(tg.url, tenant.adminKey)('POST', '/v1/organization/limits/tier', { tier: 'unlimited' });
    expect(own.status).toBe(403);
    const set = await client(tg.url, tg.adminKey)('POST', '/v1/organization/limits/tier', { tier: 'tier-3' }, { 'openai-organization': tenant.id });
    expect(set.body).toMatchObject({ tier: 'tier-3', set_by: 'operator', max_requests_per_1_minute: 5000 });
    const chat = await client(tg.url, tenant.projectKey)('POST', '/v1/chat/completions', { model: 'tollgate-sim', max_tokens: 2, messages: [{ role: 'user', content: 'echo: hi' }] });
    expect(chat.headers.get('x-ratelimit-limit-requests')).toBe('5000');
    const audit = await client(tg.url, tenant.adminKey)('GET', '/v1/organization/audit_logs?event_types[]=tier.updated');
    expect(audit.body.data[0]).toMatchObject({ type: 'tier.updated' });
  });
});

describe('rungs that wait for days since the first payment', () => {
  const clock = manualClock(Date.UTC(2026, 2, 3, 9));
  let tg: TestTollgate;
  beforeAll(async () => {
    const rules = DEFAULT_TIER_RULES.map((r, i) => ({ ...r, min_days: [0, 0, 7, 7, 14, 30][i]! }));
    tg = await startTestTollgate({ billing: { tier_rules: rules, worker_interval_ms: 60_000 } }, { clock });
  });
  afterAll(() => tg.stop());

  it('counts paid purchases only, and promotes on the day the wait ends, without another purchase', async () => {
    const tenant = await addOrganization(tg, 'Waiting');
    const owner = client(tg.url, tenant.adminKey);
    const tier = async () => (await owner('GET', '/v1/organization/limits/tier')).body;
    // A grant is not a payment.
    await client(tg.url, tg.adminKey)('POST', '/v1/organization/credits/grants', { amount_usd: '500' }, { 'openai-organization': tenant.id });
    expect(await tier()).toMatchObject({ tier: 'free', paid_usd: '0.00', next_tier: { tier: 'tier-1', paid_usd_needed: '5.00', available_at: null } });

    await owner('POST', '/v1/organization/billing/payment_methods', { card: { number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123' } });
    const paidAt = clock.now();
    expect((await owner('POST', '/v1/organization/billing/purchases', { amount_usd: '60' })).status).toBe(200);
    expect(await tier()).toMatchObject({
      tier: 'tier-1',
      paid_usd: '60.00',
      first_payment_at: paidAt / 1000,
      next_tier: { tier: 'tier-2', paid_usd_needed: '0.00', available_at: (paidAt + 7 * DAY) / 1000 },
    });

    clock.advance(7 * DAY - 60_000);
    await tg.services.billing.worker.runOnce();
    expect((await tier()).tier).toBe('tier-1');
    clock.advance(60_000);
    await tg.services.billing.worker.runOnce();
    expect(await tier()).toMatchObject({ tier: 'tier-2', set_by: 'purchases', max_requests_per_1_minute: 5000, next_tier: { tier: 'tier-3', paid_usd_needed: '40.00' } });
    const chat = await client(tg.url, tenant.projectKey)('POST', '/v1/chat/completions', { model: 'tollgate-sim', max_tokens: 2, messages: [{ role: 'user', content: 'echo: hi' }] });
    expect(chat.headers.get('x-ratelimit-limit-requests')).toBe('5000');
    // Told once per tier, however many passes look.
    clock.advance(2 * 60_000);
    await tg.services.billing.worker.runOnce();
    const notices = await tg.services.store.db.selectFrom('notification_events').select('payload').where('organization_id', '=', tenant.id).where('type', '=', 'usage_tier.upgraded').orderBy('created_at').execute();
    expect(notices.map((n) => JSON.parse(n.payload))).toEqual([
      { from: 'free', to: 'tier-1', paid_usd: '60.00' },
      { from: 'tier-1', to: 'tier-2', paid_usd: '60.00' },
    ]);
  });
});
