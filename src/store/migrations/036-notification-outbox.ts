import type { Kysely } from 'kysely';

// Notices that reach people. `notification_events` (migration 002) is the
// outbox: an event is written in the transaction of the change it tells of.
// The sender turns each event into one delivery per recipient (an Owner's
// address, a spend alert's address, a webhook endpoint) and marks the event
// `delivered_at` (handed to its channels) in the same transaction; each
// delivery is then claimed by a lease, sent, and retried with backoff.
export async function up(db: Kysely<unknown>): Promise<void> {
  // When someone of the organization marked it read (the notifications API).
  await db.schema.alterTable('notification_events').addColumn('read_at', 'bigint').execute();
  await db.schema.createIndex('notification_events_org_idx').on('notification_events').columns(['organization_id', 'id']).execute();

  await db.schema
    .createTable('notification_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    // email | webhook
    .addColumn('channel', 'text', (c) => c.notNull())
    // An email address, or a webhook endpoint id.
    .addColumn('target', 'text', (c) => c.notNull())
    // pending | sent | failed
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'bigint', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    // Held by the instance sending it; an expired lease (the instance died) lets another send it again.
    .addColumn('lease_until', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint')
    .addUniqueConstraint('notification_deliveries_once', ['event_id', 'channel', 'target'])
    .execute();
  await db.schema.createIndex('notification_deliveries_due_idx').on('notification_deliveries').columns(['status', 'next_attempt_at']).execute();

  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    // The signing secret (whsec_...), sealed with the server secret: it must be read back to sign.
    .addColumn('sealed_secret', 'text', (c) => c.notNull())
    // enabled | disabled
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('consecutive_failures', 'bigint', (c) => c.notNull())
    .addColumn('disabled_reason', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webhook_endpoints_org_idx').on('webhook_endpoints').column('organization_id').execute();

  // The Owner's choice per event type; no row: both channels.
  await db.schema
    .createTable('notification_preferences')
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('email', 'bigint', (c) => c.notNull())
    .addColumn('webhook', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('notification_preferences_pk', ['organization_id', 'type'])
    .execute();
}
