import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAccount, verifyLedger } from '../../src/billing/index.js';
import { client, type Call } from '../helpers/admin.js';
import { addOrganization, USD } from '../helpers/billing.js';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';

const card = (number: string, extra: Record<string, unknown> = {}) => ({ card: { number, exp_month: 12, exp_year: 2034, cvc: '123', ...extra } });

describe('cards and purchases with the test payment provider', () => {
  let tg: TestTollgate;
  let tenant: Awaited<ReturnType<typeof addOrganization>>;
  let owner: Call;
  let visa: string;
  beforeAll(async () => {
    tg = await startTestTollgate({ metering: { flush_interval_ms: 20 } });
    tenant = await addOrganization(tg, 'Acme');
    owner = client(tg.url, tenant.adminKey);
  });
  afterAll(() => tg.stop());

  it('checks a card as Stripe does and names the field at fault', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [card('4242424242424241'), 'card.number', 'incorrect_number'],
      [card('4242424242424242', { exp_month: 13 }), 'card.exp_month', 'invalid_expiry_month'],
      [card('4242424242424242', { exp_year: 2020 }), 'card.exp_year', 'invalid_expiry_year'],
      [card('4242424242424242', { cvc: '12' }), 'card.cvc', 'invalid_cvc'],
      [card('378282246310005', { cvc: '123' }), 'card.cvc', 'invalid_cvc'],
      // A real card number (valid Luhn) is not a test card.
      [card('4111111111111111'), 'card.number', 'card_declined'],
    ];
    for (const [body, param, code] of cases) {
      const res = await owner('POST', '/v1/organization/billing/payment_methods', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatchObject({ param, code, type: 'invalid_request_error' });
      expect(JSON.stringify(res.body)).not.toContain('424242424242');
    }
    const neither = await owner('POST', '/v1/organization/billing/payment_methods', {});
    expect(neither.status).toBe(400);
    expect((await owner('GET', '/v1/organization/billing/payment_methods')).body.data).toEqual([]);
  });

  it('keeps only a token, the brand, the last 4 and the expiry', async () => {
    const res = await owner('POST', '/v1/organization/billing/payment_methods', card('4242 4242 4242 4242'));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ object: 'billing.payment_method', type: 'card', provider: 'test', card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2034 } });
    visa = res.body.id;
    const row = await tg.services.store.db.selectFrom('payment_methods').selectAll().where('id', '=', visa).executeTakeFirstOrThrow();
    expect(row.token).toMatch(/^pm_test_[0-9a-f]{24}_ok$/);
    expect(JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).not.toMatch(/42424242|\b123\b/);
    const list = await owner('GET', '/v1/organization/billing/payment_methods');
    expect(list.body.data.map((m: any) => m.id)).toEqual([visa]);
  });

  it('buys $10: credit, a ledger entry, a receipt number, and the tier rises at once with its limits', async () => {
    expect((await owner('GET', '/v1/organization/limits/tier')).body).toMatchObject({ tier: 'free', max_requests_per_1_minute: 3 });
    const res = await owner('POST', '/v1/organization/billing/purchases', { amount_usd: '10' }, { 'idempotency-key': 'buy-1' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ object: 'billing.purchase', source: 'manual', status: 'succeeded', amount_usd: '10.00', payment_method_id: visa, receipt_number: expect.stringMatching(/^TG-\d{6}$/), failure: null });
    expect((await owner('GET', '/v1/organization/credits')).body).toMatchObject({ balance_usd: '15.00', paid_usd: '10.00', granted_usd: '5.00' });
    const ledger = await owner('GET', '/v1/organization/credits/ledger?limit=1');
    expect(ledger.body.data[0]).toMatchObject({ kind: 'purchase', amount_usd: '10.00', reference_id: res.body.id, balance_after_usd: '15.00' });
    expect((await owner('GET', '/v1/organization/limits/tier')).body).toMatchObject({
      tier: 'tier-1',
      max_requests_per_1_minute: 500,
      set_by: 'purchases',
      paid_usd: '10.00',
      next_tier: { tier: 'tier-2', paid_usd_needed: '40.00', available_at: null },
    });
    const notice = await tg.services.store.db.selectFrom('notification_events').select(['type', 'payload']).where('organization_id', '=', tenant.id).where('type', '=', 'usage_tier.upgraded').execute();
    expect(notice.map((n) => JSON.parse(n.payload))).toEqual([{ from: 'free', to: 'tier-1', paid_usd: '10.00' }]);
    // The very next request is admitted under tier 1's limits.
    const chat = await client(tg.url, tenant.projectKey)('POST', '/v1/chat/completions', { model: 'tollgate-sim', max_tokens: 3, messages: [{ role: 'user', content: 'echo: hi' }] });
    expect(chat.status).toBe(200);
    expect(chat.headers.get('x-ratelimit-limit-requests')).toBe('500');
  });

  it('never charges one Idempotency-Key twice, and refuses it for another amount', async () => {
    const again = await owner('POST', '/v1/organization/billing/purchases', { amount_usd: '10' }, { 'idempotency-key': 'buy-1' });
    expect(again.status).toBe(200);
    const db = tg.services.store.db;
    const purchases = await db.selectFrom('purchases').select('id').where('organization_id', '=', tenant.id).execute();
    expect(purchases).toHaveLength(1);
    expect(again.body.id).toBe(purchases[0]!.id);
    const charges = await db.selectFrom('test_payment_charges').selectAll().execute();
    expect(charges).toHaveLength(1);
    expect((await readAccount(db, tenant.id)).paid).toBe(10n * USD);
    const other = await owner('POST', '/v1/organization/billing/purchases', { amount_usd: '20' }, { 'idempotency-key': 'buy-1' });
    expect(other.status).toBe(409);
    expect(other.body.error).toMatchObject({ code: 'idempotency_key_reused', param: 'Idempotency-Key' });
    // Ten identical requests at once: one purchase, one charge.
    const burst = await Promise.all(Array.from({ length: 10 }, () => owner('POST', '/v1/organization/billing/purchases', { amount_usd: '7.50' }, { 'idempotency-key': 'burst' })));
    expect(burst.every((r) => r.status === 200 || r.status === 409)).toBe(true);
    const ids = new Set(burst.filter((r) => r.status === 200).map((r) => r.body.id));
    expect(ids.size).toBe(1);
    expect(await db.selectFrom('test_payment_charges').selectAll().execute()).toHaveLength(2);
    expect((await readAccount(db, tenant.id)).paid).toBe(1750n * USD / 100n);
  });

  it('keeps purchases within the minimum and maximum, in whole cents', async () => {
    for (const [amount, message] of [
      ['4.99', /between \$5\.00 and \$10000\.00/],
      ['10000.01', /between \$5\.00 and \$10000\.00/],
      ['10.001', /whole number of cents/],
    ] as const) {
      const res = await owner('POST', '/v1/organization/billing/purchases', { amount_usd: amount });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ param: 'amount_usd', message: expect.stringMatching(message) });
    }
  });

  it('adds no credit for a declined or failed charge, and says why', async () => {
    const db = tg.services.store.db;
    const before = await readAccount(db, tenant.id);
    for (const [number, code, message] of [
      ['4000000000000002', 'card_declined', 'Your card was declined.'],
      ['4000000000009995', 'insufficient_funds', 'Your card has insufficient funds.'],
    ] as const) {
      const added = await owner('POST', '/v1/organization/billing/payment_methods', card(number));
      expect(added.status).toBe(201);
      const res = await owner('POST', '/v1/organization/billing/purchases', { amount_usd: '25', payment_method_id: added.body.id });
      expect(res.status).toBe(402);
      expect(res.body.error).toMatchObject({ type: 'card_error', code, message: expect.stringContaining(message) });
      const id = /purchase (pur_\w+)/.exec(res.body.error.message)![1];
      const purchase = await owner('GET', `/v1/organization/billing/purchases/${id}`);
      expect(purchase.body).toMatchObject({ status: 'failed', receipt_number: null, failure: { code, message } });
    }
    expect(await readAccount(db, tenant.id)).toEqual(before);
    expect((await verifyLedger(db, tenant.id)).problems).toEqual([]);
  });

  it('lists purchases newest first; another organization sees none of them', async () => {
    const list = await owner('GET', '/v1/organization/billing/purchases?limit=2');
    expect(list.body.data.map((p: any) => p.status)).toEqual(['failed', 'failed']);
    expect(list.body.has_more).toBe(true);
    const operator = client(tg.url, tg.adminKey);
    expect((await operator('GET', '/v1/organization/billing/purchases')).body.data).toEqual([]);
    expect((await operator('GET', `/v1/organization/billing/purchases/${list.body.data[0].id}`)).status).toBe(404);
    // The operator may look when it names the organization.
    expect((await operator('GET', '/v1/organization/billing/purchases?limit=1', undefined, { 'openai-organization': tenant.id })).body.data).toHaveLength(1);
    const project = await client(tg.url, tenant.projectKey)('GET', '/v1/organization/billing/purchases');
    expect(project.status).toBe(403);
  });

  it('removes a card; a removed card cannot be charged', async () => {
    const added = await owner('POST', '/v1/organization/billing/payment_methods', card('5555555555554444'));
    expect(added.body.card).toMatchObject({ brand: 'mastercard', last4: '4444' });
    const removed = await owner('DELETE', `/v1/organization/billing/payment_methods/${added.body.id}`);
    expect(removed.body).toEqual({ object: 'billing.payment_method.deleted', id: added.body.id, deleted: true });
    const buy = await owner('POST', '/v1/organization/billing/purchases', { amount_usd: '5', payment_method_id: added.body.id });
    expect(buy.status).toBe(404);
    expect(buy.body.error.param).toBe('payment_method_id');
  });
});
