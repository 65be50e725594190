import type { Kysely } from 'kysely';
import type { Clock } from '../common/clock.js';
import type { ServerSecret } from '../secrets/index.js';
import { toNumber, type Database } from '../store/index.js';

/**
 * Upstream API keys kept in the store, sealed with AES-256-GCM under the
 * server secret. The clear key leaves this module only towards a provider's
 * transport; listings carry who set it and when, never the key.
 */
export interface StoredCredential {
  providerId: string;
  updatedAt: number;
  updatedBy: string | null;
}

export interface CredentialStore {
  /** Every stored key, decrypted, for building providers at boot. */
  loadAll(): Promise<Map<string, string>>;
  list(): Promise<StoredCredential[]>;
  set(providerId: string, apiKey: string, actor: string | null): Promise<StoredCredential>;
  /** True when a key was removed. */
  clear(providerId: string): Promise<boolean>;
}

export class CredentialError extends Error {
  override readonly name = 'CredentialError';
}

/** Keys are opaque to Tollgate but must fit in a header: one line of visible characters. */
export function validApiKey(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 4096 && /^[\x21-\x7e]+$/.test(value);
}

export function createCredentialStore(deps: { db: Kysely<Database>; secret: ServerSecret; clock: Clock }): CredentialStore {
  const { db, secret, clock } = deps;
  return {
    async loadAll() {
      const rows = await db.selectFrom('provider_credentials').select(['provider_id', 'sealed_api_key']).execute();
      const keys = new Map<string, string>();
      for (const row of rows) {
        try {
          keys.set(row.provider_id, secret.decrypt(row.sealed_api_key));
        } catch {
          // Sealed under another server secret: unusable, and said so without the value.
          throw new CredentialError(`The stored key of provider '${row.provider_id}' cannot be decrypted with this server secret. Set it again with \`tollgate providers set-key ${row.provider_id}\`.`);
        }
      }
      return keys;
    },
    async list() {
      const rows = await db.selectFrom('provider_credentials').select(['provider_id', 'updated_at', 'updated_by']).orderBy('provider_id').execute();
      return rows.map((r) => ({ providerId: r.provider_id, updatedAt: toNumber(r.updated_at)!, updatedBy: r.updated_by }));
    },
    async set(providerId, apiKey, actor) {
      if (!validApiKey(apiKey)) throw new CredentialError('An upstream API key must be 1-4096 visible ASCII characters, without spaces.');
      const row = { provider_id: providerId, sealed_api_key: secret.encrypt(apiKey), updated_at: clock.now(), updated_by: actor };
      await db
        .insertInto('provider_credentials')
        .values(row)
        .onConflict((oc) => oc.column('provider_id').doUpdateSet({ sealed_api_key: row.sealed_api_key, updated_at: row.updated_at, updated_by: row.updated_by }))
        .execute();
      return { providerId, updatedAt: row.updated_at, updatedBy: actor };
    },
    async clear(providerId) {
      const result = await db.deleteFrom('provider_credentials').where('provider_id', '=', providerId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
