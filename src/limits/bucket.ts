/**
 * A continuously refilled token bucket (equivalent to GCRA) over one minute,
 * in integer arithmetic so the in-process and the Redis (Lua, doubles) backends
 * agree exactly.
 *
 * Units: one request or token is PERIOD_MS "units"; the bucket holds
 * limit x PERIOD_MS units when full and refills `limit` units per millisecond,
 * i.e. `limit` per minute, continuously. Every quantity is an integer below
 * 2^53 for any limit below 1.5e11 per minute, so doubles are exact.
 *
 * There are no windows: a burst of `limit` is allowed from a full bucket, then
 * one more every 60000/limit ms, so no boundary lets through a double burst.
 */
export const PERIOD_MS = 60_000;

export interface BucketState {
  /** Units available at `at`; negative after a correction upwards (debt). */
  level: number;
  /** Epoch ms of `level`. */
  at: number;
}

export interface BucketResult {
  allowed: boolean;
  state: BucketState;
  /** Whole requests/tokens left after this one (or now, when refused). */
  remaining: number;
  /** Requests/tokens counted in the current minute, before this one. */
  used: number;
  /** Ms until the bucket is full again. */
  resetMs: number;
  /** When refused: ms until `amount` fits. */
  retryAfterMs: number;
}

export function capacity(limit: number): number {
  return limit * PERIOD_MS;
}

/** The bucket refilled up to `now` (a clock that went backwards refills nothing). */
export function refill(state: BucketState | null, limit: number, now: number): BucketState {
  if (!state) return { level: capacity(limit), at: now };
  const elapsed = Math.max(0, now - state.at);
  return { level: Math.min(capacity(limit), state.level + elapsed * limit), at: Math.max(now, state.at) };
}

function view(level: number, limit: number): { remaining: number; used: number; resetMs: number } {
  const full = capacity(limit);
  return {
    remaining: Math.max(0, Math.floor(level / PERIOD_MS)),
    used: Math.min(limit, Math.ceil((full - level) / PERIOD_MS)),
    resetMs: Math.ceil((full - level) / limit),
  };
}

/** Takes `amount` if it fits now. */
export function take(state: BucketState | null, limit: number, amount: number, now: number): BucketResult {
  const current = refill(state, limit, now);
  const cost = amount * PERIOD_MS;
  const before = view(current.level, limit);
  if (current.level >= cost) {
    const next = { level: current.level - cost, at: current.at };
    return { allowed: true, state: next, ...view(next.level, limit), used: before.used, retryAfterMs: 0 };
  }
  return { allowed: false, state: current, ...before, retryAfterMs: Math.ceil((cost - current.level) / limit) };
}

/** Gives back (`delta` < 0) or charges more (`delta` > 0) once the real amount is known. */
export function adjust(state: BucketState | null, limit: number, delta: number, now: number): BucketState {
  const current = refill(state, limit, now);
  return { level: Math.min(capacity(limit), current.level - delta * PERIOD_MS), at: current.at };
}
