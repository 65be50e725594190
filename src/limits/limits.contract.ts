import { describe, expect, it } from 'vitest';
import type { AdmitPlan, BucketSpec, CapSpec, LimitStore } from './types.js';

/**
 * The behaviour every LimitStore backend must have, run against memory.ts,
 * redis.ts and postgres.ts alike. `make` returns a fresh, empty store; a
 * backend shared by several instances also gives `makeShared`, which returns
 * a second store on the same state as the first (another instance).
 */
export function limitStoreContract(make: () => LimitStore, makeShared?: (first: LimitStore) => LimitStore): void {
  const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);
  let n = 0;
  const rpm = (limit: number, amount = 1, key = 'org_a:m:rpm'): BucketSpec => ({ key, limit, amount, kind: 'requests', level: 'organization', scopeId: 'org_a' });
  const cap = (key: string, limit: bigint | null): CapSpec => ({ key, limit, source: { kind: 'balance', organizationId: 'org_a' } });
  const plan = (p: Partial<AdmitPlan>): AdmitPlan => ({ now: T0, buckets: [], caps: [], worst: 0n, reservationId: `res_${++n}`, expiresAt: T0 + 60_000, ...p });

  async function withPair(fn: (a: LimitStore, b: LimitStore) => Promise<void>): Promise<void> {
    const a = make();
    const b = makeShared!(a);
    try {
      await fn(a, b);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  }

  async function withStore(fn: (store: LimitStore) => Promise<void>): Promise<void> {
    const store = make();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  }

  describe('rate buckets', () => {
    it('admits a burst of exactly the limit, then refills one per 60000/limit ms', () =>
      withStore(async (store) => {
        const remaining: number[] = [];
        for (let i = 0; i < 60; i++) {
          const r = await store.admit(plan({ buckets: [rpm(60)] }));
          if (!r.ok) throw new Error(`refused at ${i}`);
          remaining.push(r.buckets[0]!.remaining);
        }
        expect(remaining).toEqual(Array.from({ length: 60 }, (_, i) => 59 - i));
        const refused = await store.admit(plan({ buckets: [rpm(60)] }));
        expect(refused).toEqual({ ok: false, reason: 'rate', index: 0, bucket: { remaining: 0, used: 60, resetMs: 60_000, retryAfterMs: 1000 } });
        expect((await store.admit(plan({ now: T0 + 999, buckets: [rpm(60)] }))).ok).toBe(false);
        const later = await store.admit(plan({ now: T0 + 1000, buckets: [rpm(60)] }));
        expect(later).toEqual({ ok: true, buckets: [{ remaining: 0, used: 59, resetMs: 60_000, retryAfterMs: 0 }] });
      }));

    it('takes nothing from any bucket when one of them refuses', () =>
      withStore(async (store) => {
        const tokens = (amount: number) => ({ ...rpm(1000, amount, 'org_a:m:tpm'), kind: 'tokens' as const });
        expect((await store.admit(plan({ buckets: [rpm(10), tokens(900)] }))).ok).toBe(true);
        const refused = await store.admit(plan({ buckets: [rpm(10), tokens(200)] }));
        expect(refused).toMatchObject({ ok: false, reason: 'rate', index: 1, bucket: { remaining: 100, used: 900 } });
        const after = await store.admit(plan({ buckets: [rpm(10), tokens(100)] }));
        expect(after).toMatchObject({ ok: true, buckets: [{ remaining: 8 }, { remaining: 0 }] });
      }));

    it('corrects the token estimate at settle, both ways', () =>
      withStore(async (store) => {
        const tpm = { ...rpm(1000, 800, 'tpm'), kind: 'tokens' as const };
        const first = plan({ buckets: [tpm] });
        expect((await store.admit(first)).ok).toBe(true);
        await store.settle({ now: T0, reservationId: first.reservationId, capKeys: [], worst: 0n, actual: 0n, corrections: [{ key: 'tpm', limit: 1000, delta: -700 }] });
        const second = await store.admit(plan({ buckets: [{ ...tpm, amount: 900 }] }));
        expect(second).toMatchObject({ ok: true, buckets: [{ remaining: 0 }] });
        // 60 tokens more than estimated: the bucket goes 60 tokens into debt, refilled at 1000/60000 tokens per ms.
        await store.settle({ now: T0, reservationId: 'x', capKeys: [], worst: 0n, actual: 0n, corrections: [{ key: 'tpm', limit: 1000, delta: 60 }] });
        const third = await store.admit(plan({ now: T0 + 60, buckets: [{ ...tpm, amount: 1 }] }));
        expect(third).toMatchObject({ ok: false, bucket: { remaining: 0, retryAfterMs: 3600 } });
      }));
  });

  describe('spend caps', () => {
    it('asks for caps it does not hold, and init never overwrites', () =>
      withStore(async (store) => {
        const p = plan({ caps: [cap('bal', 100n), cap('month', null)], worst: 10n });
        expect(await store.admit(p)).toEqual({ ok: false, reason: 'missing', indexes: [0, 1] });
        await store.initCaps([{ key: 'bal', committed: 40n }], T0);
        expect(await store.admit(p)).toEqual({ ok: false, reason: 'missing', indexes: [1] });
        await store.initCaps([{ key: 'bal', committed: 0n }, { key: 'month', committed: 0n }], T0);
        expect(await store.capState('bal')).toEqual({ committed: 40n, reserved: 0n });
        expect((await store.admit(p)).ok).toBe(true);
        expect(await store.capState('bal')).toEqual({ committed: 40n, reserved: 10n });
      }));

    it('reserves the worst case up to the limit exactly, and settles to the real cost', () =>
      withStore(async (store) => {
        await store.initCaps([{ key: 'budget', committed: 0n }], T0);
        const plans = Array.from({ length: 12 }, () => plan({ caps: [cap('budget', 1_000_000_000_000n)], worst: 100_000_000_000n }));
        const results = await Promise.all(plans.map((p) => store.admit(p)));
        expect(results.filter((r) => r.ok)).toHaveLength(10);
        expect(results.find((r) => !r.ok)).toEqual({ ok: false, reason: 'quota', index: 0, used: 1_000_000_000_000n });
        const admitted = plans.filter((_, i) => results[i]!.ok);
        for (const p of admitted) await store.settle({ now: T0, reservationId: p.reservationId, capKeys: ['budget'], worst: p.worst, actual: 30_000_000_000n, corrections: [] });
        expect(await store.capState('budget')).toEqual({ committed: 300_000_000_000n, reserved: 0n });
      }));

    it('checks every cap before reserving on any', () =>
      withStore(async (store) => {
        await store.initCaps([{ key: 'a', committed: 0n }, { key: 'b', committed: 95n }], T0);
        const refused = await store.admit(plan({ caps: [cap('a', 1000n), cap('b', 100n)], worst: 10n }));
        expect(refused).toEqual({ ok: false, reason: 'quota', index: 1, used: 95n });
        expect(await store.capState('a')).toEqual({ committed: 0n, reserved: 0n });
      }));

    it('refuses on a rate bucket without reserving spend', () =>
      withStore(async (store) => {
        await store.initCaps([{ key: 'a', committed: 0n }], T0);
        expect((await store.admit(plan({ buckets: [rpm(1)], caps: [cap('a', 100n)], worst: 5n }))).ok).toBe(true);
        expect(await store.admit(plan({ buckets: [rpm(1)], caps: [cap('a', 100n)], worst: 5n }))).toMatchObject({ reason: 'rate' });
        expect(await store.capState('a')).toEqual({ committed: 0n, reserved: 5n });
      }));

    it('keeps amounts beyond 2^53 picodollars exact', () =>
      withStore(async (store) => {
        const big = 10n ** 18n + 7n;
        await store.initCaps([{ key: 'big', committed: big }], T0);
        const limit = big + 1_000_000_000_001n;
        const ok = plan({ caps: [cap('big', limit)], worst: 1_000_000_000_001n });
        expect((await store.admit(ok)).ok).toBe(true);
        expect(await store.admit(plan({ caps: [cap('big', limit)], worst: 1n }))).toEqual({ ok: false, reason: 'quota', index: 0, used: limit });
        await store.settle({ now: T0, reservationId: ok.reservationId, capKeys: ['big'], worst: ok.worst, actual: 3n, corrections: [] });
        expect(await store.capState('big')).toEqual({ committed: big + 3n, reserved: 0n });
      }));

    it('settles a real cost above, equal to or below the reservation, and the next check sees exactly that', () =>
      withStore(async (store) => {
        await store.initCaps([{ key: 'x', committed: 0n }], T0);
        // Estimates can fall short (the upstream counts more prompt tokens): 10 reserved, 25 spent.
        const above = plan({ caps: [cap('x', 100n)], worst: 10n });
        const equal = plan({ caps: [cap('x', 100n)], worst: 7n });
        const below = plan({ caps: [cap('x', 100n)], worst: 30n });
        for (const p of [above, equal, below]) expect((await store.admit(p)).ok).toBe(true);
        await store.settle({ now: T0, reservationId: above.reservationId, capKeys: ['x'], worst: 10n, actual: 25n, corrections: [] });
        await store.settle({ now: T0, reservationId: equal.reservationId, capKeys: ['x'], worst: 7n, actual: 7n, corrections: [] });
        await store.settle({ now: T0, reservationId: below.reservationId, capKeys: ['x'], worst: 30n, actual: 8n, corrections: [] });
        expect(await store.capState('x')).toEqual({ committed: 40n, reserved: 0n });
        // 40 spent of 100: a worst case of 60 fits to the picodollar, one more does not.
        expect(await store.admit(plan({ caps: [cap('x', 100n)], worst: 61n }))).toEqual({ ok: false, reason: 'quota', index: 0, used: 40n });
        expect((await store.admit(plan({ caps: [cap('x', 100n)], worst: 60n }))).ok).toBe(true);
      }));

    it('releases a reservation whose process died once its deadline passes, and only then', () =>
      withStore(async (store) => {
        await store.initCaps([{ key: 'c', committed: 0n }], T0);
        const p = plan({ caps: [cap('c', 100n)], worst: 60n, expiresAt: T0 + 5000 });
        expect((await store.admit(p)).ok).toBe(true);
        expect(await store.sweep(T0 + 4999)).toBe(0);
        expect(await store.capState('c')).toEqual({ committed: 0n, reserved: 60n });
        expect(await store.sweep(T0 + 5000)).toBe(1);
        expect(await store.capState('c')).toEqual({ committed: 0n, reserved: 0n });
        // A late settle still commits the real cost, and releases nothing twice.
        await store.settle({ now: T0 + 6000, reservationId: p.reservationId, capKeys: ['c'], worst: 60n, actual: 20n, corrections: [] });
        expect(await store.capState('c')).toEqual({ committed: 20n, reserved: 0n });
      }));
  });

  it('delivers a broadcast to its own listeners', () =>
    withStore(async (store) => {
      const heard: string[] = [];
      store.onBroadcast((id) => heard.push(id));
      // Redis and PostgreSQL deliver to a listening connection: wait until it listens, then until the message lands.
      for (let i = 0; i < 100 && heard.length === 0; i++) {
        await store.broadcast('proj_x');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(heard[0]).toBe('proj_x');
    }));

  describe.skipIf(!makeShared)('two instances on one shared state', () => {
    it('delivers a broadcast sent by one instance to the listeners of the other', () =>
      withPair(async (a, b) => {
        const heard: string[] = [];
        b.onBroadcast((id) => heard.push(id));
        for (let i = 0; i < 100 && heard.length === 0; i++) {
          await a.broadcast('proj_y');
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        expect(heard[0]).toBe('proj_y');
      }));

    it('admits a cap and a rate limit exactly once between them, under concurrent admits on both', () =>
      withPair(async (a, b) => {
        await a.initCaps([{ key: 'shared', committed: 0n }], T0);
        await b.initCaps([{ key: 'shared', committed: 999n }], T0);
        // 30 worst cases of 100 fit in 3,000; 20 requests per minute fit the bucket.
        const capped = Array.from({ length: 80 }, () => plan({ caps: [cap('shared', 3000n)], worst: 100n }));
        const results = await Promise.all(capped.map((p, i) => (i % 2 ? b : a).admit(p)));
        expect(results.filter((r) => r.ok)).toHaveLength(30);
        expect(await b.capState('shared')).toEqual({ committed: 0n, reserved: 3000n });
        const limited = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).admit(plan({ buckets: [rpm(20, 1, 'shared-rpm')] }))));
        expect(limited.filter((r) => r.ok)).toHaveLength(20);
        const admitted = capped.filter((_, i) => results[i]!.ok);
        await Promise.all(admitted.map((p, i) => (i % 2 ? a : b).settle({ now: T0, reservationId: p.reservationId, capKeys: ['shared'], worst: p.worst, actual: 40n, corrections: [] })));
        expect(await a.capState('shared')).toEqual({ committed: 1200n, reserved: 0n });
      }));

    it('releases a reservation one instance made when the other sweeps', () =>
      withPair(async (a, b) => {
        await a.initCaps([{ key: 'orphan', committed: 0n }], T0);
        const p = plan({ caps: [cap('orphan', 100n)], worst: 70n, expiresAt: T0 + 1000 });
        expect((await a.admit(p)).ok).toBe(true);
        expect((await b.admit(plan({ caps: [cap('orphan', 100n)], worst: 70n }))).ok).toBe(false);
        expect(await b.sweep(T0 + 1000)).toBe(1);
        expect(await a.capState('orphan')).toEqual({ committed: 0n, reserved: 0n });
      }));
  });
}
