import type { Kysely } from 'kysely';

// OpenAI's spend alerts: a dollar amount of monthly spend (organization or
// project) at which the alert's recipients are mailed. The crossing is found
// by the usage writer, next to the budget thresholds (percentages).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('spend_alerts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    // organization | project
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('scope_id', 'text', (c) => c.notNull())
    .addColumn('threshold_picos', 'bigint', (c) => c.notNull())
    // JSON array of email addresses.
    .addColumn('recipients', 'text', (c) => c.notNull())
    .addColumn('subject_prefix', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('spend_alerts_scope_idx').on('spend_alerts').columns(['scope', 'scope_id']).execute();
}
