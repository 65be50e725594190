import { describe, expect, it } from 'vitest';
import { formatUsd } from '../common/money.js';
import { PRESETS } from '../providers/presets.js';
import { costOf, createPriceCatalogue, DEFAULT_PRICES, parseMicros } from './index.js';

describe('price catalogue', () => {
  const catalogue = createPriceCatalogue();

  it('prices gpt-5.4-nano exactly: 2,000 in + 1,000 out x 1,000 requests is $1.65', () => {
    const price = catalogue.priceAt(['gpt-5.4-nano'], Date.now())!;
    const one = costOf({ promptTokens: 2000, cachedTokens: 0, cacheWriteTokens: 0, completionTokens: 1000 }, price);
    expect(one).toBe(1_650_000_000n); // $0.00165 in picodollars
    expect(formatUsd(one * 1000n)).toBe('1.65');
  });

  it('charges cached and cache-write tokens at their own prices', () => {
    const price = catalogue.priceAt(['claude-sonnet-4-5'], Date.now())!;
    const cost = costOf({ promptTokens: 1000, cachedTokens: 600, cacheWriteTokens: 300, completionTokens: 10 }, price);
    // 100 x 3.00 + 600 x 0.30 + 300 x 3.75 + 10 x 15.00 micro-dollars per token-million
    expect(cost).toBe(100n * 3_000_000n + 600n * 300_000n + 300n * 3_750_000n + 10n * 15_000_000n);
  });

  it('looks up the upstream model first, then the public name, and honours effective dates', () => {
    const dated = createPriceCatalogue({
      'my-model': [
        { input: '1', output: '2', effective_from: '2026-01-01' },
        { input: '3', output: '4', effective_from: '2026-06-01' },
      ],
    });
    expect(dated.priceAt(['unknown', 'my-model'], Date.parse('2026-03-01'))!.inputMicros).toBe(1_000_000n);
    expect(dated.priceAt(['my-model'], Date.parse('2026-07-01'))!.outputMicros).toBe(4_000_000n);
    expect(dated.priceAt(['my-model'], Date.parse('2025-12-31'))).toBeUndefined();
  });

  it('rejects prices that are not exact decimals', () => {
    expect(parseMicros('0.075', 'x')).toBe(75_000n);
    expect(() => parseMicros('0.0000001', 'pricing.models.a.input')).toThrow(/pricing.models.a.input: '0.0000001' is not a USD amount/);
    expect(() => parseMicros('-1', 'x')).toThrow();
  });

  it('prices every model the environment presets bring in, so none is metered at zero', () => {
    const unpriced = PRESETS.flatMap((p) => p.models.map((m) => m.name)).filter((name) => !DEFAULT_PRICES[name]);
    expect(unpriced).toEqual([]);
  });
});
