import type { Kysely } from 'kysely';

// Rate-limit tiers and overrides, the credit ledger, budgets and their spent
// counters, and threshold notifications. Money is BIGINT picodollars.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('organization_tiers')
    .addColumn('organization_id', 'text', (c) => c.primaryKey())
    .addColumn('tier', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('project_rate_limits')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('max_requests_per_1_minute', 'bigint')
    .addColumn('max_tokens_per_1_minute', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('project_rate_limits_pk', ['project_id', 'model'])
    .execute();

  // The balance is granted - debited; ledger_entries is the itemised history that sums to both.
  await db.schema
    .createTable('credit_accounts')
    .addColumn('organization_id', 'text', (c) => c.primaryKey())
    .addColumn('granted_picos', 'bigint', (c) => c.notNull())
    .addColumn('debited_picos', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('ledger_entries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    // grant | usage
    .addColumn('kind', 'text', (c) => c.notNull())
    // Signed: grants are positive, usage debits negative.
    .addColumn('amount_picos', 'bigint', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    // For usage debits: how many usage events the entry covers.
    .addColumn('event_count', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ledger_entries_org_time_idx').on('ledger_entries').columns(['organization_id', 'created_at']).execute();

  // scope: organization | project | key. A null limit means no hard cap (thresholds need one).
  await db.schema
    .createTable('spend_budgets')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('scope_id', 'text', (c) => c.notNull())
    .addColumn('monthly_limit_picos', 'bigint')
    // JSON array of percentages, e.g. [50,80,100].
    .addColumn('thresholds', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('spend_budgets_pk', ['scope', 'scope_id'])
    .execute();

  // period: calendar month UTC, 'YYYY-MM'.
  await db.schema
    .createTable('spend_counters')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('scope_id', 'text', (c) => c.notNull())
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('spent_picos', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('spend_counters_pk', ['scope', 'scope_id', 'period'])
    .execute();

  // Threshold crossings are recorded in notification_events (migration 002), the one outbox of events to deliver.
}
