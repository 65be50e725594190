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

  it('leave ordinary text exactly as the tokenizer counts it', () => {
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(200) + 'https://example.com/a/b?c=d';
    expect(encoding.count(text)).toBe(o200k.countTokens(text));
    expect(encoding.encode('Hello, world!')).toEqual([13225, 11, 2375, 0]);
  });
});
