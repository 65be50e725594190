import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type Stripe from 'stripe';
import { TollgateError } from '../common/errors.js';
import { finishCardSetup } from './payment-methods.js';
import { completePurchase, failPurchase } from './purchases.js';
import type { Billing } from './service.js';
import { stripeSdk } from './payments/stripe-sdk.js';

export const STRIPE_WEBHOOK_PATH = '/v1/billing/stripe/webhook';

/**
 * Stripe's webhook endpoint (no key: Stripe signs each delivery). The
 * signature is checked over the raw body with the endpoint's secret and a
 * timestamp tolerance, so a captured delivery replayed later is refused; an
 * event id already handled is acknowledged and not handled again, and every
 * handler is idempotent on its own (a purchase is credited by a conditional
 * update), so two deliveries racing each other still credit once.
 */
export function stripeWebhookRoutes(billing: Billing): FastifyPluginAsync {
  const { db, clock } = billing.purchases;
  const deps = billing.purchases;

  async function purchaseOfIntent(intent: Stripe.PaymentIntent): Promise<string | null> {
    const byMetadata = intent.metadata?.purchase_id;
    const row = await db
      .selectFrom('purchases')
      .select('id')
      .where((eb) => eb.or([eb('charge_ref', '=', intent.id), ...(byMetadata ? [eb('id', '=', byMetadata)] : [])]))
      .executeTakeFirst();
    return row?.id ?? null;
  }

  async function handle(event: Stripe.Event): Promise<void> {
    if (event.type === 'payment_intent.succeeded') {
      const id = await purchaseOfIntent(event.data.object);
      if (id) await completePurchase(deps, id, event.data.object.id);
    } else if (event.type === 'payment_intent.payment_failed') {
      const intent = event.data.object;
      const id = await purchaseOfIntent(intent);
      const error = intent.last_payment_error;
      if (id) await failPurchase(deps, id, { code: error?.decline_code ?? error?.code ?? 'card_declined', message: error?.message ?? 'Your card was declined.', chargeRef: intent.id });
    } else if (event.type === 'setup_intent.succeeded') {
      const intent = event.data.object;
      const organizationId = intent.metadata?.organization_id;
      if (organizationId) await finishCardSetup(db, billing.provider, organizationId, intent.id, 'stripe', clock.now());
    }
  }

  return async (app: FastifyInstance) => {
    // The signature is over the exact bytes Stripe sent: keep them.
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

    app.post(STRIPE_WEBHOOK_PATH, async (request) => {
      const settings = billing.stripeWebhook;
      if (!settings) throw new TollgateError('not_found', { message: 'Stripe is not the payment provider of this instance.' });
      const signature = request.headers['stripe-signature'];
      if (typeof signature !== 'string' || !Buffer.isBuffer(request.body)) {
        throw new TollgateError('invalid_request', { param: 'Stripe-Signature', message: 'A Stripe webhook needs its Stripe-Signature header and a JSON body.' });
      }
      let event: Stripe.Event;
      try {
        event = stripeSdk().webhooks.constructEvent(request.body, signature, settings.secret, settings.toleranceS, undefined, clock.now());
      } catch (err) {
        throw new TollgateError('invalid_request', { param: 'Stripe-Signature', message: 'The Stripe signature does not match this endpoint\'s secret, or its timestamp is outside the tolerance.', cause: err });
      }
      const seen = await db.selectFrom('stripe_webhook_events').select('id').where('id', '=', event.id).executeTakeFirst();
      if (seen) return { received: true, duplicate: true };
      await handle(event);
      // Recorded after handling: a crash in between means Stripe delivers again, and the handlers are idempotent.
      await db.insertInto('stripe_webhook_events').values({ id: event.id, type: event.type, received_at: clock.now() }).onConflict((oc) => oc.column('id').doNothing()).execute();
      return { received: true, duplicate: false };
    });
  };
}
