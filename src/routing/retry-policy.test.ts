import { describe, expect, it } from 'vitest';
import { TollgateError } from '../common/errors.js';
import { testConfig } from '../../test/helpers/tollgate.js';
import { mapUpstreamError } from '../providers/openai/index.js';
import { backoffMs, decideRetry, isRetryable, retryAfterMs } from './retry-policy.js';

const config = { ...testConfig().routing, max_attempts: 4, retries_per_deployment: 2, backoff_base_ms: 100, backoff_max_ms: 1000, max_retry_after_ms: 5000 };
const state = (attemptsOnDeployment: number, attemptsTotal = attemptsOnDeployment, remainingMs = 30_000) => ({ attemptsOnDeployment, attemptsTotal, remainingMs });
const overloaded = () => new TollgateError('overloaded', { context: { upstreamStatus: 503 } });
const half = () => 0.5;

describe('retry policy', () => {
  it('retries a retryable failure with full-jitter backoff that doubles per retry', () => {
    expect(decideRetry(overloaded(), state(1), config, 0, half)).toEqual({ action: 'retry', delayMs: 50 });
    expect(decideRetry(overloaded(), state(2), config, 0, half)).toEqual({ action: 'retry', delayMs: 100 });
  });

  it('moves to the next deployment once the retries of one are used up', () => {
    expect(decideRetry(overloaded(), state(3), config, 0, half)).toEqual({ action: 'next' });
  });

  it('stops at the attempt cap and at the deadline', () => {
    expect(decideRetry(overloaded(), state(1, 4), config, 0, half)).toEqual({ action: 'stop' });
    expect(decideRetry(overloaded(), state(1, 1, 0), config, 0, half)).toEqual({ action: 'stop' });
  });

  it('never retries a client mistake', () => {
    const bad = new TollgateError('invalid_value', { param: 'messages' });
    expect(decideRetry(bad, state(1), config, 0, half)).toEqual({ action: 'stop' });
    expect(decideRetry(new Error('bug'), state(1), config, 0, half)).toEqual({ action: 'stop' });
  });

  it('falls back without retrying when the deployment itself is broken (its credentials refused)', () => {
    const refused = new TollgateError('upstream_error', { retryable: false, context: { upstreamStatus: 401 } });
    expect(isRetryable(refused)).toBe(false);
    expect(decideRetry(refused, state(1), config, 0, half)).toEqual({ action: 'next' });
  });

  it('honours retry-after-ms over retry-after, and skips waits longer than allowed', () => {
    const limited = (headers: Record<string, string>) => new TollgateError('rate_limit_exceeded', { headers, retryable: true });
    expect(decideRetry(limited({ 'retry-after': '2', 'retry-after-ms': '750' }), state(1), config, 0, half)).toEqual({ action: 'retry', delayMs: 750 });
    expect(decideRetry(limited({ 'retry-after': '3' }), state(1), config, 0, half)).toEqual({ action: 'retry', delayMs: 3000 });
    expect(decideRetry(limited({ 'retry-after': '60' }), state(1), config, 0, half)).toEqual({ action: 'next' });
    expect(decideRetry(limited({ 'retry-after': '3' }), state(1, 1, 2000), config, 0, half)).toEqual({ action: 'next' });
  });

  it('retries what an OpenAI-compatible upstream answers with 408, 409, 429 and 5xx, not 4xx or an exhausted quota', () => {
    for (const status of [408, 409, 429, 500, 502, 503, 504]) expect(isRetryable(mapUpstreamError(status, '{}', {}, 'up'))).toBe(true);
    for (const status of [400, 401, 403, 404, 413, 422]) expect(isRetryable(mapUpstreamError(status, '{}', {}, 'up'))).toBe(false);
    const quota = mapUpstreamError(429, JSON.stringify({ error: { message: 'quota', code: 'insufficient_quota' } }), {}, 'up');
    expect(isRetryable(quota)).toBe(false);
  });

  it('reads retry-after as seconds or an HTTP date', () => {
    expect(retryAfterMs({ 'retry-after': '1.5' }, 0)).toBe(1500);
    expect(retryAfterMs({ 'retry-after': new Date(10_000).toUTCString() }, 4_000)).toBe(6_000);
    expect(retryAfterMs({ 'retry-after': 'soon' }, 0)).toBeNull();
    expect(retryAfterMs({}, 0)).toBeNull();
  });

  it('caps the backoff ceiling', () => {
    expect(backoffMs(10, config, () => 0.999)).toBe(999);
    expect(backoffMs(0, config, () => 0)).toBe(0);
  });
});

describe('weighted order of deployments', () => {
  it('puts each deployment first in proportion to its weight', async () => {
    const { weightedOrder } = await import('./catalogue.js');
    const deployments = [
      { provider: 'a', model: 'm', weight: 3 },
      { provider: 'b', model: 'm', weight: 1 },
    ];
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const firsts = { a: 0, b: 0 };
    for (let i = 0; i < 4000; i++) {
      const order = weightedOrder(deployments, random);
      expect(order).toHaveLength(2);
      firsts[order[0]!.provider as 'a' | 'b']++;
    }
    expect(firsts.a / 4000).toBeGreaterThan(0.7);
    expect(firsts.a / 4000).toBeLessThan(0.8);
  });
});
