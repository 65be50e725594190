import type { Kysely, Selectable } from 'kysely';
import { TollgateError } from '../common/errors.js';
import { newId } from '../common/ids.js';
import type { Database, PaymentMethodsTable } from '../store/index.js';
import { PaymentError, type CardInput, type CardSetup, type PaymentProvider, type SavedCard } from './payments/provider.js';

/** A saved card as the API shows it: never more than brand, last 4 and expiry. */
export interface PaymentMethod {
  id: string;
  organizationId: string;
  provider: string;
  token: string;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
  createdAt: number;
}

export function methodOf(row: Selectable<PaymentMethodsTable>): PaymentMethod {
  return {
    id: row.id,
    organizationId: row.organization_id,
    provider: row.provider,
    token: row.token,
    brand: row.brand,
    last4: row.last4,
    expMonth: Number(row.exp_month),
    expYear: Number(row.exp_year),
    createdAt: Number(row.created_at),
  };
}

/** A provider refusal as the API's error: card data problems are 400s naming the field, declines 402s. */
export function paymentFailure(err: PaymentError): TollgateError {
  if (err.code === 'not_found') return new TollgateError('not_found', { message: err.message });
  if (err.param) return new TollgateError('invalid_card', { param: err.param, code: err.code, message: err.message });
  if (err.code === 'setup_incomplete' || err.code === 'idempotency_error') return new TollgateError('invalid_request', { code: err.code, message: err.message });
  return new TollgateError('card_declined', { code: err.code, message: err.message });
}

/** The organization's customer at the provider, created (idempotently) the first time. */
export async function customerOf(db: Kysely<Database>, provider: PaymentProvider, organizationId: string, now: number): Promise<string | null> {
  if (!provider.ensureCustomer) return null;
  const row = await db.selectFrom('billing_customers').select('customer_ref').where('organization_id', '=', organizationId).where('provider', '=', provider.name).executeTakeFirst();
  if (row) return row.customer_ref;
  const org = await db.selectFrom('organizations').select('name').where('id', '=', organizationId).executeTakeFirst();
  const ref = await provider.ensureCustomer(organizationId, org?.name ?? organizationId);
  await db
    .insertInto('billing_customers')
    .values({ organization_id: organizationId, provider: provider.name, customer_ref: ref, created_at: now })
    .onConflict((oc) => oc.columns(['organization_id', 'provider']).doNothing())
    .execute();
  return ref;
}

async function saveCard(db: Kysely<Database>, organizationId: string, provider: string, card: SavedCard, createdBy: string | null, now: number): Promise<PaymentMethod> {
  // A card saved twice (the API call and Stripe's webhook) is one payment method.
  await db
    .insertInto('payment_methods')
    .values({
      id: newId('pmt', now),
      organization_id: organizationId,
      provider,
      token: card.token,
      brand: card.brand,
      last4: card.last4,
      exp_month: card.expMonth,
      exp_year: card.expYear,
      created_by: createdBy,
      created_at: now,
      removed_at: null,
    })
    .onConflict((oc) => oc.columns(['provider', 'token']).doNothing())
    .execute();
  const row = await db.selectFrom('payment_methods').selectAll().where('provider', '=', provider).where('token', '=', card.token).executeTakeFirstOrThrow();
  if (row.organization_id !== organizationId) throw new TollgateError('not_found', { message: 'No such payment method.' });
  return methodOf(row);
}

/** The test provider: card details checked and tokenized; only the token, brand, last 4 and expiry are kept. */
export async function addCard(db: Kysely<Database>, provider: PaymentProvider, organizationId: string, card: CardInput, createdBy: string | null, now: number): Promise<PaymentMethod> {
  if (!provider.tokenizeCard) {
    throw new TollgateError('invalid_request', {
      param: 'card',
      message: 'This payment provider does not take card details: start a card setup (POST /v1/organization/billing/payment_methods/setup) and confirm it with Stripe.js, then send its setup_intent.',
    });
  }
  const saved = await provider.tokenizeCard(organizationId, card, now).catch(rethrowPayment);
  return saveCard(db, organizationId, provider.name, saved, createdBy, now);
}

export async function startCardSetup(db: Kysely<Database>, provider: PaymentProvider, organizationId: string, now: number): Promise<CardSetup> {
  if (!provider.startCardSetup) {
    // Like the Stripe webhook without Stripe: the resource does not exist with this provider.
    throw new TollgateError('not_found', { message: 'Card setup is for the Stripe provider. The test payment provider takes card details directly: POST /v1/organization/billing/payment_methods with {"card": {...}}.' });
  }
  const customer = await customerOf(db, provider, organizationId, now);
  return provider.startCardSetup(organizationId, customer!).catch(rethrowPayment);
}

/** The card a completed provider setup saved (the API after Stripe.js, or Stripe's setup_intent.succeeded webhook). */
export async function finishCardSetup(db: Kysely<Database>, provider: PaymentProvider, organizationId: string, setupRef: string, createdBy: string | null, now: number): Promise<PaymentMethod> {
  if (!provider.finishCardSetup) throw new TollgateError('invalid_request', { param: 'setup_intent', message: 'The test payment provider takes card details directly, in `card`.' });
  const customer = await customerOf(db, provider, organizationId, now);
  const saved = await provider.finishCardSetup(customer!, setupRef).catch(rethrowPayment);
  return saveCard(db, organizationId, provider.name, saved, createdBy, now);
}

function rethrowPayment(err: unknown): never {
  throw err instanceof PaymentError ? paymentFailure(err) : err;
}

export async function listPaymentMethods(db: Kysely<Database>, organizationId: string): Promise<PaymentMethod[]> {
  const rows = await db.selectFrom('payment_methods').selectAll().where('organization_id', '=', organizationId).where('removed_at', 'is', null).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
  return rows.map(methodOf);
}

/** An active payment method of the organization; without an id, the most recently added one. */
export async function paymentMethodFor(db: Kysely<Database>, organizationId: string, id: string | undefined): Promise<PaymentMethod> {
  let query = db.selectFrom('payment_methods').selectAll().where('organization_id', '=', organizationId).where('removed_at', 'is', null);
  if (id !== undefined) query = query.where('id', '=', id);
  const row = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').executeTakeFirst();
  if (row) return methodOf(row);
  if (id !== undefined) throw new TollgateError('not_found', { param: 'payment_method_id', message: `No such payment method: ${id.slice(0, 100)}` });
  throw new TollgateError('invalid_request', { param: 'payment_method_id', message: 'The organization has no payment method yet: add a card first (POST /v1/organization/billing/payment_methods).' });
}

export async function removePaymentMethod(db: Kysely<Database>, provider: PaymentProvider, organizationId: string, id: string, now: number): Promise<PaymentMethod> {
  const method = await paymentMethodFor(db, organizationId, id);
  const recharge = await db.selectFrom('auto_recharge').select(['enabled', 'payment_method_id']).where('organization_id', '=', organizationId).executeTakeFirst();
  if (recharge && Number(recharge.enabled) === 1 && recharge.payment_method_id === id) {
    throw new TollgateError('conflict', { param: 'payment_method_id', message: 'Auto-recharge charges this card: turn auto-recharge off or give it another card first.' });
  }
  await db.updateTable('payment_methods').set({ removed_at: now }).where('id', '=', id).where('organization_id', '=', organizationId).execute();
  // Detaching at the provider is tidiness, not safety: the card is already unusable here, so a failure there is not the caller's.
  if (provider.forgetCard && method.provider === provider.name) await provider.forgetCard(method.token).catch(() => {});
  return method;
}
