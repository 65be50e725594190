import { sql, type Kysely, type Transaction } from 'kysely';
import type { Picos } from '../common/money.js';
import { toBigInt, type Database } from '../store/index.js';
import { adjust, capacity, take, type BucketState } from './bucket.js';
import { createPostgresBroadcast } from './postgres-broadcast.js';
import type { AdmitPlan, AdmitResult, BucketView, LimitStore, SettlePlan } from './types.js';

/** Caps untouched this long (a past month, a deleted key) are dropped; a later use rebuilds them from the store. */
const CAP_IDLE_MS = 40 * 24 * 3_600_000;
const SWEEP_BATCH = 200;
/** PostgreSQL's deadlock_detected and serialization_failure: the transaction is retried. */
const RETRYABLE = new Set(['40P01', '40001']);

export interface PostgresLimitStoreOptions {
  db: Kysely<Database>;
  /** The database's URL, for the one connection that listens for broadcasts. */
  url: string;
  /** Prepended to every key and reservation id, so several deployments (or tests) can share one database. */
  prefix?: string;
}

type Trx = Transaction<Database>;

/**
 * The shared backend for instances that share a PostgreSQL database and no
 * Redis. Each step is one transaction that locks the rows it reads (caps,
 * then buckets, each in key order, so two steps never wait on each other in
 * a cycle); the arithmetic is the same `bucket.ts` the in-process backend
 * runs, so all three backends compute the same integers. Admission costs a
 * few round trips and serialises requests of one organization on its cap
 * rows: Redis (`redis.ts`) is the choice for high request rates.
 */
export function createPostgresLimitStore(options: PostgresLimitStoreOptions): LimitStore {
  const { db } = options;
  const prefix = options.prefix ?? '';
  const broadcast = createPostgresBroadcast({ db, url: options.url, scope: prefix });
  const k = (key: string) => prefix + key;

  async function inTransaction<T>(work: (trx: Trx) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await db.transaction().execute(work);
      } catch (err) {
        if (attempt < 3 && RETRYABLE.has((err as { code?: string }).code ?? '')) continue;
        throw err;
      }
    }
  }

  return {
    admit: (plan) => inTransaction((trx) => admit(trx, plan, k)),

    async initCaps(entries, now) {
      if (entries.length === 0) return;
      const sorted = [...entries].sort((a, b) => (a.key < b.key ? -1 : 1));
      await sql`insert into limit_caps (key, committed_picos, reserved_picos, touched_at)
        select key, committed, 0, ${now} from unnest(${sorted.map((e) => k(e.key))}::text[], ${sorted.map((e) => e.committed.toString())}::bigint[]) as v(key, committed)
        on conflict (key) do nothing`.execute(db);
    },

    settle: (plan) => inTransaction((trx) => settle(trx, plan, k)),

    async sweep(now) {
      let total = 0;
      for (;;) {
        const n = await inTransaction((trx) => sweep(trx, now, prefix));
        total += n;
        if (n < SWEEP_BATCH) return total;
      }
    },

    async capState(key) {
      const row = (await sql<{ committed_picos: bigint; reserved_picos: bigint }>`select committed_picos, reserved_picos from limit_caps where key = ${k(key)}`.execute(db)).rows[0];
      return row ? { committed: toBigInt(row.committed_picos) as Picos, reserved: toBigInt(row.reserved_picos) as Picos } : null;
    },

    broadcast: (id) => broadcast.send(id),
    onBroadcast: (listener) => broadcast.listen(listener),
    close: () => broadcast.close(),
  };
}

interface CapRow {
  key: string;
  committed_picos: bigint;
  reserved_picos: bigint;
}

/** Locks the caps in key order and returns them by key. */
async function lockCaps(trx: Trx, keys: string[]): Promise<Map<string, CapRow>> {
  if (keys.length === 0) return new Map();
  const rows = await sql<CapRow>`select key, committed_picos, reserved_picos from limit_caps where key = any(${keys}::text[]) order by key for update`.execute(trx);
  return new Map(rows.rows.map((r) => [r.key, r]));
}

/**
 * Locks the buckets in key order, creating absent ones full (which is what an
 * absent bucket means), and returns their states by key.
 */
async function lockBuckets(trx: Trx, specs: { key: string; limit: number }[], now: number): Promise<Map<string, BucketState>> {
  const unique = [...new Map(specs.map((s) => [s.key, s])).values()].sort((a, b) => (a.key < b.key ? -1 : 1));
  if (unique.length === 0) return new Map();
  // A no-op update on conflict locks the existing row and returns it.
  const rows = await sql<{ key: string; level: number; at: number }>`insert into limit_buckets (key, level, at, per_minute)
    select key, level, ${now}::float8, per_minute
    from unnest(${unique.map((s) => s.key)}::text[], ${unique.map((s) => capacity(s.limit))}::float8[], ${unique.map((s) => s.limit)}::bigint[]) as v(key, level, per_minute)
    order by key
    on conflict (key) do update set key = excluded.key
    returning key, level, at`.execute(trx);
  return new Map(rows.rows.map((r) => [r.key, { level: Number(r.level), at: Number(r.at) }]));
}

