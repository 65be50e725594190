import { TollgateError } from '../../common/errors.js';
import type { SimulatorConfig } from '../../config/index.js';
import type { CallContext } from '../types.js';

/**
 * Per-request control of the simulator through headers, so an application's
 * retry and timeout logic can be rehearsed without a real provider:
 *
 *   x-tollgate-sim-fault: 429 | 429;retry_after=2 | 500 | 503 | timeout | disconnect;after=5
 *                         (any of them with ;attempts=N to fail only the first N attempts)
 *   x-tollgate-sim-ttft-ms: 250
 *   x-tollgate-sim-token-delay-ms: 20
 */
export const FAULT_HEADER = 'x-tollgate-sim-fault';
export const TTFT_HEADER = 'x-tollgate-sim-ttft-ms';
export const TOKEN_DELAY_HEADER = 'x-tollgate-sim-token-delay-ms';

export type FaultKind = '429' | '500' | '503' | 'timeout' | 'disconnect';

export interface Fault {
  kind: FaultKind;
  retryAfterSeconds: number;
  /** For `disconnect`: tokens streamed before the connection drops. */
  after: number;
  /** Asked for by the client's header (not by the operator's config). */
  fromHeader: boolean;
}

export interface Directives {
  fault: Fault | null;
  ttftMs: number;
  tokenDelayMs: number;
}

function header(ctx: CallContext, name: string): string | undefined {
  const value = ctx.clientHeaders[name];
  return Array.isArray(value) ? value[0] : value;
}

function invalid(name: string, value: string, expected: string): TollgateError {
  return new TollgateError('invalid_value', { param: name, message: `Invalid value for header '${name}': '${value.slice(0, 40)}'. Expected ${expected}.` });
}

function parseMs(ctx: CallContext, name: string, fallback: number): number {
  const raw = header(ctx, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 600_000) throw invalid(name, raw, 'an integer number of milliseconds (0-600000)');
  return n;
}

function parseFault(raw: string): { fault: Fault; attempts: number } {
  const [kind, ...options] = raw.split(';').map((s) => s.trim());
  if (!['429', '500', '503', 'timeout', 'disconnect'].includes(kind!)) {
    throw invalid(FAULT_HEADER, raw, "one of 429, 500, 503, timeout, disconnect, optionally followed by ';retry_after=S', ';after=N' or ';attempts=N'");
  }
  const fault: Fault = { kind: kind as FaultKind, retryAfterSeconds: 1, after: 3, fromHeader: true };
  let attempts = Infinity;
  for (const option of options) {
    const [key, value] = option.split('=');
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw invalid(FAULT_HEADER, raw, `a whole number for '${key}'`);
    if (key === 'retry_after') fault.retryAfterSeconds = n;
    else if (key === 'after') fault.after = n;
    else if (key === 'attempts') attempts = n;
    else throw invalid(FAULT_HEADER, raw, 'options retry_after, after or attempts');
  }
  return { fault, attempts };
}

export function readDirectives(config: SimulatorConfig, ctx: CallContext, random: () => number = Math.random): Directives {
  const raw = header(ctx, FAULT_HEADER);
  let fault: Fault | null = null;
  if (raw !== undefined) {
    const parsed = parseFault(raw);
    if (ctx.attempt <= parsed.attempts) fault = parsed.fault;
  } else if (config.fault !== 'none' && random() < config.fault_rate) {
    fault = { kind: config.fault, retryAfterSeconds: 1, after: 3, fromHeader: false };
  }
  return {
    fault,
    ttftMs: parseMs(ctx, TTFT_HEADER, config.ttft_ms),
    tokenDelayMs: parseMs(ctx, TOKEN_DELAY_HEADER, config.token_delay_ms),
  };
}

/** The error an upstream in trouble would cause, as the gateway sees it. */
export function faultError(fault: Fault): TollgateError {
  switch (fault.kind) {
    case '429':
      return new TollgateError('rate_limit_exceeded', {
        message: `Simulated upstream rate limit. Please try again in ${fault.retryAfterSeconds}s.`,
        headers: { 'retry-after': String(fault.retryAfterSeconds) },
        retryable: true,
        requestedByClient: fault.fromHeader,
        context: { upstreamStatus: 429 },
      });
    case '500':
      return new TollgateError('server_error', { message: 'Simulated upstream server error.', retryable: true, requestedByClient: fault.fromHeader, context: { upstreamStatus: 500 } });
    case '503':
      return new TollgateError('overloaded', { message: 'Simulated upstream overload.', retryable: true, requestedByClient: fault.fromHeader, context: { upstreamStatus: 503 } });
    case 'disconnect':
      return new TollgateError('upstream_error', { message: 'The upstream connection closed unexpectedly.', retryable: true, requestedByClient: fault.fromHeader });
    case 'timeout':
      return new TollgateError('upstream_timeout', { retryable: true, requestedByClient: fault.fromHeader });
  }
}

/** Waits `ms`, or rejects as soon as the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A `timeout` fault: hang until the gateway's deadline or the client gives up. */
export function hang(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) return reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
