import type { Kysely } from 'kysely';

// The limit store's fast state kept in PostgreSQL, for instances that share a
// PostgreSQL database without Redis (limits/postgres.ts): rate buckets, spend
// caps with their reservations, and the open reservations. Created on SQLite
// too (one schema for both stores), where nothing uses them.
export async function up(db: Kysely<unknown>): Promise<void> {
  // level and at are whole numbers below 2^53 (limits/bucket.ts): doubles hold them exactly.
  await db.schema
    .createTable('limit_buckets')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('level', 'double precision', (c) => c.notNull())
    .addColumn('at', 'double precision', (c) => c.notNull())
    .addColumn('per_minute', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('limit_caps')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('committed_picos', 'bigint', (c) => c.notNull())
    .addColumn('reserved_picos', 'bigint', (c) => c.notNull())
    .addColumn('touched_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('limit_reservations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('worst_picos', 'bigint', (c) => c.notNull())
    // The cap keys reserved against, newline-separated.
    .addColumn('cap_keys', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('limit_reservations_expiry_idx').on('limit_reservations').column('expires_at').execute();
}
