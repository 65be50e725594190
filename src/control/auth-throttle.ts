import type { Redis } from 'ioredis';
import { newRedis } from '../store/index.js';
import type { Logger } from 'pino';
import type { Clock } from '../common/clock.js';

/**
 * Failed-authentication throttling per client address: after `limit` invalid
 * keys within a minute, that address gets 429s until the minute is over.
 * Only the address is throttled, so a valid key used from anywhere else is
 * never locked out; and a request with a valid key never counts.
 * With Redis the count is shared by every instance (one INCR per failure;
 * nothing on the success path).
 */
export interface AuthThrottle {
  /** Resolves once the shared counter is connected (or its first attempt failed). */
  ready(): Promise<void>;
  /** Milliseconds until the address may try again, or 0. Answered from memory. */
  blockedFor(ip: string): number;
  recordFailure(ip: string): Promise<void>;
  close(): Promise<void>;
}

const WINDOW_MS = 60_000;
const MAX_TRACKED = 100_000;
/** A failed request never waits longer than this for the shared count. */
const REDIS_TIMEOUT_MS = 250;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('redis timeout')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

interface Counter {
  window: number;
  count: number;
}

export function createAuthThrottle(options: { limit: number; clock: Clock; redis?: { url: string; prefix: string; logger: Logger } }): AuthThrottle {
  const { limit, clock } = options;
  const counters = new Map<string, Counter>();
  // No offline queue: while Redis is away a failure is counted locally at once instead of waiting.
  const redis = options.redis ? newRedis(options.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false }) : null;
  // Connection trouble is logged by the error handler; counting stays local meanwhile.
  const connected = redis ? redis.connect().catch(() => {}) : Promise.resolve();
  redis?.on('error', (err) => options.redis!.logger.warn({ err: { message: err.message } }, 'redis (auth throttle) error'));

  function note(ip: string, window: number, count: number): void {
    if (counters.size >= MAX_TRACKED) {
      for (const [key, c] of counters) if (c.window < window) counters.delete(key);
      if (counters.size >= MAX_TRACKED) counters.delete(counters.keys().next().value!);
    }
    const current = counters.get(ip);
    if (!current || current.window !== window || current.count < count) counters.set(ip, { window, count });
  }

  return {
    ready: () => connected,
    blockedFor(ip) {
      if (limit <= 0) return 0;
      const now = clock.now();
      const window = Math.floor(now / WINDOW_MS);
      const counter = counters.get(ip);
      if (!counter || counter.window !== window || counter.count < limit) return 0;
      return (window + 1) * WINDOW_MS - now;
    },
    async recordFailure(ip) {
      if (limit <= 0) return;
      const window = Math.floor(clock.now() / WINDOW_MS);
      const local = (counters.get(ip)?.window === window ? counters.get(ip)!.count : 0) + 1;
      note(ip, window, local);
      if (!redis) return;
      try {
        const key = `${options.redis!.prefix}auth-failures:${ip}:${window}`;
        const shared = redis.multi().incr(key).pexpire(key, WINDOW_MS * 2).exec();
        const [[, count]] = (await withTimeout(shared, REDIS_TIMEOUT_MS)) as [[unknown, number], unknown];
        note(ip, window, count);
      } catch {
        // Redis unreachable: the local count still throttles this instance.
      }
    },
    async close() {
      redis?.disconnect();
    },
  };
}
