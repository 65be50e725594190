import { PICOS_PER_MICRO, tokenCost, type Picos } from '../common/money.js';
import { DEFAULT_PRICES, type DefaultPrice } from './defaults.js';

/** Prices in integer micro-dollars per 1M tokens: tokens x price is then exact picodollars. */
export interface ModelPrice {
  model: string;
  inputMicros: bigint;
  cachedInputMicros: bigint;
  cacheWriteMicros: bigint;
  outputMicros: bigint;
  /** Flat price per request, micro-dollars (0 for token-priced models). */
  perRequestMicros: bigint;
  /** Epoch ms from which this price applies. */
  effectiveFrom: number;
}

export interface TokenCounts {
  promptTokens: number;
  /** Part of promptTokens read from the provider's prompt cache. */
  cachedTokens: number;
  /** Part of promptTokens written to the provider's prompt cache. */
  cacheWriteTokens: number;
  completionTokens: number;
}

export interface PriceCatalogue {
  /** The price in force at `at` for a model (upstream name first, then public name). */
  priceAt(models: readonly string[], at: number): ModelPrice | undefined;
  /** Every model's price in force now, for listings and the estimator. */
  current(at: number): ModelPrice[];
}

export interface PriceInput {
  input: string | number;
  cached_input?: string | number;
  cache_write?: string | number;
  output: string | number;
  per_request?: string | number;
  effective_from?: string;
}

export class PriceError extends Error {
  override readonly name = 'PriceError';
}

/** "2.50" USD per 1M -> 2_500_000 micro-dollars, exactly; at most 6 decimals. */
export function parseMicros(value: string | number, where: string): bigint {
  const text = typeof value === 'number' ? String(value) : value.trim();
  const match = /^(\d+)(?:\.(\d{1,6}))?$/.exec(text);
  if (!match) throw new PriceError(`${where}: '${text}' is not a USD amount with at most 6 decimals`);
  return BigInt(match[1]!) * 1_000_000n + BigInt((match[2] ?? '').padEnd(6, '0'));
}

function toPrice(model: string, input: PriceInput | DefaultPrice, where: string): ModelPrice {
  const inputMicros = parseMicros(input.input, `${where}.input`);
  const from = input.effective_from ? Date.parse(`${input.effective_from}T00:00:00Z`) : 0;
  if (Number.isNaN(from)) throw new PriceError(`${where}.effective_from: '${input.effective_from}' is not a YYYY-MM-DD date`);
  return {
    model,
    inputMicros,
    cachedInputMicros: input.cached_input !== undefined ? parseMicros(input.cached_input, `${where}.cached_input`) : inputMicros,
    cacheWriteMicros: input.cache_write !== undefined ? parseMicros(input.cache_write, `${where}.cache_write`) : inputMicros,
    outputMicros: parseMicros(input.output, `${where}.output`),
    perRequestMicros: 'per_request' in input && input.per_request !== undefined ? parseMicros(input.per_request, `${where}.per_request`) : 0n,
    effectiveFrom: from,
  };
}

/**
 * Defaults, then config entries (a model's config entries replace its default
 * list; several entries with different `effective_from` dates form its price history).
 */
export function createPriceCatalogue(overrides: Record<string, PriceInput | PriceInput[]> = {}): PriceCatalogue {
  const history = new Map<string, ModelPrice[]>();
  for (const [model, price] of Object.entries(DEFAULT_PRICES)) history.set(model, [toPrice(model, price, `pricing.defaults.${model}`)]);
  for (const [model, entry] of Object.entries(overrides)) {
    const entries = Array.isArray(entry) ? entry : [entry];
    history.set(model, entries.map((p, i) => toPrice(model, p, `pricing.models.${model}${Array.isArray(entry) ? `[${i}]` : ''}`)));
  }
  for (const prices of history.values()) prices.sort((a, b) => b.effectiveFrom - a.effectiveFrom);

  const at = (model: string, time: number) => history.get(model)?.find((p) => p.effectiveFrom <= time);
  return {
    priceAt(models, time) {
      for (const model of models) {
        const price = at(model, time);
        if (price) return price;
      }
      return undefined;
    },
    current: (time) => [...history.keys()].map((m) => at(m, time)).filter((p): p is ModelPrice => p !== undefined),
  };
}

/** The exact cost of one request, in picodollars. */
export function costOf(tokens: TokenCounts, price: ModelPrice): Picos {
  const uncached = Math.max(0, tokens.promptTokens - tokens.cachedTokens - tokens.cacheWriteTokens);
  return (
    tokenCost(uncached, price.inputMicros) +
    tokenCost(tokens.cachedTokens, price.cachedInputMicros) +
    tokenCost(tokens.cacheWriteTokens, price.cacheWriteMicros) +
    tokenCost(tokens.completionTokens, price.outputMicros) +
    price.perRequestMicros * PICOS_PER_MICRO
  );
}
