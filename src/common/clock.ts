/** Time source, injectable so tests of windows, expiry and buckets need no sleeping. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
