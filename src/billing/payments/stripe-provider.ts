import type Stripe from 'stripe';
import { stripeSdk } from './stripe-sdk.js';
import { PaymentError, type CardSetup, type ChargeInput, type ChargeResult, type PaymentProvider, type SavedCard } from './provider.js';

export interface StripeProviderOptions {
  secretKey: string;
  publishableKey: string | null;
  /** Stripe's API origin; another one only for a local stand-in (tests) or an egress proxy. */
  apiBase: string;
  timeoutMs: number;
}

/** The stripe SDK client for an API origin. */
export function stripeClient(secretKey: string, apiBase: string, timeoutMs: number): Stripe {
  const url = new URL(apiBase);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  const Client = stripeSdk();
  return new Client(secretKey, {
    host: url.hostname,
    port: url.port || (protocol === 'http' ? 80 : 443),
    protocol,
    // Every call that creates something carries an idempotency key, so the SDK's retries are safe.
    maxNetworkRetries: 2,
    timeout: timeoutMs,
    telemetry: false,
  });
}

function cardOf(pm: Stripe.PaymentMethod): SavedCard {
  if (!pm.card) throw new PaymentError('unsupported_payment_method', `Payment method ${pm.id} is a ${pm.type}, not a card.`);
  return { token: pm.id, brand: pm.card.brand, last4: pm.card.last4, expMonth: pm.card.exp_month, expYear: pm.card.exp_year };
}

/**
 * Stripe through its SDK: a customer per organization, cards saved with
 * SetupIntents for off-session use (the card number goes from the browser to
 * Stripe, never through Tollgate), charges as confirmed PaymentIntents with an
 * idempotency key, off-session for auto-recharge.
 */
export function createStripePaymentProvider(options: StripeProviderOptions): PaymentProvider {
  const stripe = stripeClient(options.secretKey, options.apiBase, options.timeoutMs);

  return {
    name: 'stripe',

    async ensureCustomer(organizationId, name) {
      const customer = await stripe.customers.create({ name, metadata: { organization_id: organizationId } }, { idempotencyKey: `tollgate-customer-${organizationId}` });
      return customer.id;
    },

    async startCardSetup(organizationId, customerRef): Promise<CardSetup> {
      const intent = await stripe.setupIntents.create({ customer: customerRef, usage: 'off_session', allowed_payment_method_types: ['card'], metadata: { organization_id: organizationId } });
      if (!intent.client_secret) throw new PaymentError('provider_error', 'Stripe answered a SetupIntent without a client secret.');
      return { setupRef: intent.id, clientSecret: intent.client_secret, customerRef, publishableKey: options.publishableKey };
    },

    async finishCardSetup(customerRef, setupRef) {
      const intent = await stripe.setupIntents.retrieve(setupRef, { expand: ['payment_method'] }).catch((err: unknown) => {
        if (err instanceof stripeSdk().errors.StripeInvalidRequestError && err.statusCode === 404) throw new PaymentError('not_found', `No such SetupIntent: ${setupRef.slice(0, 100)}`, 'setup_intent');
        throw err;
      });
      const customer = typeof intent.customer === 'string' ? intent.customer : intent.customer?.id;
      if (customer !== customerRef) throw new PaymentError('not_found', `No such SetupIntent: ${setupRef.slice(0, 100)}`, 'setup_intent');
      if (intent.status !== 'succeeded' || !intent.payment_method) {
        throw new PaymentError('setup_incomplete', `The card setup is not complete (status ${intent.status}): confirm it with Stripe.js first.`, 'setup_intent');
      }
      const pm = typeof intent.payment_method === 'string' ? await stripe.paymentMethods.retrieve(intent.payment_method) : intent.payment_method;
      return cardOf(pm);
    },

    async forgetCard(token) {
      await stripe.paymentMethods.detach(token);
    },

    async charge(input: ChargeInput): Promise<ChargeResult> {
      let intent: Stripe.PaymentIntent;
      try {
        intent = await stripe.paymentIntents.create(
          {
            amount: Number(input.amountCents),
            currency: 'usd',
            ...(input.customerRef ? { customer: input.customerRef } : {}),
            payment_method: input.token,
            allowed_payment_method_types: ['card'],
            confirm: true,
            ...(input.offSession ? { off_session: true } : {}),
            description: input.description,
            metadata: { organization_id: input.organizationId, purchase_id: input.purchaseId },
          },
          { idempotencyKey: input.idempotencyKey },
        );
      } catch (err) {
        if (err instanceof stripeSdk().errors.StripeCardError) {
          const raw = err.raw as { payment_intent?: { id?: string } };
          return { status: 'failed', chargeRef: raw.payment_intent?.id ?? null, code: err.decline_code ?? err.code ?? 'card_declined', message: err.message };
        }
        // Anything else (network, Stripe down): the charge's fate is unknown, and the same key asks again later.
        throw err;
      }
      if (intent.status === 'succeeded') return { status: 'succeeded', chargeRef: intent.id };
      if (intent.status === 'requires_payment_method' || intent.status === 'canceled') {
        const error = intent.last_payment_error;
        return { status: 'failed', chargeRef: intent.id, code: error?.decline_code ?? error?.code ?? 'card_declined', message: error?.message ?? 'Your card was declined.' };
      }
      return { status: 'requires_action', chargeRef: intent.id, clientSecret: intent.client_secret };
    },
  };
}
