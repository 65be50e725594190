import { describe } from 'vitest';
import { REDIS_URL, redisPrefix, redisSkipReason } from '../../test/helpers/services.js';
import { limitStoreContract } from './limits.contract.js';
import { createRedisLimitStore } from './redis.js';
import type { LimitStore } from './types.js';

describe.skipIf(!REDIS_URL)(`redis limit store${redisSkipReason}`, () => {
  const prefixes = new WeakMap<LimitStore, string>();
  const make = (prefix: string): LimitStore => {
    const store = createRedisLimitStore({ url: REDIS_URL!, prefix });
    prefixes.set(store, prefix);
    return store;
  };
  // A second store on the same prefix is another instance's connection to the same Redis.
  limitStoreContract(
    () => make(redisPrefix()),
    (first) => make(prefixes.get(first)!),
  );
});
