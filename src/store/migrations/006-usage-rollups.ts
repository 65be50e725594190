import { sql, type Kysely } from 'kysely';

// Hourly rollups of usage_events, which the 1h/1d usage and cost reads use.
// A raw event is folded exactly once: the fold adds it to its hour's row and
// stamps `rolled_up_at` in the same transaction, so reads can combine rollups
// with the events not yet folded, and the retention prune drops only folded
// events. Missing project/key ids are stored as '' so the key is a plain
// primary key on both dialects (NULLs never conflict).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('usage_rollups_hourly')
    .addColumn('hour_start', 'bigint', (c) => c.notNull())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('api_key_id', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('endpoint', 'text', (c) => c.notNull())
    .addColumn('events', 'bigint', (c) => c.notNull())
    .addColumn('failed_events', 'bigint', (c) => c.notNull())
    .addColumn('prompt_tokens', 'bigint', (c) => c.notNull())
    .addColumn('cached_tokens', 'bigint', (c) => c.notNull())
    .addColumn('cache_write_tokens', 'bigint', (c) => c.notNull())
    .addColumn('completion_tokens', 'bigint', (c) => c.notNull())
    .addColumn('reasoning_tokens', 'bigint', (c) => c.notNull())
    .addColumn('cost_picos', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('usage_rollups_hourly_pk', ['organization_id', 'hour_start', 'project_id', 'api_key_id', 'model', 'endpoint'])
    .execute();

  await db.schema.alterTable('usage_events').addColumn('rolled_up_at', 'bigint').execute();
  await db.schema
    .createIndex('usage_events_unrolled_idx')
    .on('usage_events')
    .column('created_at')
    .where(sql.ref('rolled_up_at'), 'is', null)
    .execute();
  // The retention prune walks events oldest first.
  await db.schema.createIndex('usage_events_time_idx').on('usage_events').column('created_at').execute();
}
