import { sql, type Kysely } from 'kysely';

// Forward-only. Daily sums of usage_events beside the hourly ones: a month of
// a busy organization is ~720 hourly rows per key and model, which a 30-day
// usage or cost report (the dashboard's usage page) had to add up on every
// read; the daily rows are 24 times fewer. The fold adds each event to its
// hour and its UTC day in the same transaction. Filled here from the hourly
// rows already folded.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('usage_rollups_daily')
    .addColumn('day_start', 'bigint', (c) => c.notNull())
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
    .addPrimaryKeyConstraint('usage_rollups_daily_pk', ['organization_id', 'day_start', 'project_id', 'api_key_id', 'model', 'endpoint'])
    .execute();
  const sums = 'sum(events), sum(failed_events), sum(prompt_tokens), sum(cached_tokens), sum(cache_write_tokens), sum(completion_tokens), sum(reasoning_tokens), sum(cost_picos)';
  await sql`insert into usage_rollups_daily (day_start, organization_id, project_id, api_key_id, model, endpoint,
      events, failed_events, prompt_tokens, cached_tokens, cache_write_tokens, completion_tokens, reasoning_tokens, cost_picos)
    select hour_start - hour_start % cast(86400000 as bigint), organization_id, project_id, api_key_id, model, endpoint, ${sql.raw(sums)}
    from usage_rollups_hourly
    group by hour_start - hour_start % cast(86400000 as bigint), organization_id, project_id, api_key_id, model, endpoint`.execute(db);
}
