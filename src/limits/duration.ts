/**
 * Go's `time.Duration.String()` for a count of milliseconds, the format OpenAI
 * uses in `x-ratelimit-reset-*` and "Please try again in ...": `0s`, `20ms`,
 * `1s`, `17.28s`, `6m0s`, `1h2m3s`. Sub-millisecond parts are dropped (we
 * never know time finer than a millisecond).
 */
export function goDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms));
  if (total === 0) return '0s';
  if (total < 1000) return `${total}ms`;
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const millis = total % 60_000;
  const whole = Math.floor(millis / 1000);
  const fraction = millis % 1000;
  const seconds = fraction === 0 ? `${whole}` : `${whole}.${String(fraction).padStart(3, '0').replace(/0+$/, '')}`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}

/** `retry-after` is whole seconds, at least 1 (OpenAI's openapi `TooManyRequests`). */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
