import type { Kysely } from 'kysely';

// Forward-only. Model access: a project, and a key, may carry an allow list or a
// deny list of models, JSON {"mode":"allow_list"|"deny_list","model_ids":[...]};
// null = every model. Read with the key on authentication, so no extra query
// sits on the request path.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('projects').addColumn('model_permissions', 'text').execute();
  await db.schema.alterTable('api_keys').addColumn('model_permissions', 'text').execute();
}
