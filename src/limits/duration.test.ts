import { describe, expect, it } from 'vitest';
import { goDuration, retryAfterSeconds } from './duration.js';

describe('goDuration', () => {
  it.each([
    [0, '0s'],
    [0.2, '1ms'],
    [20, '20ms'],
    [644, '644ms'],
    [1000, '1s'],
    [3890, '3.89s'],
    [9816, '9.816s'],
    [17_280, '17.28s'],
    [20_000, '20s'],
    [60_000, '1m0s'],
    [86_400, '1m26.4s'],
    [360_000, '6m0s'],
    [432_000, '7m12s'],
    [1_728_000, '28m48s'],
    [3_723_000, '1h2m3s'],
    [3_600_000, '1h0m0s'],
  ])('%d ms is %s', (ms, text) => {
    expect(goDuration(ms)).toBe(text);
  });

  it('gives retry-after in whole seconds, at least 1', () => {
    expect([0, 1, 999, 1000, 1001, 59_500].map(retryAfterSeconds)).toEqual([1, 1, 1, 1, 2, 60]);
  });
});
