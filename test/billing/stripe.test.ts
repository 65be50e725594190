import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAccount, verifyLedger } from '../../src/billing/index.js';
import { client, type Call } from '../helpers/admin.js';
import { addOrganization, USD } from '../helpers/billing.js';
import { startStripeStandIn, type StripeStandIn } from '../helpers/stripe-server.js';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';

describe('the stripe payment provider, against a local Stripe stand-in', () => {
  let stripe: StripeStandIn;
  let tg: TestTollgate;
  let tenant: Awaited<ReturnType<typeof addOrganization>>;
  let owner: Call;
  let webhook: string;
  let visa: string;

  beforeAll(async () => {
    stripe = await startStripeStandIn();
    tg = await startTestTollgate({
      billing: {
        payment_provider: 'stripe',
        stripe: { secret_key: stripe.secretKey, webhook_secret: stripe.webhookSecret, publishable_key: 'pk_test_tollgate', api_base: stripe.url },
      },
    });
    tenant = await addOrganization(tg, 'Acme');
    owner = client(tg.url, tenant.adminKey);
    webhook = `${tg.url}/v1/billing/stripe/webhook`;
  });
  afterAll(async () => {
    await tg.stop();
    await stripe.close();
  });

  async function saveCard(paymentMethod: string) {
    const setup = await owner('POST', '/v1/organization/billing/payment_methods/setup');
    expect(setup.status).toBe(200);
    await stripe.confirmSetup(setup.body.setup_intent, paymentMethod);
    return owner('POST', '/v1/organization/billing/payment_methods', { setup_intent: setup.body.setup_intent });
  }

  it('saves a card through a SetupIntent for off-session use, keeping only brand, last 4 and expiry', async () => {
    const setup = await owner('POST', '/v1/organization/billing/payment_methods/setup');
    expect(setup.body).toMatchObject({ object: 'billing.card_setup', provider: 'stripe', setup_intent: expect.stringMatching(/^seti_/), client_secret: expect.stringMatching(/^seti_\w+_secret_/), publishable_key: 'pk_test_tollgate' });
    const created = stripe.calls.find((c) => c.path === '/v1/setup_intents')!;
    expect(created.params).toMatchObject({ usage: 'off_session', customer: expect.stringMatching(/^cus_/), metadata: { organization_id: tenant.id } });

    // Not confirmed yet (the browser has not run Stripe.js): refused, nothing saved.
    const early = await owner('POST', '/v1/organization/billing/payment_methods', { setup_intent: setup.body.setup_intent });
    expect(early.status).toBe(400);
    expect(early.body.error).toMatchObject({ code: 'setup_incomplete' });

    await stripe.confirmSetup(setup.body.setup_intent, 'pm_card_visa');
    const saved = await owner('POST', '/v1/organization/billing/payment_methods', { setup_intent: setup.body.setup_intent });
    expect(saved.status).toBe(201);
    expect(saved.body).toMatchObject({ provider: 'stripe', card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2034 } });
    visa = saved.body.id;

    // Stripe's own setup_intent.succeeded webhook for the same card saves nothing twice.
    const si = (await fetch(`${stripe.url}/v1/setup_intents/${setup.body.setup_intent}`, { headers: { authorization: `Bearer ${stripe.secretKey}` } }).then((r) => r.json())) as Record<string, any>;
    const delivered = await stripe.sendWebhook(webhook, 'setup_intent.succeeded', si);
    expect(delivered.status).toBe(200);
    expect((await owner('GET', '/v1/organization/billing/payment_methods')).body.data).toHaveLength(1);

    // Another organization cannot claim this customer's SetupIntent.
    const other = client(tg.url, tg.adminKey);
    const stolen = await other('POST', '/v1/organization/billing/payment_methods', { setup_intent: setup.body.setup_intent });
    expect(stolen.status).toBe(404);
  });

  it('buys credit with a confirmed PaymentIntent, idempotently, and a late webhook credits nothing more', async () => {
    const buy = () => owner('POST', '/v1/organization/billing/purchases', { amount_usd: '10.00', payment_method_id: visa }, { 'idempotency-key': 'order-1' });
    const first = await buy();
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'succeeded', amount_usd: '10.00', receipt_number: expect.stringMatching(/^TG-/) });
    const intents = stripe.calls.filter((c) => c.path === '/v1/payment_intents');
    expect(intents).toHaveLength(1);
    expect(intents[0]!.params).toMatchObject({ amount: '1000', currency: 'usd', confirm: 'true', metadata: { purchase_id: first.body.id, organization_id: tenant.id } });
    expect(intents[0]!.params.off_session).toBeUndefined();
    expect(intents[0]!.idempotencyKey).toBe(`tollgate-purchase-${first.body.id}-0`);

    const again = await buy();
    expect(again.body.id).toBe(first.body.id);
    expect(stripe.calls.filter((c) => c.path === '/v1/payment_intents')).toHaveLength(1);

    const pi = [...stripe.paymentIntents.values()].find((p) => p.metadata.purchase_id === first.body.id)!;
    const late = await stripe.sendWebhook(webhook, 'payment_intent.succeeded', pi);
    expect(late.body).toEqual({ received: true, duplicate: false });
    const account = await readAccount(tg.services.store.db, tenant.id);
    expect(account.paid).toBe(10n * USD);
    expect((await verifyLedger(tg.services.store.db, tenant.id)).problems).toEqual([]);
  });

  it('verifies webhook signatures, refuses replays beyond the tolerance, and handles an event id once', async () => {
    const pi = [...stripe.paymentIntents.values()][0]!;
    const wrong = await stripe.sendWebhook(webhook, 'payment_intent.succeeded', pi, { secret: 'whsec_not_the_endpoint_secret' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.param).toBe('Stripe-Signature');
    const stale = await stripe.sendWebhook(webhook, 'payment_intent.succeeded', pi, { timestamp: Math.floor(Date.now() / 1000) - 3600 });
    expect(stale.status).toBe(400);
    const unsigned = await fetch(webhook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(unsigned.status).toBe(400);

    const once = await stripe.sendWebhook(webhook, 'payment_intent.succeeded', pi, { eventId: 'evt_replayed_once' });
    expect(once.body.duplicate).toBe(false);
    // The same delivery again, byte for byte within the tolerance: acknowledged, not handled again.
    const replay = await fetch(webhook, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': once.header }, body: once.payload });
    expect(await replay.json()).toEqual({ received: true, duplicate: true });
    // A body changed after signing fails the signature.
    const tampered = await fetch(webhook, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': once.header }, body: once.payload.replace('"usd"', '"eur"') });
    expect(tampered.status).toBe(400);
    expect((await readAccount(tg.services.store.db, tenant.id)).paid).toBe(10n * USD);
  });

  it('waits for 3-D Secure: no credit until Stripe reports success, then exactly once', async () => {
    const card = await saveCard('pm_card_authenticationRequired');
    const res = await owner('POST', '/v1/organization/billing/purchases', { amount_usd: '20', payment_method_id: card.body.id });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'requires_action', client_secret: expect.stringMatching(/^pi_\w+_secret_/), receipt_number: null });
    expect((await readAccount(tg.services.store.db, tenant.id)).paid).toBe(10n * USD);

    const pi = stripe.completeAction(/^(pi_\w+?)_secret_/.exec(res.body.client_secret)![1]!);
    const [a, b] = await Promise.all([stripe.sendWebhook(webhook, 'payment_intent.succeeded', pi), stripe.sendWebhook(webhook, 'payment_intent.succeeded', pi)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const purchase = await owner('GET', `/v1/organization/billing/purchases/${res.body.id}`);
    expect(purchase.body).toMatchObject({ status: 'succeeded', client_secret: null, receipt_number: expect.stringMatching(/^TG-/) });
    const db = tg.services.store.db;
    expect((await readAccount(db, tenant.id)).paid).toBe(30n * USD);
    const entries = await db.selectFrom('ledger_entries').select('id').where('reference_id', '=', res.body.id).execute();
    expect(entries).toHaveLength(1);
  });

  it('adds no credit for a declined charge, nor for its payment_failed webhook', async () => {
    const card = await saveCard('pm_card_chargeCustomerFail');
    expect(card.status).toBe(201);
    const res = await owner('POST', '/v1/organization/billing/purchases', { amount_usd: '15', payment_method_id: card.body.id });
    expect(res.status).toBe(402);
    expect(res.body.error).toMatchObject({ type: 'card_error', code: 'generic_decline', message: expect.stringContaining('Your card was declined.') });
    const pi = [...stripe.paymentIntents.values()].at(-1)!;
    expect((await stripe.sendWebhook(webhook, 'payment_intent.payment_failed', pi)).status).toBe(200);
    expect((await readAccount(tg.services.store.db, tenant.id)).paid).toBe(30n * USD);

    // A card Stripe refuses to save is never stored.
    const refused = await saveCard('pm_card_chargeDeclined');
    expect(refused.status).toBe(400);
    expect((await owner('GET', '/v1/organization/billing/payment_methods')).body.data.map((m: any) => m.card.last4).sort()).toEqual(['0341', '3184', '4242']);
  });

  it('refuses card numbers: with Stripe they go from the browser to Stripe, never through Tollgate', async () => {
    const res = await owner('POST', '/v1/organization/billing/payment_methods', { card: { number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123' } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/does not take card details/);
  });
});
