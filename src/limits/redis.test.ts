import { describe } from 'vitest';
import { REDIS_URL, redisPrefix, redisSkipReason } from '../../test/helpers/services.js';
import { limitStoreContract } from './limits.contract.js';
import { createRedisLimitStore } from './redis.js';

describe.skipIf(!REDIS_URL)(`redis limit store${redisSkipReason}`, () => limitStoreContract(() => createRedisLimitStore({ url: REDIS_URL!, prefix: redisPrefix() })));
