import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { actorOf } from '../admin/plugin.js';
import type { autoRechargeSchema, cardSetupSchema, paymentMethodSchema, purchaseSchema } from '../admin/response-schemas.js';
import { unixSeconds } from '../common/clock.js';
import { TollgateError } from '../common/errors.js';
import { PICOS_PER_USD } from '../common/money.js';
import { parseRequest } from '../contract/index.js';
import { listPage, recordAudit } from '../control/index.js';
import { usdInput, usdText } from './admin-common.js';
import { idempotencyKeyOf } from './admin-routes.js';
import { readAutoRecharge, writeAutoRecharge } from './auto-recharge.js';
import { addCard, finishCardSetup, listPaymentMethods, paymentMethodFor, removePaymentMethod, startCardSetup, type PaymentMethod } from './payment-methods.js';
import { buyCredit, getPurchase, listPurchases, type Purchase } from './purchases.js';
import type { Billing } from './service.js';

export const cardBody = z
  .object({
    card: z
      .object({
        number: z.string().min(1).max(30),
        exp_month: z.number().int(),
        exp_year: z.number().int(),
        cvc: z.string().min(1).max(4),
      })
      .strict()
      .optional()
      .describe('Test provider: the card itself (only its brand, last 4 and expiry are kept).'),
    setup_intent: z.string().min(1).max(200).optional().describe('Stripe: the SetupIntent confirmed with Stripe.js.'),
  })
  .strict();
export const purchaseBody = z.object({ amount_usd: usdInput, payment_method_id: z.string().min(1).max(100).optional() }).strict();
export const autoRechargeBody = z
  .object({
    enabled: z.boolean(),
    threshold_usd: usdInput.optional().describe('When the credit balance goes below this ...'),
    target_usd: usdInput.optional().describe('... bring it back up to this.'),
    payment_method_id: z.string().min(1).max(100).optional().describe('Default: the most recently added card.'),
  })
  .strict();
export const pageQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20), after: z.string().max(100).optional() }).strict();

export function paymentMethodObject(method: PaymentMethod): z.infer<typeof paymentMethodSchema> {
  return {
    object: 'billing.payment_method',
    id: method.id,
    type: 'card',
    provider: method.provider as 'test' | 'stripe',
    card: { brand: method.brand, last4: method.last4, exp_month: method.expMonth, exp_year: method.expYear },
    created_at: unixSeconds(method.createdAt),
  };
}

export function purchaseObject(purchase: Purchase): z.infer<typeof purchaseSchema> {
  return {
    object: 'billing.purchase',
    id: purchase.id,
    source: purchase.source,
    status: purchase.status,
    amount_usd: usdText(purchase.amount),
    payment_method_id: purchase.paymentMethodId,
    receipt_number: purchase.receiptNumber,
    attempts: purchase.attempts,
    failure: purchase.failureCode === null ? null : { code: purchase.failureCode, message: purchase.failureMessage },
    // Only while the customer must complete the payment (3-D Secure through Stripe.js).
    client_secret: purchase.status === 'requires_action' ? purchase.clientSecret : null,
    next_attempt_at: purchase.status === 'pending' ? unixSeconds(purchase.nextAttemptAt) : null,
    created_at: unixSeconds(purchase.createdAt),
    completed_at: purchase.completedAt === null ? null : unixSeconds(purchase.completedAt),
  };
}

const CENT = PICOS_PER_USD / 100n;

/**
 * Payment methods, purchases and auto-recharge of the organization the caller
 * acts in. Changing any of them is the Owner's or the operator's
 * (`authority.ts`: manage).
 */
