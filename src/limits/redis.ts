import type { Redis } from 'ioredis';
import { newRedis } from '../store/index.js';
import type { Picos } from '../common/money.js';
import { ADMIT, INIT_CAPS, SETTLE, SWEEP } from './redis-scripts.js';
import type { AdmitPlan, AdmitResult, BucketView, LimitStore, SettlePlan } from './types.js';

/** Cap counters outlive a month of idleness, then are rebuilt from the store. */
const CAP_TTL_MS = 40 * 24 * 3_600_000;
const SWEEP_BATCH = 200;

type Script = (numKeys: number, ...args: (string | number)[]) => Promise<unknown>;

export interface RedisLimitStoreOptions {
  url: string;
  /** Prepended to every key, so several deployments (or test runs) can share one Redis. */
  prefix?: string;
}

/**
 * The shared backend: every step is one Lua script (atomic across all
 * instances). Needs a single Redis (or a primary with replicas), not a
 * Cluster: a sweep touches keys it discovers.
 */
export function createRedisLimitStore(options: RedisLimitStoreOptions): LimitStore {
  const prefix = options.prefix ?? 'tollgate:';
  // Auto-pipelining: the scripts of every request in one event-loop turn go out in one write
  // (measured: 8-16% more requests per second on the Redis pipeline, 25-90 µs less CPU each).
  const redis = newRedis(options.url, { lazyConnect: false, maxRetriesPerRequest: 2, enableOfflineQueue: true, enableAutoPipelining: true });
  redis.on('error', () => {});
  const define = (name: string, lua: string): Script => {
    redis.defineCommand(name, { lua });
    return (redis as unknown as Record<string, Script>)[name]!.bind(redis);
  };
  const admitScript = define('tollgateAdmit', ADMIT);
  const settleScript = define('tollgateSettle', SETTLE);
  const sweepScript = define('tollgateSweep', SWEEP);
  const initScript = define('tollgateInitCaps', INIT_CAPS);
  const bucketKey = (key: string) => `${prefix}b:${key}`;
  const capKey = (key: string) => `${prefix}c:${key}`;
  const reservationKey = (id: string) => `${prefix}r:${id}`;
  const zset = `${prefix}reservations`;
  const channel = `${prefix}changed`;
  const listeners: ((id: string) => void)[] = [];
  let subscriber: Redis | null = null;

  return {
    async admit(plan: AdmitPlan): Promise<AdmitResult> {
      const keys = [...plan.buckets.map((b) => bucketKey(b.key)), ...plan.caps.map((c) => capKey(c.key)), reservationKey(plan.reservationId), zset];
      const args: (string | number)[] = [plan.now, plan.buckets.length, plan.caps.length, plan.worst.toString(), plan.reservationId, plan.expiresAt, CAP_TTL_MS];
      for (const b of plan.buckets) args.push(b.limit, b.amount);
      for (const c of plan.caps) args.push(c.limit === null ? '' : (c.limit - plan.worst).toString());
      const reply = (await admitScript(keys.length, ...keys, ...args)) as (number | string)[];
      return parseAdmit(reply, plan.buckets.length);
    },

    async initCaps(entries) {
      if (entries.length === 0) return;
      await initScript(entries.length, ...entries.map((e) => capKey(e.key)), CAP_TTL_MS, ...entries.map((e) => e.committed.toString()));
    },

    async settle(plan: SettlePlan) {
      const keys = [reservationKey(plan.reservationId), zset, ...plan.capKeys.map(capKey), ...plan.corrections.map((c) => bucketKey(c.key))];
      const args: (string | number)[] = [plan.now, plan.capKeys.length, plan.corrections.length, plan.reservationId, plan.actual.toString(), plan.worst.toString(), (plan.actual - plan.worst).toString()];
      for (const c of plan.corrections) args.push(c.limit, c.delta);
      await settleScript(keys.length, ...keys, ...args);
    },

    async sweep(now) {
      let total = 0;
      for (;;) {
        const n = Number(await sweepScript(1, zset, now, prefix, SWEEP_BATCH));
        total += n;
        if (n < SWEEP_BATCH) return total;
      }
    },

    async capState(key) {
      const [c, r] = await redis.hmget(capKey(key), 'c', 'r');
      return c === null || c === undefined ? null : { committed: BigInt(c!), reserved: BigInt(r ?? '0') };
    },

    async broadcast(id) {
      await redis.publish(channel, id);
    },

    onBroadcast(listener) {
      listeners.push(listener);
      if (subscriber) return;
      // A connection in subscriber mode can do nothing else: a second one.
      subscriber = redis.duplicate();
      subscriber.on('error', () => {});
      subscriber.on('message', (_channel: string, id: string) => {
        for (const l of listeners) l(id);
      });
      void subscriber.subscribe(channel).catch(() => {});
    },

    async close() {
      await subscriber?.quit().catch(() => subscriber?.disconnect());
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

function parseAdmit(reply: (number | string)[], bucketCount: number): AdmitResult {
  const n = (i: number) => Number(reply[i]);
  switch (n(0)) {
    case 0: {
      const buckets: BucketView[] = [];
      for (let i = 0; i < bucketCount; i++) buckets.push({ remaining: n(1 + 3 * i), used: n(2 + 3 * i), resetMs: n(3 + 3 * i), retryAfterMs: 0 });
      return { ok: true, buckets };
    }
    case 1:
      return { ok: false, reason: 'rate', index: n(1), bucket: { remaining: n(2), used: n(3), resetMs: n(4), retryAfterMs: n(5) } };
    case 2:
      return { ok: false, reason: 'quota', index: n(1), used: BigInt(String(reply[2])) as Picos };
    default:
      return { ok: false, reason: 'missing', indexes: reply.slice(1).map(Number) };
  }
}
