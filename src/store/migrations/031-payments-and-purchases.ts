import type { Kysely } from 'kysely';

// Forward-only. Payment methods (only a provider token, brand, last 4 and
// expiry: never a card number), the provider's customer of an organization,
// purchases of credit (manual and auto-recharge) with their idempotency keys,
// the billing details receipts show, receipt numbers, Stripe webhook events
// already handled, auto-recharge settings, who set a usage tier, and the test
// provider's memory of charges by idempotency key.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('billing_customers')
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('customer_ref', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('billing_customers_pk', ['organization_id', 'provider'])
    .execute();

  await db.schema
    .createTable('payment_methods')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('brand', 'text', (c) => c.notNull())
    .addColumn('last4', 'text', (c) => c.notNull())
    .addColumn('exp_month', 'bigint', (c) => c.notNull())
    .addColumn('exp_year', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('removed_at', 'bigint')
    .execute();
  await db.schema.createIndex('payment_methods_token_uq').unique().on('payment_methods').columns(['provider', 'token']).execute();
  await db.schema.createIndex('payment_methods_org_idx').on('payment_methods').columns(['organization_id', 'created_at']).execute();

  // status: pending (to charge) | requires_action (the customer or the network must act; a webhook settles it) | succeeded | failed
  await db.schema
    .createTable('purchases')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    // manual | auto_recharge
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('amount_picos', 'bigint', (c) => c.notNull())
    .addColumn('payment_method_id', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    // The client's Idempotency-Key (manual purchases), unique per organization.
    .addColumn('idempotency_key', 'text')
    .addColumn('charge_ref', 'text')
    .addColumn('client_secret', 'text')
    // Failed charge attempts so far; the next attempt's provider idempotency key is purchase id + this number.
    .addColumn('attempts', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    // An instance charging it holds it until then (a crashed one's lease runs out).
    .addColumn('lease_until', 'bigint')
    .addColumn('failure_code', 'text')
    .addColumn('failure_message', 'text')
    .addColumn('receipt_number', 'text')
    .addColumn('ledger_entry_id', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('completed_at', 'bigint')
    .execute();
  await db.schema.createIndex('purchases_idempotency_uq').unique().on('purchases').columns(['organization_id', 'idempotency_key']).execute();
  await db.schema.createIndex('purchases_org_idx').on('purchases').columns(['organization_id', 'created_at']).execute();
  await db.schema.createIndex('purchases_due_idx').on('purchases').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('purchases_charge_idx').on('purchases').column('charge_ref').execute();

  await db.schema
    .createTable('billing_profiles')
    .addColumn('organization_id', 'text', (c) => c.primaryKey())
    .addColumn('legal_name', 'text')
    .addColumn('email', 'text')
    // JSON: line1, line2, city, postal_code, state, country.
    .addColumn('address', 'text')
    .addColumn('tax_id', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  // Named counters (receipt numbers): incremented in the transaction that uses the number.
  await db.schema
    .createTable('billing_sequences')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('stripe_webhook_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .execute();

  // "When the balance goes below threshold, bring it back up to target." `armed` is 1 until a
  // crossing creates its recharge purchase, and again once that purchase succeeded: one charge per crossing.
  await db.schema
    .createTable('auto_recharge')
    .addColumn('organization_id', 'text', (c) => c.primaryKey())
    .addColumn('enabled', 'bigint', (c) => c.notNull())
    .addColumn('threshold_picos', 'bigint', (c) => c.notNull())
    .addColumn('target_picos', 'bigint', (c) => c.notNull())
    .addColumn('payment_method_id', 'text', (c) => c.notNull())
    .addColumn('armed', 'bigint', (c) => c.notNull())
    .addColumn('consecutive_failures', 'bigint', (c) => c.notNull())
    .addColumn('disabled_reason', 'text')
    .addColumn('last_purchase_id', 'text')
    .addColumn('updated_by', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  // Who set the tier last: 'operator' (an override), 'purchases' (a promotion), or null (onboarding).
  await db.schema.alterTable('organization_tiers').addColumn('set_by', 'text').execute();

  await db.schema
    .createTable('test_payment_charges')
    .addColumn('idempotency_key', 'text', (c) => c.primaryKey())
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('amount_cents', 'bigint', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('charge_ref', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}
