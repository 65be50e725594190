import { describe, expect, it } from 'vitest';
import { monthOf } from '../billing/index.js';
import { newId, newRequestId } from './ids.js';

describe('ids', () => {
  it('mints prefixed, time-sortable, unique ids across refills of the entropy pool', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => newId('evt', 1_700_000_000_000 + i));
    expect(ids[0]).toMatch(/^evt_[0-9a-hjkmnp-tv-z]{26}$/);
    expect(new Set(ids).size).toBe(1000);
    expect([...ids].sort()).toEqual(ids);
  });

  it('mints request ids in OpenAI shape', () => {
    expect(newRequestId()).toMatch(/^req_[0-9a-f]{32}$/);
  });
});

describe('monthOf', () => {
  it('names the UTC calendar month, also across month and year boundaries', () => {
    expect(monthOf(Date.UTC(2026, 10, 30, 23, 59, 59, 999))).toBe('2026-11');
    expect(monthOf(Date.UTC(2026, 11, 1))).toBe('2026-12');
    expect(monthOf(Date.UTC(2026, 11, 31, 23, 59, 59, 999))).toBe('2026-12');
    expect(monthOf(Date.UTC(2027, 0, 1))).toBe('2027-01');
    expect(monthOf(Date.UTC(2026, 10, 15))).toBe('2026-11');
  });
});
