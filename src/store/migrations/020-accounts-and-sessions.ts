import type { Kysely } from 'kysely';

// Forward-only. People: accounts, server-side sessions, single-use tokens
// (email verification, password reset, operator setup, pending second factor),
// phone verification codes and the sign-in throttle's counters. Secrets are
// never stored: tokens and codes as keyed hashes, passwords as argon2id.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // Lower-cased; one account per address.
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text')
    // argon2id PHC string; null for an account that has not set one (created by the operator, or SSO only).
    .addColumn('password_hash', 'text')
    .addColumn('email_verified_at', 'bigint')
    .addColumn('phone_number', 'text')
    .addColumn('phone_verified_at', 'bigint')
    // 1: a platform operator (credits, tiers, upstream keys, sign-up policy, every organization).
    .addColumn('operator', 'bigint', (c) => c.notNull().defaultTo(0))
    // active | disabled
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // Keyed hash of the cookie's token: the store never holds a usable session.
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    // password | sso | invite | password_reset | setup
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    // The absolute end; the idle end is last_seen_at + the idle timeout.
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('revoked_at', 'bigint')
    .addColumn('revoked_reason', 'text')
    .execute();
  await db.schema.createIndex('sessions_user_idx').on('sessions').columns(['user_id', 'revoked_at']).execute();

  await db.schema
    .createTable('user_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    // email_verification | password_reset | setup | second_factor
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    // The address a verification link was sent to (the account's address may change later).
    .addColumn('email', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema.createIndex('user_tokens_user_idx').on('user_tokens').columns(['user_id', 'purpose']).execute();

  await db.schema
    .createTable('phone_codes')
    .addColumn('user_id', 'text', (c) => c.primaryKey())
    .addColumn('phone_number', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('attempts', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();

  // Fixed-window failure counters of the sign-in throttle, shared by every instance through the store.
  await db.schema
    .createTable('auth_attempts')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .execute();
}
