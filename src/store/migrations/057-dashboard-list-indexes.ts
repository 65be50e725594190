import type { Kysely } from 'kysely';

// Forward-only. The dashboard's keys page lists one project's keys, 20 at a
// time in id order, active ones unless revoked are asked for: with only
// api_keys_project_idx a project of 100,000 keys was read whole and sorted
// for every page. These indexes answer each page by walking 21 entries:
// (project_id, status, id) for active keys, (project_id, id) with revoked
// ones, (organization_id, kind, id) for the admin keys list.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('api_keys_project_status_id_idx').on('api_keys').columns(['project_id', 'status', 'id']).execute();
  await db.schema.createIndex('api_keys_project_id_idx').on('api_keys').columns(['project_id', 'id']).execute();
  await db.schema.createIndex('api_keys_org_kind_id_idx').on('api_keys').columns(['organization_id', 'kind', 'id']).execute();
}
