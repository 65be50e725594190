import type { Kysely } from 'kysely';

// Forward-only. Attribution: the request's `user` (the caller's end user) and
// its `metadata` (JSON object, at most 16 pairs) on each usage event, for the
// usage and costs reads to filter and group by. No index: those reads scan the
// organization's time range, as the request log's filters do.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('usage_events').addColumn('end_user', 'text').execute();
  await db.schema.alterTable('usage_events').addColumn('metadata', 'text').execute();
}
