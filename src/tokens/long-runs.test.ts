import * as o200k from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { getEncoding } from './tokenizer.js';

const encoding = getEncoding('o200k_base');

describe('token counts of pathological text', () => {
  it('count a 2 MB word in linear time (BPE alone would block for hours)', () => {
    // o200k_base encodes a run of x as tokens of 8 letters; cutting at 256 keeps that exact.
    expect(encoding.count('x'.repeat(2_000_000))).toBe(250_000);
    expect(encoding.encode('x'.repeat(10_000))).toHaveLength(1_250);
  });

  it('count an 8 MB run of one letter (a regular expression over it overflowed the stack)', () => {
    expect(encoding.count('a'.repeat(8_000_000))).toBe(1_000_000);
  });

  it('cut long runs of whitespace and punctuation too, each piece counted as BPE counts it', () => {
    for (const run of [' ', '\n', '.', '\u3000']) {
      const piece = o200k.countTokens(run.repeat(256));
      expect(encoding.count(run.repeat(2_000_000))).toBe((2_000_000 / 256) * piece);
    }
  });

  it('never cut a character made of a surrogate pair in two', () => {
    const text = 'a' + '\u{1F600}'.repeat(1_000);
    expect(encoding.count(text)).toBe(1 + 1_000);
    expect(encoding.decode(encoding.encode(text))).toBe(text);
  });

  it('leave ordinary text exactly as the tokenizer counts it', () => {
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(200) + 'https://example.com/a/b?c=d';
    expect(encoding.count(text)).toBe(o200k.countTokens(text));
    expect(encoding.encode('Hello, world!')).toEqual([13225, 11, 2375, 0]);
  });
});
