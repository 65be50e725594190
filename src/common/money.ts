/**
 * Money is an integer count of picodollars (1e-12 USD) held in a bigint.
 *
 * Why picodollars: prices are quoted in USD per 1M tokens with up to six
 * decimals (e.g. $0.075), i.e. an integer number of micro-dollars per 1M
 * tokens. tokens × micro-dollars-per-1M is then exactly a count of
 * picodollars, so the cost of a request is an integer product and every sum of
 * costs is exact. A signed 64-bit column holds ±9.2 million dollars, far above
 * any monthly counter or balance of one organization.
 */
export type Picos = bigint;

export const PICOS_PER_USD = 1_000_000_000_000n;
export const PICOS_PER_MICRO = 1_000_000n;

/**
 * The largest amount a request may set (a budget, a spend limit or alert, a
 * grant): $1,000,000. Stored counters are signed 64-bit (±$9.2M); this bound
 * leaves room for a month's spend on top of any limit, so no sum overflows.
 */
export const MAX_REQUEST_PICOS = 1_000_000n * PICOS_PER_USD;

/** Parses a decimal USD amount given as text ("1.65", "0.000001") exactly. */
export function parseUsd(text: string): Picos {
  const match = /^(-)?(\d+)(?:\.(\d{1,12}))?$/.exec(text.trim());
  if (!match) throw new RangeError(`not a USD amount with at most 12 decimals: ${JSON.stringify(text)}`);
  const [, sign, whole, fraction = ''] = match;
  const picos = BigInt(whole!) * PICOS_PER_USD + BigInt(fraction.padEnd(12, '0'));
  return sign ? -picos : picos;
}

/** Formats picodollars as USD text with `decimals` places, rounding half away from zero. */
export function formatUsd(picos: Picos, decimals = 2): string {
  const negative = picos < 0n;
  let abs = negative ? -picos : picos;
  const scale = 10n ** BigInt(12 - decimals);
  abs = (abs + scale / 2n) / scale;
  const unit = 10n ** BigInt(decimals);
  const whole = abs / unit;
  const fraction = decimals > 0 ? '.' + (abs % unit).toString().padStart(decimals, '0') : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/** Exact USD text: as many decimals as the amount needs (up to 12), at least two ("0.000123", "10.00"). */
export function formatUsdExact(picos: Picos): string {
  return formatUsd(picos, 12).replace(/(\.\d\d\d*?)0+$/, '$1');
}

/** Cost of `tokens` at a price of `microsPerMillion` micro-USD per 1M tokens, in picos. */
export function tokenCost(tokens: number | bigint, microsPerMillion: bigint): Picos {
  return BigInt(tokens) * microsPerMillion;
}

/** For display and JSON APIs that use float dollars (OpenAI's costs API): never for arithmetic. */
export function picosToUsdNumber(picos: Picos): number {
  return Number(formatUsd(picos, 12));
}
