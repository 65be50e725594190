import { describe, expect, it } from 'vitest';
import { CircuitBreakers, type CircuitState } from './circuit-breaker.js';

function breakers() {
  let now = 1_000;
  const changes: [string, CircuitState][] = [];
  const b = new CircuitBreakers({ failureThreshold: 3, cooldownMs: 10_000, clock: { now: () => now }, onChange: (k, s) => changes.push([k, s]) });
  return { b, changes, advance: (ms: number) => (now += ms) };
}

describe('circuit breakers', () => {
  it('open after the threshold of consecutive failures and refuse calls', () => {
    const { b, changes } = breakers();
    b.failure('p/m');
    b.failure('p/m');
    b.success('p/m');
    b.failure('p/m');
    b.failure('p/m');
    expect(b.state('p/m')).toBe('closed');
    b.failure('p/m');
    expect(b.state('p/m')).toBe('open');
    expect(b.acquire('p/m')).toBe(false);
    expect(b.retryInMs('p/m')).toBe(10_000);
    expect(changes).toEqual([['p/m', 'open']]);
  });

  it('let exactly one probe through after the cool-down; success closes', () => {
    const { b, advance } = breakers();
    for (let i = 0; i < 3; i++) b.failure('p/m');
    advance(10_000);
    expect(b.available('p/m')).toBe(true);
    expect(b.acquire('p/m')).toBe(true);
    expect(b.state('p/m')).toBe('half_open');
    expect(b.acquire('p/m')).toBe(false);
    b.success('p/m');
    expect(b.state('p/m')).toBe('closed');
    expect(b.acquire('p/m')).toBe(true);
  });

  it('reopen for another cool-down when the probe fails', () => {
    const { b, advance } = breakers();
    for (let i = 0; i < 3; i++) b.failure('p/m');
    advance(10_000);
    b.acquire('p/m');
    b.failure('p/m');
    expect(b.state('p/m')).toBe('open');
    expect(b.acquire('p/m')).toBe(false);
    advance(9_999);
    expect(b.acquire('p/m')).toBe(false);
    advance(1);
    expect(b.acquire('p/m')).toBe(true);
  });

  it('free the probe when the call said nothing about the deployment', () => {
    const { b, advance } = breakers();
    for (let i = 0; i < 3; i++) b.failure('p/m');
    advance(10_000);
    b.acquire('p/m');
    b.release('p/m');
    expect(b.acquire('p/m')).toBe(true);
  });

  it('keep deployments apart', () => {
    const { b } = breakers();
    for (let i = 0; i < 3; i++) b.failure('a/m');
    expect(b.acquire('b/m')).toBe(true);
  });
});
