import type { Kysely } from 'kysely';

// Forward-only. Key lifecycle: service accounts, rotation links and grace,
// revocation details, change stamps for cache re-validation, the audit log and
// the notification events that a delivery channel will send later.
// SQLite takes one ADD COLUMN per ALTER TABLE, hence one statement per column.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('service_accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('member'))
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .execute();
  await db.schema.createIndex('service_accounts_project_idx').on('service_accounts').column('project_id').execute();

  const keyColumns: [string, 'text' | 'bigint'][] = [
    ['service_account_id', 'text'],
    // Set on every change of the key (or of its project): instances without Redis re-validate from it.
    ['updated_at', 'bigint'],
    ['revoked_at', 'bigint'],
    ['revoked_reason', 'text'],
    // Rotation: the key this one replaced / was replaced by, and when a rotated key stops working.
    ['rotated_from_id', 'text'],
    ['rotated_to_id', 'text'],
    ['revoke_at', 'bigint'],
    // When the "older than 90 days, rotate it" notification was recorded (once per key).
    ['rotation_notified_at', 'bigint'],
  ];
  for (const [name, type] of keyColumns) await db.schema.alterTable('api_keys').addColumn(name, type).execute();
  await db.schema.createIndex('api_keys_updated_idx').on('api_keys').column('updated_at').execute();
  await db.schema.createIndex('api_keys_revoke_at_idx').on('api_keys').column('revoke_at').execute();
  // The periodic "due for rotation" pass looks only at keys not yet notified.
  await db.schema.createIndex('api_keys_rotation_due_idx').on('api_keys').columns(['rotation_notified_at', 'created_at']).execute();

  await db.schema.alterTable('projects').addColumn('updated_at', 'bigint').execute();

  await db.schema
    .createTable('audit_logs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('project_id', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('effective_at', 'bigint', (c) => c.notNull())
    // api_key | user | cli | system
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('actor_ip', 'text')
    .addColumn('actor_user_agent', 'text')
    .addColumn('resource_id', 'text')
    // JSON: what changed (never a secret).
    .addColumn('details', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_logs_org_idx').on('audit_logs').columns(['organization_id', 'id']).execute();

  await db.schema
    .createTable('notification_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('project_id', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('resource_id', 'text')
    // Unique when set: an event that must be raised once (e.g. rotation due for a key).
    .addColumn('dedupe_key', 'text', (c) => c.unique())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('delivered_at', 'bigint')
    .execute();
  await db.schema.createIndex('notification_events_pending_idx').on('notification_events').columns(['delivered_at', 'created_at']).execute();
}
