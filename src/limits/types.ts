import type { Picos } from '../common/money.js';

/**
 * The fast shared state behind admission: rate-limit buckets and spend caps
 * with their reservations. One interface, two backends (`memory.ts` for one
 * process, `redis.ts` for many), one contract suite (`limits.contract.ts`).
 *
 * Every `admit` is one atomic step: all buckets and all caps are checked, and
 * only if every one of them fits is anything taken or reserved.
 */
export type LimitKind = 'requests' | 'tokens';
export type ScopeLevel = 'organization' | 'project' | 'key';

export interface BucketSpec {
  /** Backend key, unique per (scope, model, kind). */
  key: string;
  /** Per minute. */
  limit: number;
  /** Requests (1) or estimated tokens this request takes. */
  amount: number;
  kind: LimitKind;
  level: ScopeLevel;
  scopeId: string;
}

/** Where a cap's committed spend comes from when the fast state has none. */
export type CapSource =
  | { kind: 'balance'; organizationId: string }
  | { kind: 'month'; level: ScopeLevel; id: string; period: string };

export interface CapSpec {
  key: string;
  /** The most that committed + reserved may reach; null = no limit (still counted). */
  limit: Picos | null;
  source: CapSource;
}

export interface AdmitPlan {
  now: number;
  buckets: BucketSpec[];
  caps: CapSpec[];
  /** Worst-case cost, reserved against every cap. */
  worst: Picos;
  reservationId: string;
  /** Epoch ms after which a sweep releases the reservation (its process died). */
  expiresAt: number;
}

export interface BucketView {
  remaining: number;
  used: number;
  resetMs: number;
  retryAfterMs: number;
}

export type AdmitResult =
  | { ok: true; buckets: BucketView[] }
  | { ok: false; reason: 'rate'; index: number; bucket: BucketView }
  /** `used` = committed + reserved of the cap before this request. */
  | { ok: false; reason: 'quota'; index: number; used: Picos }
  /** Caps the fast state does not hold: load them from the store (`initCaps`) and admit again. */
  | { ok: false; reason: 'missing'; indexes: number[] };

export interface SettlePlan {
  now: number;
  reservationId: string;
  capKeys: string[];
  worst: Picos;
  /** The real cost: committed in place of the reservation. */
  actual: Picos;
  /** TPM corrections: real tokens minus the estimate taken at admit. */
  corrections: { key: string; limit: number; delta: number }[];
}

export interface CapState {
  committed: Picos;
  reserved: Picos;
}

export interface LimitStore {
  admit(plan: AdmitPlan): Promise<AdmitResult>;
  /** Sets caps that are absent (never overwrites one another instance loaded first). */
  initCaps(entries: { key: string; committed: Picos }[], now: number): Promise<void>;
  settle(plan: SettlePlan): Promise<void>;
  /** Releases reservations whose deadline passed; returns how many. */
  sweep(now: number): Promise<number>;
  capState(key: string): Promise<CapState | null>;
  /** Tells every instance sharing this store (this one included) that what is cached about `id` changed. */
  broadcast(id: string): Promise<void>;
  onBroadcast(listener: (id: string) => void): void;
  close(): Promise<void>;
}
