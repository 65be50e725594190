import type { Kysely } from 'kysely';

// Every usage event updates each index of usage_events on the request path's
// write side. No query reads by request id, and project filters always come
// with the organization and a time range (served by usage_events_org_time_idx),
// so these two indexes only cost writes.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('usage_events_request_idx').execute();
  await db.schema.dropIndex('usage_events_project_time_idx').execute();
}