export function paymentRoutes(billing: Billing): FastifyPluginAsync {
  const { db, clock } = billing.purchases;
  const { authority, provider, bounds } = billing;


  async function autoRechargeObject(organizationId: string): Promise<z.infer<typeof autoRechargeSchema>> {
    const settings = await readAutoRecharge(db, organizationId);
    return {
      object: 'billing.auto_recharge',
      enabled: settings?.enabled ?? false,
      threshold_usd: settings ? usdText(settings.threshold) : null,
      target_usd: settings ? usdText(settings.target) : null,
      payment_method_id: settings?.paymentMethodId ?? null,
      consecutive_failures: settings?.consecutiveFailures ?? 0,
      disabled_reason: settings?.disabledReason ?? null,
      last_purchase_id: settings?.lastPurchaseId ?? null,
    };
  }

  return async (app: FastifyInstance) => {
    app.get('/billing/payment_methods', async (request) => {
      const organizationId = authority.authorize(request.principal, 'view');
      return listPage((await listPaymentMethods(db, organizationId)).map(paymentMethodObject), false);
    });

    app.post('/billing/payment_methods/setup', async (request) => {
      const organizationId = authority.authorize(request.principal, 'manage');
      const setup = await startCardSetup(db, provider, organizationId, clock.now());
      const answer: z.infer<typeof cardSetupSchema> = { object: 'billing.card_setup', provider: 'stripe', setup_intent: setup.setupRef, client_secret: setup.clientSecret, publishable_key: setup.publishableKey };
      return answer;
    });

    app.post('/billing/payment_methods', async (request, reply) => {
      const organizationId = authority.authorize(request.principal, 'manage');
      const input = parseRequest(cardBody, request.body);
      if ((input.card === undefined) === (input.setup_intent === undefined)) {
        throw new TollgateError('invalid_request', { param: 'card', message: 'Send either `card` (the test provider) or `setup_intent` (Stripe), not both and not neither.' });
      }
      const now = clock.now();
      const actor = actorOf(request.principal!, request);
      const method = input.card
        ? await addCard(db, provider, organizationId, { number: input.card.number, expMonth: input.card.exp_month, expYear: input.card.exp_year, cvc: input.card.cvc }, actor.id, now)
        : await finishCardSetup(db, provider, organizationId, input.setup_intent!, actor.id, now);
      await recordAudit(db, clock, actor, { type: 'payment_method.added', projectId: null, resourceId: method.id, details: { brand: method.brand, last4: method.last4 } });
      reply.code(201);
      return paymentMethodObject(method);
    });

    app.delete('/billing/payment_methods/:payment_method_id', async (request) => {
      const organizationId = authority.authorize(request.principal, 'manage');
      const { payment_method_id: id } = request.params as { payment_method_id: string };
      const method = await removePaymentMethod(db, provider, organizationId, id, clock.now());
      await recordAudit(db, clock, actorOf(request.principal!, request), { type: 'payment_method.removed', projectId: null, resourceId: id, details: { brand: method.brand, last4: method.last4 } });
      return { object: 'billing.payment_method.deleted', id, deleted: true };
    });

    app.get('/billing/purchases', async (request) => {
      const query = parseRequest(pageQuery, request.query ?? {});
      const organizationId = authority.authorize(request.principal, 'view');
      const page = await listPurchases(db, organizationId, { limit: query.limit, after: query.after });
      return listPage(page.purchases.map(purchaseObject), page.hasMore);
    });

    app.get('/billing/purchases/:purchase_id', async (request) => {
      const organizationId = authority.authorize(request.principal, 'view');
      const { purchase_id: id } = request.params as { purchase_id: string };
      const purchase = await getPurchase(db, organizationId, id);
      if (!purchase) throw new TollgateError('not_found', { message: `No such purchase: ${id.slice(0, 100)}` });
      return purchaseObject(purchase);
    });

    app.post('/billing/purchases', async (request, reply) => {
      const organizationId = authority.authorize(request.principal, 'manage');
      const input = parseRequest(purchaseBody, request.body);
      if (input.amount_usd % CENT !== 0n) throw new TollgateError('invalid_value', { param: 'amount_usd', message: 'amount_usd must be a whole number of cents.' });
      if (input.amount_usd < bounds.min || input.amount_usd > bounds.max) {
        throw new TollgateError('invalid_value', { param: 'amount_usd', message: `amount_usd must be between $${usdText(bounds.min)} and $${usdText(bounds.max)}.` });
      }
      const method = await paymentMethodFor(db, organizationId, input.payment_method_id);
      const actor = actorOf(request.principal!, request);
      const purchase = await buyCredit(billing.purchases, { organizationId, amount: input.amount_usd, paymentMethodId: method.id, idempotencyKey: idempotencyKeyOf(request.headers) ?? null, createdBy: actor.id });
      if (purchase.status === 'failed') {
        throw new TollgateError('card_declined', { code: purchase.failureCode, message: `${purchase.failureMessage ?? 'Your card was declined.'} No credit was added (purchase ${purchase.id}).` });
      }
      reply.code(purchase.status === 'succeeded' ? 200 : 202);
      return purchaseObject(purchase);
    });

    app.get('/billing/auto_recharge', async (request) => autoRechargeObject(authority.authorize(request.principal, 'view')));

    app.post('/billing/auto_recharge', async (request) => {
      const organizationId = authority.authorize(request.principal, 'manage');
      const input = parseRequest(autoRechargeBody, request.body);
      const current = await readAutoRecharge(db, organizationId);
      const threshold = input.threshold_usd ?? current?.threshold;
      const goal = input.target_usd ?? current?.target;
      if (threshold === undefined) throw new TollgateError('missing_required_parameter', { param: 'threshold_usd', message: 'threshold_usd is required the first time.' });
      if (goal === undefined) throw new TollgateError('missing_required_parameter', { param: 'target_usd', message: 'target_usd is required the first time.' });
      const method = await paymentMethodFor(db, organizationId, input.payment_method_id ?? (input.enabled ? undefined : current?.paymentMethodId));
      const actor = actorOf(request.principal!, request);
      await writeAutoRecharge(db, organizationId, { enabled: input.enabled, threshold, target: goal, paymentMethodId: method.id }, bounds, actor.id, clock.now());
      await recordAudit(db, clock, actor, {
        type: 'auto_recharge.updated',
        projectId: null,
        resourceId: organizationId,
        details: { enabled: input.enabled, threshold_usd: usdText(threshold), target_usd: usdText(goal), payment_method_id: method.id },
      });
      return autoRechargeObject(organizationId);
    });
  };
}
