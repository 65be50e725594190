import type { Picos } from '../common/money.js';
import { adjust, refill, take, capacity, type BucketState } from './bucket.js';
import type { AdmitPlan, AdmitResult, BucketView, CapState, LimitStore, SettlePlan } from './types.js';

interface Reservation {
  capKeys: string[];
  worst: Picos;
  expiresAt: number;
}

/**
 * The in-process backend: JavaScript runs one callback at a time, so each
 * method body (synchronous between its awaits: here there are none) is atomic.
 * Right for one instance; several instances need `redis.ts`.
 */
export function createMemoryLimitStore(): LimitStore {
  const buckets = new Map<string, BucketState & { limit: number }>();
  const caps = new Map<string, CapState>();
  const reservations = new Map<string, Reservation>();
  const listeners: ((id: string) => void)[] = [];

  function release(id: string): void {
    const reservation = reservations.get(id);
    if (!reservation) return;
    reservations.delete(id);
    for (const key of reservation.capKeys) {
      const cap = caps.get(key);
      if (cap) cap.reserved -= reservation.worst;
    }
  }

  return {
    async admit(plan: AdmitPlan): Promise<AdmitResult> {
      const missing = plan.caps.flatMap((cap, i) => (caps.has(cap.key) ? [] : [i]));
      if (missing.length > 0) return { ok: false, reason: 'missing', indexes: missing };
      for (const [index, cap] of plan.caps.entries()) {
        const state = caps.get(cap.key)!;
        const used = state.committed + state.reserved;
        if (cap.limit !== null && used + plan.worst > cap.limit) return { ok: false, reason: 'quota', index, used };
      }
      const taken = plan.buckets.map((b) => take(buckets.get(b.key) ?? null, b.limit, b.amount, plan.now));
      const refused = taken.findIndex((t) => !t.allowed);
      if (refused >= 0) return { ok: false, reason: 'rate', index: refused, bucket: viewOf(taken[refused]!) };
      plan.buckets.forEach((b, i) => buckets.set(b.key, { ...taken[i]!.state, limit: b.limit }));
      for (const cap of plan.caps) caps.get(cap.key)!.reserved += plan.worst;
      reservations.set(plan.reservationId, { capKeys: plan.caps.map((c) => c.key), worst: plan.worst, expiresAt: plan.expiresAt });
      return { ok: true, buckets: taken.map(viewOf) };
    },

    async initCaps(entries) {
      for (const { key, committed } of entries) if (!caps.has(key)) caps.set(key, { committed, reserved: 0n });
    },

    async settle(plan: SettlePlan) {
      release(plan.reservationId);
      for (const key of plan.capKeys) {
        const cap = caps.get(key);
        if (cap) cap.committed += plan.actual;
      }
      for (const c of plan.corrections) buckets.set(c.key, { ...adjust(buckets.get(c.key) ?? null, c.limit, c.delta, plan.now), limit: c.limit });
    },

    async sweep(now) {
      // A full bucket is the same as none (as keys expire in Redis): keeps the map to active scopes.
      for (const [key, state] of buckets) if (refill(state, state.limit, now).level >= capacity(state.limit)) buckets.delete(key);
      let released = 0;
      for (const [id, reservation] of reservations) {
        if (reservation.expiresAt > now) continue;
        release(id);
        released++;
      }
      return released;
    },

    async capState(key) {
      const cap = caps.get(key);
      return cap ? { ...cap } : null;
    },

    async broadcast(id) {
      for (const listener of listeners) listener(id);
    },

    onBroadcast(listener) {
      listeners.push(listener);
    },

    async close() {},
  };
}

function viewOf(result: BucketView): BucketView {
  return { remaining: result.remaining, used: result.used, resetMs: result.resetMs, retryAfterMs: result.retryAfterMs };
}
