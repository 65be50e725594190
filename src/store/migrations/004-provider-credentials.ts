import type { Kysely } from 'kysely';

// Upstream API keys set through the admin API or `tollgate providers set-key`,
// sealed with AES-256-GCM under the server secret; never stored in clear.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('provider_credentials')
    .addColumn('provider_id', 'text', (c) => c.primaryKey())
    .addColumn('sealed_api_key', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .execute();
}
