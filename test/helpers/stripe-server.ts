import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

/**
 * A local stand-in for Stripe's API, for the calls Tollgate makes through the
 * `stripe` SDK: customers, SetupIntents (with the confirmation a browser does
 * through Stripe.js), PaymentMethods, PaymentIntents with idempotency keys,
 * and webhooks signed with the SDK's test-header helper. It speaks Stripe's
 * wire format: form-encoded requests, bearer secret keys, JSON objects shaped
 * like Stripe's own examples (test/fixtures/stripe), card errors as 402s.
 *
 * Test payment methods behave as Stripe's do (https://docs.stripe.com/testing):
 * pm_card_visa and pm_card_mastercard succeed; pm_card_chargeDeclined and
 * pm_card_chargeDeclinedInsufficientFunds decline; pm_card_chargeCustomerFail
 * saves fine and declines every charge; pm_card_authenticationRequired needs
 * 3-D Secure (requires_action on session, authentication_required off session).
 */
const FIXTURES = JSON.parse(readFileSync(new URL('../fixtures/stripe/objects.json', import.meta.url), 'utf8')) as Record<string, Record<string, unknown>>;

interface TestCard {
  brand: string;
  last4: string;
  /** Declined when a SetupIntent saves it. */
  setupDecline?: { code: string; decline_code?: string; message: string };
  /** Declined when charged. */
  chargeDecline?: { code: string; decline_code?: string; message: string };
  threeDSecure?: boolean;
}

