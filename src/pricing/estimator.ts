import { PICOS_PER_MICRO, PICOS_PER_USD, formatUsd, type Picos } from '../common/money.js';
import type { ModelPrice, PriceCatalogue } from './catalogue.js';

/**
 * The cost estimator: what a workload (requests a day x tokens per request)
 * costs on a model, a day and a month. Token counts may be averages over a
 * sample (a total over `count` requests), so every figure is kept as an exact
 * fraction of picodollars and rounded once, at the end.
 */

/** An average token count: `total / count` tokens per request, exactly. */
export interface TokenAverage {
  total: bigint;
  count: bigint;
}

export interface Workload {
  requestsPerDay: bigint;
  input: TokenAverage;
  /** Part of `input` served from the provider's prompt cache. */
  cachedInput: TokenAverage;
  output: TokenAverage;
}

export interface ModelEstimate {
  model: string;
  price: ModelPrice;
  /** Rounded to the nearest picodollar (half up) from the exact fraction. */
  perRequestPicos: Picos;
  dailyPicos: Picos;
  monthlyPicos: Picos;
}

/** A month is a twelfth of a 365-day year (30.42 days): the figure a budget is set against. */
export const DAYS_PER_YEAR = 365n;
export const MONTHS_PER_YEAR = 12n;
export const MONTH_DESCRIPTION = '30.42 days (365/12)';

export class EstimateError extends Error {
  override readonly name = 'EstimateError';
  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message);
  }
}

export const wholeTokens = (tokens: number | bigint): TokenAverage => ({ total: BigInt(tokens), count: 1n });

interface Fraction {
  n: bigint;
  d: bigint;
}

const add = (a: Fraction, b: Fraction): Fraction => ({ n: a.n * b.d + b.n * a.d, d: a.d * b.d });
const scale = (a: Fraction, by: bigint, per = 1n): Fraction => ({ n: a.n * by, d: a.d * per });
const tokensAt = (tokens: Fraction, microsPerMillion: bigint): Fraction => scale(tokens, microsPerMillion);
/** Non-negative fractions only: round half up. */
const round = (a: Fraction): bigint => (2n * a.n + a.d) / (2n * a.d);
const fraction = (avg: TokenAverage): Fraction => ({ n: avg.total, d: avg.count });

function checkWorkload(w: Workload): void {
  if (w.requestsPerDay < 0n) throw new EstimateError('requests per day must be a whole number >= 0', 'requests_per_day');
  for (const [param, avg] of [
    ['input_tokens', w.input],
    ['cached_input_tokens', w.cachedInput],
    ['output_tokens', w.output],
  ] as const) {
    if (avg.total < 0n || avg.count <= 0n) throw new EstimateError(`${param} must be a whole number >= 0`, param);
  }
  const cached = fraction(w.cachedInput);
  const input = fraction(w.input);
  if (cached.n * input.d > input.n * cached.d) {
    throw new EstimateError('cached input tokens cannot exceed input tokens (they are the part of the input read from the cache)', 'cached_input_tokens');
  }
}

/** The exact cost of one average request, as a fraction of picodollars. */
function perRequest(w: Workload, price: ModelPrice): Fraction {
  const cached = fraction(w.cachedInput);
  const uncached = add(fraction(w.input), { n: -cached.n, d: cached.d });
  let cost = tokensAt(uncached, price.inputMicros);
  cost = add(cost, tokensAt(cached, price.cachedInputMicros));
  cost = add(cost, tokensAt(fraction(w.output), price.outputMicros));
  return add(cost, { n: price.perRequestMicros * PICOS_PER_MICRO, d: 1n });
}

export function estimateFor(w: Workload, price: ModelPrice): ModelEstimate {
  checkWorkload(w);
  const one = perRequest(w, price);
  const daily = scale(one, w.requestsPerDay);
  return {
    model: price.model,
    price,
    perRequestPicos: round(one),
    dailyPicos: round(daily),
    monthlyPicos: round(scale(daily, DAYS_PER_YEAR, MONTHS_PER_YEAR)),
  };
}

/** One model's estimate; throws EstimateError (param `model`) for a model with no price. */
export function estimate(catalogue: PriceCatalogue, model: string, w: Workload, at: number): ModelEstimate {
  const price = catalogue.priceAt([model], at);
  if (!price) throw new EstimateError(`The model '${model}' has no price in the catalogue.`, 'model');
  return estimateFor(w, price);
}

export interface Comparison {
  estimates: ModelEstimate[];
  /** Models left out because they have no output price (embedding models) while the workload has output. */
  skipped: string[];
}

/** Every priced model, cheapest first (ties by name). */
export function compare(catalogue: PriceCatalogue, w: Workload, at: number): Comparison {
  checkWorkload(w);
  const hasOutput = w.output.total > 0n;
  const skipped: string[] = [];
  const estimates: ModelEstimate[] = [];
  for (const price of catalogue.current(at)) {
    if (hasOutput && price.outputMicros === 0n) skipped.push(price.model);
    else estimates.push(estimateFor(w, price));
  }
  estimates.sort((a, b) => (a.monthlyPicos < b.monthlyPicos ? -1 : a.monthlyPicos > b.monthlyPicos ? 1 : a.model.localeCompare(b.model)));
  return { estimates, skipped: skipped.sort() };
}

/** Exact decimal text without trailing zeros beyond `min` places: 1.650000 -> "1.65". */
export function exactUsd(picos: Picos, min = 2): string {
  const full = formatUsd(picos, 12);
  const [whole, frac = ''] = full.split('.');
  let trimmed = frac.replace(/0+$/, '');
  if (trimmed.length < min) trimmed = trimmed.padEnd(min, '0');
  return `${whole}.${trimmed}`;
}

/** A USD amount for people: cents, or for amounts under a dollar four significant digits ($0.01125, $0.00000040). */
export function displayUsd(picos: Picos): string {
  if (picos === 0n || picos >= PICOS_PER_USD) return `$${formatUsd(picos, 2)}`;
  const leadingZeros = 12 - picos.toString().length;
  const places = Math.min(12, Math.max(2, leadingZeros + 4));
  return `$${exactUsd(BigInt(formatUsd(picos, places).replace('.', '')) * 10n ** BigInt(12 - places))}`;
}

/** Average tokens to show: whole numbers stay whole, averages get one decimal. */
export function displayTokens(avg: TokenAverage): string {
  if (avg.total % avg.count === 0n) return (avg.total / avg.count).toLocaleString('en-US');
  const tenths = (avg.total * 10n + avg.count / 2n) / avg.count;
  return `${(tenths / 10n).toLocaleString('en-US')}.${tenths % 10n}`;
}
