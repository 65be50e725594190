import { afterAll, beforeAll, describe } from 'vitest';
import { createPostgresDatabase, POSTGRES_URL, postgresSkipReason, redisPrefix } from '../../test/helpers/services.js';
import { openStore, type Store } from '../store/index.js';
import { limitStoreContract } from './limits.contract.js';
import { createPostgresLimitStore } from './postgres.js';
import type { LimitStore } from './types.js';

describe.skipIf(!POSTGRES_URL)(`postgres limit store${postgresSkipReason}`, () => {
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let store: Store;
  // Each store of a pair has its own pool, as two instances would.
  let second: Store;
  const prefixes = new WeakMap<LimitStore, string>();

  beforeAll(async () => {
    database = await createPostgresDatabase();
    store = await openStore({ databaseUrl: database.url, dataDir: '' });
    await store.migrate();
    second = await openStore({ databaseUrl: database.url, dataDir: '' });
  });
  afterAll(async () => {
    await Promise.all([store?.close(), second?.close()]);
    await database?.drop();
  });

  const make = (db: () => Store, prefix: string): LimitStore => {
    const limits = createPostgresLimitStore({ db: db().db, url: database.url, prefix });
    prefixes.set(limits, prefix);
    return limits;
  };
  limitStoreContract(
    () => make(() => store, redisPrefix()),
    (first) => make(() => second, prefixes.get(first)!),
  );
});
