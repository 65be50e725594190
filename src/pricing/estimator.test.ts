import { describe, expect, it } from 'vitest';
import { createPriceCatalogue } from './catalogue.js';
import { compare, displayUsd, estimate, exactUsd, wholeTokens, type Workload } from './estimator.js';
import { countSampleFile, countSampleItems } from './sample.js';

const catalogue = createPriceCatalogue();
const now = Date.parse('2026-11-27T00:00:00Z');
const example: Workload = { requestsPerDay: 1000n, input: wholeTokens(2000), cachedInput: wholeTokens(0), output: wholeTokens(1000) };

describe('cost estimator', () => {
  it('prices the README example exactly: gpt-5.4-nano, 1,000 x (2,000 in + 1,000 out) is $1.65 a day', () => {
    const e = estimate(catalogue, 'gpt-5.4-nano', example, now);
    expect(e.perRequestPicos).toBe(1_650_000_000n);
    expect(e.dailyPicos).toBe(1_650_000_000_000n);
    // A month is 365/12 days: 1.65 x 365 / 12 = 50.1875 exactly.
    expect(e.monthlyPicos).toBe(50_187_500_000_000n);
    expect(exactUsd(e.monthlyPicos)).toBe('50.1875');
    expect(displayUsd(e.dailyPicos)).toBe('$1.65');
    expect(displayUsd(e.monthlyPicos)).toBe('$50.19');
  });

  it('charges cached input at the cached price', () => {
    const e = estimate(catalogue, 'gpt-5.4-nano', { ...example, cachedInput: wholeTokens(500) }, now);
    // 1,500 x 0.20 + 500 x 0.02 + 1,000 x 1.25 micro-dollars per 1M -> picodollars
    expect(e.perRequestPicos).toBe(1500n * 200_000n + 500n * 20_000n + 1000n * 1_250_000n);
    expect(() => estimate(catalogue, 'gpt-5.4-nano', { ...example, cachedInput: wholeTokens(2001) }, now)).toThrow(/cannot exceed input tokens/);
  });

  it('keeps fractional averages exact and rounds once at the end', () => {
    // 3 requests averaging 1000/3 input tokens: 1000/3 x 0.20 micro$ = 66,666,666.67 picos each.
    const e = estimate(catalogue, 'gpt-5.4-nano', { requestsPerDay: 3n, input: { total: 1000n, count: 3n }, cachedInput: wholeTokens(0), output: wholeTokens(0) }, now);
    expect(e.perRequestPicos).toBe(66_666_667n);
    expect(e.dailyPicos).toBe(200_000_000n); // exactly 1000 tokens a day, not 3 x the rounded figure
  });

  it('compares every priced model, cheapest first, leaving out embedding models for a chat workload', () => {
    const { estimates, skipped } = compare(catalogue, example, now);
    const monthly = estimates.map((e) => e.monthlyPicos);
    expect([...monthly].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(monthly);
    expect(estimates[0]!.model).toBe('gpt-5-nano'); // 2,000 x 0.05 + 1,000 x 0.40 = $0.0005 a request
    expect(estimates[0]!.dailyPicos).toBe(500_000_000_000n);
    expect(estimates.at(-1)!.model).toBe('claude-opus-4-1'); // 2,000 x 15 + 1,000 x 75 = $0.105 a request
    expect(estimates.find((e) => e.model === 'gpt-5.4-nano')!.dailyPicos).toBe(1_650_000_000_000n);
    expect(skipped).toEqual(['text-embedding-3-large', 'text-embedding-3-small', 'tollgate-sim-embed']);
    // Ties are ordered by name.
    const nano = estimates.findIndex((e) => e.model === 'gpt-5.4-nano');
    expect(estimates[nano + 1]!.model).toBe('tollgate-sim');
  });

  it('rejects a model with no price', () => {
    expect(() => estimate(catalogue, 'no-such-model', example, now)).toThrow("The model 'no-such-model' has no price in the catalogue.");
  });
});

describe('sample token counting', () => {
  it('counts a text file as one user message per line (o200k_base)', () => {
    // "Hello there, friend." is 5 tokens; as a user message 3 + 1 (role) + 5 + 3 (reply primer) = 12.
    // "Paris is the capital of France." is 7 tokens -> 14.
    const counts = countSampleFile('prompts.txt', 'Hello there, friend.\n\nParis is the capital of France.\n', 'gpt-5.4-nano');
    expect(counts).toMatchObject({ requests: 2, input: { total: 26n, count: 2n }, output: null, encoding: 'o200k_base' });
  });

  it('counts JSONL chat requests, message arrays and replies', () => {
    const lines = [
      JSON.stringify({ model: 'x', messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'one two three four' }], completion: 'Hello there, friend.' }),
      JSON.stringify([{ role: 'user', content: 'Hello there, friend.' }]),
      JSON.stringify({ prompt: 'Paris is the capital of France.', response: { choices: [{ message: { role: 'assistant', content: 'one two three four' } }] } }),
    ];
    const counts = countSampleFile('sample.jsonl', lines.join('\n'), 'gpt-5.4-nano');
    // 19 (system + user: 8 + 8 + 3) + 12 + 14 input tokens; replies 5 and 4 tokens over 2 requests.
    expect(counts).toMatchObject({ requests: 3, input: { total: 45n, count: 3n }, output: { total: 9n, count: 2n } });
  });

  it('names the line of a bad item', () => {
    expect(() => countSampleFile('s.jsonl', '{"messages":[{"role":"user","content":"hi"}]}\n{"nope":1}\n', 'gpt-5.4')).toThrow("s.jsonl:2: a sample object needs 'messages' or 'prompt'");
    expect(() => countSampleFile('s.jsonl', '{"messages":[]}', 'gpt-5.4')).toThrow('s.jsonl:1: messages must be a non-empty array');
    expect(() => countSampleFile('s.jsonl', '{oops', 'gpt-5.4')).toThrow('s.jsonl:1: not valid JSON');
    expect(() => countSampleItems([], 'gpt-5.4')).toThrow('the sample holds no prompts');
  });
});