async function writeBuckets(trx: Trx, states: { key: string; limit: number; state: BucketState }[]): Promise<void> {
  if (states.length === 0) return;
  await sql`update limit_buckets as b set level = v.level, at = v.at, per_minute = v.per_minute
    from unnest(${states.map((s) => s.key)}::text[], ${states.map((s) => s.state.level)}::float8[], ${states.map((s) => s.state.at)}::float8[], ${states.map((s) => s.limit)}::bigint[]) as v(key, level, at, per_minute)
    where b.key = v.key`.execute(trx);
}

async function admit(trx: Trx, plan: AdmitPlan, k: (key: string) => string): Promise<AdmitResult> {
  const capKeys = plan.caps.map((c) => k(c.key));
  const caps = await lockCaps(trx, capKeys);
  const missing = capKeys.flatMap((key, i) => (caps.has(key) ? [] : [i]));
  if (missing.length > 0) return { ok: false, reason: 'missing', indexes: missing };
  for (const [index, cap] of plan.caps.entries()) {
    const row = caps.get(capKeys[index]!)!;
    const used = (toBigInt(row.committed_picos) + toBigInt(row.reserved_picos)) as Picos;
    if (cap.limit !== null && used + plan.worst > cap.limit) return { ok: false, reason: 'quota', index, used };
  }
  const specs = plan.buckets.map((b) => ({ key: k(b.key), limit: b.limit }));
  const states = await lockBuckets(trx, specs, plan.now);
  const taken = plan.buckets.map((b, i) => take(states.get(specs[i]!.key) ?? null, b.limit, b.amount, plan.now));
  const refused = taken.findIndex((t) => !t.allowed);
  if (refused >= 0) return { ok: false, reason: 'rate', index: refused, bucket: viewOf(taken[refused]!) };
  await writeBuckets(trx, specs.map((s, i) => ({ ...s, state: taken[i]!.state })));
  if (capKeys.length > 0) {
    await sql`update limit_caps set reserved_picos = reserved_picos + ${plan.worst.toString()}::bigint, touched_at = ${plan.now} where key = any(${capKeys}::text[])`.execute(trx);
    if (plan.worst > 0n) {
      await sql`insert into limit_reservations (id, worst_picos, cap_keys, expires_at) values (${k(plan.reservationId)}, ${plan.worst.toString()}::bigint, ${capKeys.join('\n')}, ${plan.expiresAt})`.execute(trx);
    }
  }
  return { ok: true, buckets: taken.map(viewOf) };
}

/**
 * Releases the reservation and commits the real cost in one change per cap.
 * A reservation the sweep already released (its row is gone) only commits.
 */
async function settle(trx: Trx, plan: SettlePlan, k: (key: string) => string): Promise<void> {
  const held = (await sql`delete from limit_reservations where id = ${k(plan.reservationId)} returning id`.execute(trx)).rows.length > 0;
  const capKeys = [...new Set(plan.capKeys.map(k))].sort();
  // A cap that vanished is rebuilt from the store, which will include this cost once flushed.
  if ((await lockCaps(trx, capKeys)).size > 0) {
    const released = held ? plan.worst : 0n;
    await sql`update limit_caps set reserved_picos = reserved_picos - ${released.toString()}::bigint, committed_picos = committed_picos + ${plan.actual.toString()}::bigint, touched_at = ${plan.now}
      where key = any(${capKeys}::text[])`.execute(trx);
  }
  const corrections = plan.corrections.map((c) => ({ key: k(c.key), limit: c.limit, delta: c.delta }));
  const states = await lockBuckets(trx, corrections, plan.now);
  await writeBuckets(trx, corrections.map((c) => ({ key: c.key, limit: c.limit, state: adjust(states.get(c.key) ?? null, c.limit, c.delta, plan.now) })));
}

/** Releases expired reservations (rows another instance is releasing are skipped, not waited for) and drops idle state. */
async function sweep(trx: Trx, now: number, prefix: string): Promise<number> {
  const expired = await sql<{ worst_picos: bigint; cap_keys: string }>`delete from limit_reservations where id in (
      select id from limit_reservations where starts_with(id, ${prefix}) and expires_at <= ${now} order by expires_at limit ${SWEEP_BATCH} for update skip locked)
    returning worst_picos, cap_keys`.execute(trx);
  const release = new Map<string, bigint>();
  for (const row of expired.rows) for (const key of row.cap_keys.split('\n')) release.set(key, (release.get(key) ?? 0n) + toBigInt(row.worst_picos));
  const keys = [...release.keys()].sort();
  if ((await lockCaps(trx, keys)).size > 0) {
    await sql`update limit_caps as c set reserved_picos = c.reserved_picos - v.amount
      from unnest(${keys}::text[], ${keys.map((key) => release.get(key)!.toString())}::bigint[]) as v(key, amount) where c.key = v.key`.execute(trx);
  }
  // A full bucket is the same as none (as keys expire in Redis).
  await sql`delete from limit_buckets where key in (
      select key from limit_buckets where starts_with(key, ${prefix}) and level + greatest(0, ${now}::float8 - at) * per_minute >= per_minute * 60000 for update skip locked)`.execute(trx);
  await sql`delete from limit_caps where key in (
      select key from limit_caps where starts_with(key, ${prefix}) and reserved_picos = 0 and touched_at < ${now - CAP_IDLE_MS} for update skip locked)`.execute(trx);
  return expired.rows.length;
}

function viewOf(result: BucketView): BucketView {
  return { remaining: result.remaining, used: result.used, resetMs: result.resetMs, retryAfterMs: result.retryAfterMs };
}
