import type { Kysely } from 'kysely';

// Forward-only. The TOTP second factor and its recovery codes. The TOTP
// secret is sealed with the server secret (AES-GCM); recovery codes are
// stored as keyed hashes, each usable once.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('totp_factors')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id'))
    // ServerSecret.encrypt of the base32 secret.
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    // pending (shown, not yet confirmed by a first code) | active
    .addColumn('status', 'text', (c) => c.notNull())
    // The 30-second time step of the last code accepted: a code of this step or an earlier one is a replay.
    .addColumn('last_used_step', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('enabled_at', 'bigint')
    .execute();

  await db.schema
    .createTable('recovery_codes')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addPrimaryKeyConstraint('recovery_codes_pk', ['user_id', 'code_hash'])
    .execute();
}
