import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../src/common/clock.js';
import { bootstrap, createKeyService } from '../src/control/index.js';
import { secretFromString } from '../src/secrets/index.js';
import { openStore, type Store } from '../src/store/index.js';
import { migrations } from '../src/store/migrations/index.js';
import { loadConfig } from '../src/config/index.js';
import { startTollgate } from '../src/tollgate.js';
import { createPostgresDatabase, POSTGRES_URL, postgresSkipReason } from './helpers/services.js';
import { tempDir } from './helpers/tollgate.js';

const TABLES = ['meta', 'organizations', 'projects', 'api_keys', 'usage_events'];
const secret = secretFromString('store-test-secret-store-test-secret-0123');

/** The same behaviour on both dialects. */
function storeContract(name: string, open: () => Promise<{ store: Store; cleanup(): Promise<void> }>) {
  describe(`store on ${name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await open());
    });
    afterAll(async () => {
      await store.close();
      await cleanup();
    });

    it('applies every migration once, in order, and reports itself migrated', async () => {
      expect(await store.isMigrated()).toBe(false);
      expect(await store.migrate()).toEqual(Object.keys(migrations));
      expect(await store.migrate()).toEqual([]);
      expect(await store.isMigrated()).toBe(true);
      for (const table of TABLES) {
        const rows = await sql<{ n: bigint }>`select count(*) as n from ${sql.table(table)}`.execute(store.db);
        expect(Number(rows.rows[0]!.n)).toBe(0);
      }
    });

    it('keeps integers beyond 2^53 exact (money columns)', async () => {
      const huge = 9_007_199_254_740_993n; // 2^53 + 1: a float would round it
      await store.db.insertInto('organizations').values({ id: 'org_big', name: 'Big', status: 'active', created_at: huge }).execute();
      const row = await store.db.selectFrom('organizations').select('created_at').where('id', '=', 'org_big').executeTakeFirstOrThrow();
      expect(row.created_at).toBe(huge);
    });

    it('bootstraps once: a second run creates nothing', async () => {
      const keys = createKeyService({ db: store.db, secret, clock: systemClock });
      const first = await bootstrap(store.db, keys, systemClock, { organizationName: 'Personal', projectName: 'Default' });
      expect(first?.projectKey).toMatch(/^sk-proj-[0-9A-Za-z]{49}$/);
      expect(first?.adminKey).toMatch(/^sk-admin-[0-9A-Za-z]{49}$/);
      const second = await bootstrap(store.db, keys, systemClock, { organizationName: 'Personal', projectName: 'Default' });
      expect(second).toBeNull();
      const orgs = await store.db.selectFrom('organizations').select(['name']).where('id', '!=', 'org_big').execute();
      expect(orgs).toEqual([{ name: 'Personal' }]);
      expect(await store.db.selectFrom('api_keys').select('kind').orderBy('kind').execute()).toEqual([{ kind: 'admin' }, { kind: 'project' }]);
      const auth = await keys.authenticate(first!.projectKey);
      expect(auth.ok && auth.principal.projectId).toBe(first!.projectId);
    });
  });
}

storeContract('SQLite', async () => {
  const dir = tempDir();
  return { store: await openStore({ dataDir: dir.path }), cleanup: async () => dir.remove() };
});

describe.skipIf(!POSTGRES_URL)(`PostgreSQL${postgresSkipReason}`, () => {
  storeContract('PostgreSQL', async () => {
    const db = await createPostgresDatabase();
    return { store: await openStore({ dataDir: '/nonexistent', databaseUrl: db.url }), cleanup: db.drop };
  });

  it('two instances starting at once on one database bootstrap exactly one organization', async () => {
    const db = await createPostgresDatabase();
    const dirs = [tempDir(), tempDir()];
    try {
      const configs = dirs.map(
        (dir) =>
          loadConfig({ env: {}, overrides: { data_dir: dir.path, database_url: db.url, secret: 's'.repeat(40), server: { port: 0 } } }).config,
      );
      const both = await Promise.all(configs.map((c) => startTollgate(c, { logger: pino({ level: 'silent' }), env: {} })));
      expect(both.filter((t) => t.bootstrapped !== null)).toHaveLength(1);
      const orgs = await both[0]!.services.store.db.selectFrom('organizations').selectAll().execute();
      expect(orgs).toHaveLength(1);
      await Promise.all(both.map((t) => t.close()));
    } finally {
      dirs.forEach((d) => d.remove());
      await db.drop();
    }
  });
});

describe('SQLite specifics', () => {
  it('runs in WAL mode with the store and secret under the data dir, the secret 0600', async () => {
    const dir = tempDir();
    const config = loadConfig({ env: {}, overrides: { data_dir: dir.path, server: { port: 0 } } }).config;
    const tollgate = await startTollgate(config, { logger: pino({ level: 'silent' }), listen: false, env: {} });
    try {
      const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(tollgate.services.store.db);
      expect(mode.rows[0]!.journal_mode).toBe('wal');
      expect(statSync(join(dir.path, 'tollgate.db')).isFile()).toBe(true);
      expect(statSync(join(dir.path, 'secret')).mode & 0o777).toBe(0o600);
      // The store, its write-ahead log and shared memory are its owner's alone, like the secret.
      for (const file of ['tollgate.db', 'tollgate.db-wal', 'tollgate.db-shm']) expect({ file, mode: statSync(join(dir.path, file)).mode & 0o777 }).toEqual({ file, mode: 0o600 });
    } finally {
      await tollgate.close();
      dir.remove();
    }
  });

  it('narrows a store file an older version left readable by others', async () => {
    const dir = tempDir();
    const file = join(dir.path, 'tollgate.db');
    writeFileSync(file, '', { mode: 0o644 });
    chmodSync(file, 0o644);
    const store = await openStore({ dataDir: dir.path });
    try {
      expect(statSync(file).mode & 0o777).toBe(0o600);
    } finally {
      await store.close();
      dir.remove();
    }
  });
});
