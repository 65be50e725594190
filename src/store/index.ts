export { openStore, toBigInt, toNumber, type Store, type OpenStoreOptions, type Dialect } from './store.js';
export type * from './schema.js';
export { newRedis } from './redis.js';
