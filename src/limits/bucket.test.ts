import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adjust, capacity, PERIOD_MS, take, type BucketState } from './bucket.js';

describe('token bucket (GCRA) math', () => {
  it('starts full, then refills continuously at limit per minute', () => {
    let state: BucketState | null = null;
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) {
      const r = take(state, 3, 1, t0);
      expect(r).toMatchObject({ allowed: true, remaining: 2 - i, used: i });
      state = r.state;
    }
    // The Free tier's 3 RPM: the next request fits 20 s later, not at a minute boundary.
    expect(take(state, 3, 1, t0)).toMatchObject({ allowed: false, retryAfterMs: 20_000, resetMs: 60_000, used: 3 });
    expect(take(state, 3, 1, t0 + 19_999).allowed).toBe(false);
    expect(take(state, 3, 1, t0 + 20_000)).toMatchObject({ allowed: true, remaining: 0, resetMs: 60_000 });
  });

  it('never lets through more than limit + elapsed x rate, however requests are timed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 50 })), { maxLength: 200 }), (limit, steps) => {
        let state: BucketState | null = null;
        let now = 0;
        let admitted = 0;
        for (const [gap, amount] of steps) {
          now += gap;
          const r = take(state, limit, amount, now);
          if (r.allowed) admitted += amount;
          state = r.state;
        }
        // Units are exact integers: nothing is created by rounding.
        expect(admitted * PERIOD_MS).toBeLessThanOrEqual(capacity(limit) + now * limit);
      }),
    );
  });

  it('refuses a request larger than the whole bucket forever', () => {
    expect(take(null, 100, 101, 0)).toMatchObject({ allowed: false, retryAfterMs: 600 });
  });

  it('refunds an over-estimate and carries an under-estimate as debt', () => {
    const taken = take(null, 1000, 1000, 0).state;
    expect(take(adjust(taken, 1000, -400, 0), 1000, 400, 0).allowed).toBe(true);
    const debt = adjust(taken, 1000, 500, 0);
    expect(debt.level).toBe(-500 * PERIOD_MS);
    expect(take(debt, 1000, 1, 30_000)).toMatchObject({ allowed: false, retryAfterMs: 60 });
  });

  it('treats a clock that went backwards as no time passing', () => {
    const state = take(null, 60, 60, 10_000).state;
    expect(take(state, 60, 1, 5_000)).toMatchObject({ allowed: false, retryAfterMs: 1000 });
  });
});
