import type { Kysely } from 'kysely';

// One row per request (failed and aborted ones too): the source of usage and
// cost reports, and what ledger debits and budget counters must add up to.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('usage_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('project_id', 'text')
    .addColumn('api_key_id', 'text')
    .addColumn('endpoint', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('provider', 'text')
    .addColumn('deployment_model', 'text')
    .addColumn('prompt_tokens', 'bigint', (c) => c.notNull())
    .addColumn('cached_tokens', 'bigint', (c) => c.notNull())
    .addColumn('cache_write_tokens', 'bigint', (c) => c.notNull())
    .addColumn('completion_tokens', 'bigint', (c) => c.notNull())
    .addColumn('reasoning_tokens', 'bigint', (c) => c.notNull())
    .addColumn('cost_picos', 'bigint', (c) => c.notNull())
    .addColumn('usage_estimated', 'bigint', (c) => c.notNull())
    .addColumn('latency_ms', 'bigint', (c) => c.notNull())
    .addColumn('ttft_ms', 'bigint')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('http_status', 'bigint', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('usage_events_org_time_idx').on('usage_events').columns(['organization_id', 'created_at']).execute();
  await db.schema.createIndex('usage_events_project_time_idx').on('usage_events').columns(['project_id', 'created_at']).execute();
  await db.schema.createIndex('usage_events_request_idx').on('usage_events').column('request_id').execute();
}