const DECLINED = { code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' };
const INSUFFICIENT = { code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' };

const TEST_PAYMENT_METHODS: Record<string, TestCard> = {
  pm_card_visa: { brand: 'visa', last4: '4242' },
  pm_card_mastercard: { brand: 'mastercard', last4: '4444' },
  pm_card_chargeDeclined: { brand: 'visa', last4: '0002', setupDecline: DECLINED, chargeDecline: DECLINED },
  pm_card_chargeDeclinedInsufficientFunds: { brand: 'visa', last4: '9995', setupDecline: INSUFFICIENT, chargeDecline: INSUFFICIENT },
  pm_card_chargeCustomerFail: { brand: 'visa', last4: '0341', chargeDecline: DECLINED },
  pm_card_authenticationRequired: { brand: 'visa', last4: '3184', threeDSecure: true },
};

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

/** Stripe's form encoding (`a[b][0]=x`) back into objects and arrays. */
export function parseForm(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [rawKey, value] of new URLSearchParams(text)) {
    const parts = rawKey.split(/\[|\]\[|\]/).filter((p) => p !== '');
    let node: Record<string, unknown> = out;
    parts.forEach((part, i) => {
      if (i === parts.length - 1) node[part] = value;
      else node = (node[part] ??= /^\d+$/.test(parts[i + 1]!) ? {} : {}) as Record<string, unknown>;
    });
  }
  return out;
}

export interface StripeCall {
  method: string;
  path: string;
  params: Record<string, unknown>;
  idempotencyKey: string | null;
}

export interface StripeStandIn {
  url: string;
  secretKey: string;
  webhookSecret: string;
  calls: StripeCall[];
  paymentIntents: Map<string, Record<string, any>>;
  /** What a browser does with Stripe.js: confirms a SetupIntent with a test payment method. */
  confirmSetup(setupIntentId: string, paymentMethod: string): Promise<Record<string, any>>;
  /** The customer completes 3-D Secure: the PaymentIntent succeeds (no webhook sent). */
  completeAction(paymentIntentId: string): Record<string, any>;
  /** Signs and delivers an event to `to` as Stripe does; `timestamp` (unix s) for replay tests. */
  sendWebhook(to: string, type: string, object: Record<string, any>, options?: { timestamp?: number; eventId?: string; secret?: string }): Promise<{ status: number; body: any; payload: string; header: string }>;
  close(): Promise<void>;
}

export async function startStripeStandIn(): Promise<StripeStandIn> {
  const secretKey = `sk_test_${randomBytes(16).toString('hex')}`;
  const webhookSecret = `whsec_${randomBytes(24).toString('base64url')}`;
  const calls: StripeCall[] = [];
  const customers = new Map<string, Record<string, any>>();
  const setupIntents = new Map<string, Record<string, any>>();
  const paymentMethods = new Map<string, Record<string, any>>();
  const paymentIntents = new Map<string, Record<string, any>>();
  const idempotent = new Map<string, { params: string; status: number; body: unknown }>();
  const now = () => Math.floor(Date.now() / 1000);

  function paymentMethodFor(ref: string, customer: string | null): Record<string, any> {
    const existing = paymentMethods.get(ref);
    if (existing) return existing;
    const card = TEST_PAYMENT_METHODS[ref];
    if (!card) throw Object.assign(new Error(`No such PaymentMethod: '${ref}'`), { status: 404, type: 'invalid_request_error', code: 'resource_missing' });
    const fixture = FIXTURES.payment_method as Record<string, any>;
    const pm = {
      ...fixture,
      id: id('pm'),
      created: now(),
      customer,
      metadata: {},
      card: { ...fixture.card, brand: card.brand, display_brand: card.brand, last4: card.last4, exp_month: 12, exp_year: 2034 },
      _test: ref,
    };
    paymentMethods.set(pm.id, pm);
    return pm;
  }

  const publicPm = (pm: Record<string, any>) => {
    const { _test: _hidden, ...rest } = pm;
    return rest;
  };

  function cardError(status: number, decline: { code: string; decline_code?: string; message: string }, extra: Record<string, unknown>) {
    return { status, body: { error: { type: 'card_error', ...decline, ...extra } } };
  }

  function route(method: string, path: string, params: Record<string, any>, query: URLSearchParams): { status: number; body: unknown } {
    const fixture = (name: string) => structuredClone(FIXTURES[name]) as Record<string, any>;
    let m: RegExpExecArray | null;
    if (method === 'POST' && path === '/v1/customers') {
      const customer = { ...fixture('customer'), id: id('cus'), created: now(), name: params.name ?? null, metadata: params.metadata ?? {}, discount: null };
      customers.set(customer.id, customer);
      return { status: 200, body: customer };
    }
    if (method === 'POST' && path === '/v1/setup_intents') {
      const si: Record<string, any> = {
        ...fixture('setup_intent'),
        id: id('seti'),
        created: now(),
        customer: params.customer ?? null,
        metadata: params.metadata ?? {},
        usage: params.usage ?? 'off_session',
        status: 'requires_payment_method',
        payment_method: null,
        last_setup_error: null,
        next_action: null,
      };
      si.client_secret = `${si.id}_secret_${randomBytes(8).toString('hex')}`;
      setupIntents.set(si.id, si);
      return { status: 200, body: si };
    }
    if ((m = /^\/v1\/setup_intents\/([^/]+)$/.exec(path)) && method === 'GET') {
      const si = setupIntents.get(m[1]!);
      if (!si) return { status: 404, body: { error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such setupintent: '${m[1]}'`, param: 'intent' } } };
      const expand = [...query.entries()].filter(([k]) => k.startsWith('expand')).map(([, v]) => v);
      return { status: 200, body: expand.includes('payment_method') && si.payment_method ? { ...si, payment_method: publicPm(paymentMethods.get(si.payment_method)!) } : si };
    }
    if ((m = /^\/v1\/payment_methods\/([^/]+)$/.exec(path)) && method === 'GET') {
      const pm = paymentMethods.get(m[1]!);
      return pm ? { status: 200, body: publicPm(pm) } : { status: 404, body: { error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such PaymentMethod: '${m[1]}'` } } };
    }
    if ((m = /^\/v1\/payment_methods\/([^/]+)\/detach$/.exec(path)) && method === 'POST') {
      const pm = paymentMethods.get(m[1]!);
      if (!pm) return { status: 404, body: { error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such PaymentMethod: '${m[1]}'` } } };
      pm.customer = null;
      return { status: 200, body: publicPm(pm) };
    }
    if (method === 'POST' && path === '/v1/payment_intents') {
      const pm = paymentMethods.get(String(params.payment_method)) ?? paymentMethodFor(String(params.payment_method), params.customer ?? null);
      const card = TEST_PAYMENT_METHODS[pm._test as string]!;
      const pi: Record<string, any> = {
        ...fixture('payment_intent'),
        id: id('pi'),
        created: now(),
        amount: Number(params.amount),
        amount_received: 0,
        currency: params.currency,
        customer: params.customer ?? null,
        payment_method: pm.id,
        description: params.description ?? null,
        metadata: params.metadata ?? {},
        canceled_at: null,
        last_payment_error: null,
        next_action: null,
        transfer_data: null,
        latest_charge: null,
        processing: null,
      };
      pi.client_secret = `${pi.id}_secret_${randomBytes(8).toString('hex')}`;
      paymentIntents.set(pi.id, pi);
      const offSession = params.off_session === 'true';
      if (card.chargeDecline || (card.threeDSecure && offSession)) {
        const decline = card.chargeDecline ?? { code: 'authentication_required', decline_code: 'authentication_required', message: 'Your card was declined. This transaction requires authentication.' };
        Object.assign(pi, { status: 'requires_payment_method', last_payment_error: { type: 'card_error', ...decline, payment_method: publicPm(pm) } });
        return cardError(402, decline, { payment_intent: pi, payment_method: publicPm(pm), request_log_url: null });
      }
      if (card.threeDSecure) {
        Object.assign(pi, { status: 'requires_action', next_action: { type: 'use_stripe_sdk', use_stripe_sdk: {} } });
        return { status: 200, body: pi };
      }
      Object.assign(pi, { status: 'succeeded', amount_received: pi.amount, latest_charge: id('ch') });
      return { status: 200, body: pi };
    }
    if ((m = /^\/v1\/payment_intents\/([^/]+)$/.exec(path)) && method === 'GET') {
      const pi = paymentIntents.get(m[1]!);
      return pi ? { status: 200, body: pi } : { status: 404, body: { error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such payment_intent: '${m[1]}'` } } };
    }
    return { status: 404, body: { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path}).` } } };
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://stripe.local');
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json', 'request-id': id('req') });
        res.end(JSON.stringify(body));
      };
      if (req.headers.authorization !== `Bearer ${secretKey}`) {
        send(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided.' } });
        return;
      }
      const params = parseForm(text);
      const key = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : null;
      calls.push({ method: req.method ?? 'GET', path: url.pathname, params, idempotencyKey: key });
      // Stripe's idempotency: the same key answers the first result; other parameters are an error.
      const cacheKey = key && req.method === 'POST' ? `${url.pathname}|${key}` : null;
      const cached = cacheKey ? idempotent.get(cacheKey) : undefined;
      if (cached) {
        if (cached.params !== text) {
          send(400, { error: { type: 'idempotency_error', message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.' } });
          return;
        }
        res.setHeader('idempotent-replayed', 'true');
        send(cached.status, cached.body);
        return;
      }
      let answer: { status: number; body: unknown };
      try {
        answer = route(req.method ?? 'GET', url.pathname, params, url.searchParams);
      } catch (err) {
        const e = err as { status?: number; type?: string; code?: string; message: string };
        answer = { status: e.status ?? 500, body: { error: { type: e.type ?? 'api_error', code: e.code, message: e.message } } };
      }
      if (cacheKey) idempotent.set(cacheKey, { params: text, ...answer });
      send(answer.status, answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Stop by itself if a test forgets to: bounded in time.
  const guard = setTimeout(() => server.close(), 15 * 60_000);
  guard.unref();

  return {
    url,
    secretKey,
    webhookSecret,
    calls,
    paymentIntents,
    async confirmSetup(setupIntentId, paymentMethod) {
      const si = setupIntents.get(setupIntentId);
      if (!si) throw new Error(`no SetupIntent ${setupIntentId}`);
      const pm = paymentMethodFor(paymentMethod, si.customer);
      const card = TEST_PAYMENT_METHODS[pm._test as string]!;
      if (card.setupDecline) {
        Object.assign(si, { status: 'requires_payment_method', last_setup_error: { type: 'card_error', ...card.setupDecline } });
        return si;
      }
      pm.customer = si.customer;
      Object.assign(si, { status: 'succeeded', payment_method: pm.id, last_setup_error: null });
      return si;
    },
    completeAction(paymentIntentId) {
      const pi = paymentIntents.get(paymentIntentId);
      if (!pi) throw new Error(`no PaymentIntent ${paymentIntentId}`);
      Object.assign(pi, { status: 'succeeded', amount_received: pi.amount, next_action: null, latest_charge: id('ch') });
      return pi;
    },
    async sendWebhook(to, type, object, options = {}) {
      const event = {
        ...structuredClone(FIXTURES.event),
        id: options.eventId ?? id('evt'),
        type,
        created: options.timestamp ?? now(),
        data: { object },
        api_version: Stripe.API_VERSION,
        pending_webhooks: 1,
      };
      const payload = JSON.stringify(event);
      const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? webhookSecret, ...(options.timestamp !== undefined ? { timestamp: options.timestamp } : {}) });
      const response = await fetch(to, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': header }, body: payload });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* keep the text */
      }
      return { status: response.status, body, payload, header };
    },
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(guard);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
