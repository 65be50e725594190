import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAccount, verifyLedger } from '../../src/billing/index.js';
import { formatUsdExact, parseUsd } from '../../src/common/money.js';
import { client, manualClock, type Call } from '../helpers/admin.js';
import { USD } from '../helpers/billing.js';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';

const CARD = { card: { number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123' } };
const ask = (text: string) => ({ model: 'tollgate-sim', max_tokens: 2, messages: [{ role: 'user', content: `echo: ${text}` }] });

describe('a month simulated across the period boundary', () => {
  const clock = manualClock(Date.UTC(2026, 4, 31, 23, 30));
  let tg: TestTollgate;
  let admin: Call;
  let key: Call;
  beforeAll(async () => {
    // $0.01 per token: a request costs about $0.12.
    tg = await startTestTollgate(
      { pricing: { models: { 'tollgate-sim': { input: '10000', output: '10000' } } }, limits: { bootstrap_tier: 'unlimited' }, billing: { trial_grant_usd: '20' }, metering: { flush_interval_ms: 20 } },
      { clock },
    );
    admin = client(tg.url, tg.adminKey);
    key = client(tg.url, tg.projectKey);
  });
  afterAll(() => tg.stop());

  it('resets the monthly budgets of key, project and organization on the 1st (UTC), and never the balance', async () => {
    const keys = await admin('GET', `/v1/organization/projects/${tg.projectId}/api_keys`);
    const keyId = keys.body.data[0].id;
    await admin('POST', `/v1/organization/projects/${tg.projectId}/api_keys/${keyId}/limits`, { monthly_budget_usd: '1' });
    await admin('POST', `/v1/organization/projects/${tg.projectId}/budget`, { monthly_limit_usd: '5' });
    await admin('POST', '/v1/organization/budget', { monthly_limit_usd: '6' });

    let spentMay = 0n;
    let refusal;
    for (let i = 0; i < 30; i++) {
      const res = await key('POST', '/v1/chat/completions', ask(`may ${i}`));
      if (res.status !== 200) {
        refusal = res;
        break;
      }
      spentMay += parseUsd(res.headers.get('x-tollgate-cost-usd')!);
      clock.advance(60_000);
    }
    expect(refusal?.status).toBe(429);
    expect(refusal?.body.error.code).toBe('insufficient_quota');
    expect(spentMay).toBeGreaterThan(parseUsd('0.8'));
    expect(spentMay).toBeLessThanOrEqual(1n * USD);
    const may = (await key('GET', '/v1/key')).body;
    expect(may).toMatchObject({ period: '2026-05', budgets: { key: { spent_usd: formatUsdExact(spentMay) }, project: { spent_usd: formatUsdExact(spentMay) } } });
    const balanceMay = parseUsd(may.credit.balance_usd);
    expect(balanceMay).toBe(20n * USD - spentMay);

    // 00:00 UTC on June 1st: a new month.
    clock.advance(Date.UTC(2026, 5, 1) - clock.now());
    const june = (await key('GET', '/v1/key')).body;
    expect(june).toMatchObject({
      period: '2026-06',
      period_resets_at: Date.UTC(2026, 6, 1) / 1000,
      budgets: {
        key: { monthly_limit_usd: '1.00', spent_usd: '0.00', remaining_usd: '1.00' },
        project: { monthly_limit_usd: '5.00', spent_usd: '0.00', remaining_usd: '5.00' },
        organization: { monthly_limit_usd: '6.00', spent_usd: '0.00', remaining_usd: '6.00' },
      },
      credit: { balance_usd: formatUsdExact(balanceMay) },
    });
    const first = await key('POST', '/v1/chat/completions', ask('june'));
    expect(first.status).toBe(200);
    const cost = parseUsd(first.headers.get('x-tollgate-cost-usd')!);
    const after = (await key('GET', '/v1/key')).body;
    expect(after.budgets.key.spent_usd).toBe(formatUsdExact(cost));
    expect(parseUsd(after.credit.balance_usd)).toBe(balanceMay - cost);

    // The store agrees: May's and June's counters apart, one balance throughout.
    await tg.services.recorder.flush();
    const budget = await admin('GET', '/v1/organization/budget');
    expect(budget.body).toMatchObject({ period: '2026-06', spent_usd: formatUsdExact(cost) });
    expect((await readAccount(tg.services.store.db, tg.organizationId)).balance).toBe(20n * USD - spentMay - cost);
    const mayStatement = await admin('GET', '/v1/organization/billing/statements/2026-05');
    expect(mayStatement.body).toMatchObject({ usage_total_usd: formatUsdExact(spentMay), closing_balance_usd: formatUsdExact(balanceMay) });
  });
});

describe('10,000 requests with concurrent purchases and one auto-recharge', () => {
  let tg: TestTollgate;
  beforeAll(async () => {
    // $0.000125 per token: 10,000 requests of about a dozen tokens cost about $15.
    tg = await startTestTollgate({
      pricing: { models: { 'tollgate-sim': { input: '125', output: '125' } } },
      limits: { bootstrap_tier: 'unlimited' },
      billing: { trial_grant_usd: '42', worker_interval_ms: 50 },
      metering: { flush_interval_ms: 50, batch_size: 500 },
    });
  });
  afterAll(() => tg.stop());

  it('keeps balance = purchases + grants - usage to the picodollar, equal to the usage events and the costs API', { timeout: 900_000 }, async () => {
    const owner = client(tg.url, tg.adminKey);
    const key = client(tg.url, tg.projectKey);
    expect((await owner('POST', '/v1/organization/billing/payment_methods', CARD)).status).toBe(201);
    // Below $40, back up to $60: crossed once, whichever way the purchases interleave.
    expect((await owner('POST', '/v1/organization/billing/auto_recharge', { enabled: true, threshold_usd: '40', target_usd: '60' })).status).toBe(200);
    const startedAt = Math.floor(Date.now() / 1000) - 60;

    const TOTAL = 10_000;
    const WORKERS = 25;
    let next = 0;
    let headerSum = 0n;
    const failures: unknown[] = [];
    const purchases: Promise<unknown>[] = [];
    await Promise.all(
      Array.from({ length: WORKERS }, async () => {
        while (next < TOTAL) {
          const i = next++;
          // Two manual purchases while the requests run.
          if (i === 2_000 || i === 6_000) purchases.push(owner('POST', '/v1/organization/billing/purchases', { amount_usd: '5' }, { 'idempotency-key': `during-${i}` }));
          const res = await key('POST', '/v1/chat/completions', ask(`request ${i % 7} of the ten thousand`));
          if (res.status !== 200) failures.push(res.body);
          else headerSum += parseUsd(res.headers.get('x-tollgate-cost-usd')!);
        }
      }),
    );
    expect(failures).toEqual([]);
    const bought = await Promise.all(purchases);
    expect(bought.map((p: any) => p.status)).toEqual([200, 200]);
    await tg.services.recorder.flush();

    const db = tg.services.store.db;
    for (let i = 0; i < 200; i++) {
      const pending = await db.selectFrom('purchases').select('id').where('status', '!=', 'succeeded').where('status', '!=', 'failed').execute();
      if (pending.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const all = await db.selectFrom('purchases').select(['source', 'status', 'amount_picos']).execute();
    expect(all.filter((p) => p.source === 'auto_recharge').map((p) => p.status)).toEqual(['succeeded']);
    expect(all.filter((p) => p.source === 'manual').map((p) => p.status)).toEqual(['succeeded', 'succeeded']);
    const purchased = all.reduce((t, p) => t + p.amount_picos, 0n);

    const events = await db.selectFrom('usage_events').select('cost_picos').execute();
    expect(events).toHaveLength(TOTAL);
    const usage = events.reduce((t, e) => t + e.cost_picos, 0n);
    expect(usage).toBe(headerSum);
    expect(usage).toBeGreaterThan(10n * USD);

    const account = await readAccount(db, tg.organizationId);
    const check = await verifyLedger(db, tg.organizationId);
    expect(check.problems).toEqual([]);
    expect(account.balance).toBe(purchased + 42n * USD - usage);
    expect(account.paid).toBe(purchased);
    expect(account.debited).toBe(usage);

    const costs = await owner('GET', `/v1/organization/costs?start_time=${startedAt}&limit=30`);
    const costSum = costs.body.data.flatMap((b: any) => b.results).reduce((t: bigint, r: any) => t + parseUsd(r.amount.value_exact), 0n);
    expect(costSum).toBe(usage);
    const credits = await owner('GET', '/v1/organization/credits');
    expect(credits.body).toMatchObject({ balance_usd: formatUsdExact(account.balance), used_usd: formatUsdExact(usage), paid_usd: formatUsdExact(purchased) });
    console.log(`10,000 requests: usage $${formatUsdExact(usage)}, purchases $${formatUsdExact(purchased)}, balance $${formatUsdExact(account.balance)}, ${check.entries} ledger entries`);
  });
});
