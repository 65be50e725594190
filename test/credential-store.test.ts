import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialStore, type CredentialStore } from '../src/providers/index.js';
import { secretFromString } from '../src/secrets/index.js';
import { openStore, type Store } from '../src/store/index.js';
import { createPostgresDatabase, POSTGRES_URL, postgresSkipReason } from './helpers/services.js';
import { tempDir } from './helpers/tollgate.js';

/** The same behaviour of stored upstream keys on both store dialects. */
function credentialContract(open: () => Promise<{ store: Store; cleanup(): Promise<void> }>) {
  let store: Store;
  let credentials: CredentialStore;
  let cleanup: () => Promise<void>;
  let now = 1_700_000_000_000;
  const secret = secretFromString('contract-secret-contract-secret-012345');

  beforeAll(async () => {
    ({ store, cleanup } = await open());
    await store.migrate();
    credentials = createCredentialStore({ db: store.db, secret, clock: { now: () => now } });
  });
  afterAll(() => cleanup());

  it('stores keys sealed, lists them without the key, replaces and clears them', async () => {
    await credentials.set('openai', 'sk-first-key', 'key_1');
    now += 1000;
    await credentials.set('openai', 'sk-second-key', 'cli');
    await credentials.set('deepseek', 'sk-deep', null);
    expect(await credentials.list()).toEqual([
      { providerId: 'deepseek', updatedAt: now, updatedBy: null },
      { providerId: 'openai', updatedAt: now, updatedBy: 'cli' },
    ]);
    expect(await credentials.loadAll()).toEqual(new Map([['deepseek', 'sk-deep'], ['openai', 'sk-second-key']]));
    const rows = await store.db.selectFrom('provider_credentials').select('sealed_api_key').execute();
    expect(rows.every((r) => r.sealed_api_key.startsWith('v1.') && !r.sealed_api_key.includes('sk-'))).toBe(true);
    expect(await credentials.clear('openai')).toBe(true);
    expect(await credentials.clear('openai')).toBe(false);
    expect([...(await credentials.loadAll()).keys()]).toEqual(['deepseek']);
  });

  it('refuses a key that cannot travel in a header', async () => {
    await expect(credentials.set('openai', 'two words', null)).rejects.toThrow(/visible ASCII/);
    await expect(credentials.set('openai', '', null)).rejects.toThrow(/visible ASCII/);
  });

  it('says which key cannot be read under another server secret, without its value', async () => {
    const other = createCredentialStore({ db: store.db, secret: secretFromString('another-secret-another-secret-0123456'), clock: { now: () => now } });
    await expect(other.loadAll()).rejects.toThrow("The stored key of provider 'deepseek' cannot be decrypted with this server secret.");
  });
}

describe('credential store on SQLite', () => {
  credentialContract(async () => {
    const dir = tempDir();
    const store = await openStore({ dataDir: dir.path });
    return { store, cleanup: async () => (await store.close(), dir.remove()) };
  });
});

describe.skipIf(!POSTGRES_URL)(`credential store on PostgreSQL${postgresSkipReason}`, () => {
  credentialContract(async () => {
    const database = await createPostgresDatabase();
    const store = await openStore({ databaseUrl: database.url, dataDir: '.' });
    return { store, cleanup: async () => (await store.close(), await database.drop()) };
  });
});
