import { TollgateError } from '../common/errors.js';
import type { RoutingConfig } from '../config/index.js';

export type RetryAction =
  /** Try the same deployment again after `delayMs`. */
  | { action: 'retry'; delayMs: number }
  /** This deployment is done for: go to the next one (another deployment or a fallback model). */
  | { action: 'next' }
  /** Give up: the error goes to the client as it is. */
  | { action: 'stop' };

export interface AttemptState {
  /** Attempts already made on the current deployment (>= 1). */
  attemptsOnDeployment: number;
  /** Attempts already made for the whole request (>= 1). */
  attemptsTotal: number;
  /** Milliseconds left before the request's routing deadline. */
  remainingMs: number;
}

/**
 * Whether another try may succeed. Providers mark the failures a retry may
 * cure (upstream 408, 409, 429, 5xx, connection errors and timeouts) as
 * `retryable`; an upstream 429 that means "out of quota" is not.
 */
export function isRetryable(err: unknown): boolean {
  return err instanceof TollgateError && err.retryable;
}

/** A failure that says nothing about this request but something about the deployment (e.g. its credentials were refused). */
function isDeploymentFault(err: unknown): boolean {
  return err instanceof TollgateError && err.status >= 500;
}

/** `retry-after-ms` (ms, may be fractional) wins over `retry-after` (seconds or an HTTP date). */
export function retryAfterMs(headers: Record<string, string>, now: number): number | null {
  const ms = Number(headers['retry-after-ms']);
  if (headers['retry-after-ms'] !== undefined && Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers['retry-after'];
  if (raw === undefined) return null;
  const seconds = Number(raw);
  if (raw.trim() !== '' && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** Exponential backoff with full jitter: a uniform wait in [0, min(cap, base * 2^retry)). */
export function backoffMs(retry: number, config: Pick<RoutingConfig, 'backoff_base_ms' | 'backoff_max_ms'>, random: () => number): number {
  const ceiling = Math.min(config.backoff_max_ms, config.backoff_base_ms * 2 ** retry);
  return Math.floor(random() * ceiling);
}

/**
 * The one retry policy. After a failed attempt it decides: wait and try the
 * same deployment again, move on to the next deployment, or give up. Bounded
 * by the attempts per deployment, the attempts per request and the deadline;
 * an upstream's retry-after is honoured, and one longer than allowed moves on
 * instead of waiting.
 */
export function decideRetry(err: unknown, state: AttemptState, config: RoutingConfig, now: number, random: () => number = Math.random): RetryAction {
  const retryable = isRetryable(err);
  if (!retryable && !isDeploymentFault(err)) return { action: 'stop' };
  if (state.attemptsTotal >= config.max_attempts || state.remainingMs <= 0) return { action: 'stop' };
  if (!retryable || state.attemptsOnDeployment > config.retries_per_deployment) return { action: 'next' };
  const hinted = err instanceof TollgateError ? retryAfterMs(err.headers, now) : null;
  if (hinted !== null && hinted > config.max_retry_after_ms) return { action: 'next' };
  const delayMs = hinted ?? backoffMs(state.attemptsOnDeployment - 1, config, random);
  if (delayMs >= state.remainingMs) return { action: 'next' };
  return { action: 'retry', delayMs };
}
