import * as cl100k from 'gpt-tokenizer/encoding/cl100k_base';
import * as o200k from 'gpt-tokenizer/encoding/o200k_base';

type EncodingApi = typeof o200k;

export type EncodingName = 'o200k_base' | 'cl100k_base';

export interface Encoding {
  name: EncodingName;
  encode(text: string): number[];
  decode(tokens: number[]): string;
  count(text: string): number;
}

// User text is counted as plain text: a literal "<|endoftext|>" in a prompt is
// not a special token, and must not make the tokenizer throw.
const PLAIN = { disallowedSpecial: new Set<string>() };

/**
 * BPE time grows with the square of a pre-token's length: 100 KB of one letter
 * (or of spaces, or of dots) takes seconds, a 1 MB one would block the process
 * for many minutes. Runs of more than MAX_RUN characters of one kind
 * (whitespace or not; never seen in real text, where words are short) are cut
 * into MAX_RUN pieces, which changes a count by at most one token per cut and
 * keeps every count linear in the text's length. The cut is found by a plain
 * scan: a regular expression over a multi-megabyte run overflows V8's stack.
 */
const MAX_RUN = 256;
const UNICODE_SPACE = /\s/;

function isSpace(code: number): boolean {
  if (code < 128) return code === 32 || (code >= 9 && code <= 13);
  return UNICODE_SPACE.test(String.fromCharCode(code));
}

/** A cut between the two halves of a surrogate pair would count two broken characters. */
function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

function pieces(text: string): string[] {
  if (text.length <= MAX_RUN) return [text];
  const out: string[] = [];
  let start = 0;
  let runStart = 0;
  let runSpace = isSpace(text.charCodeAt(0));
  for (let i = 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const space = isSpace(code);
    if (space !== runSpace) {
      runStart = i;
      runSpace = space;
    } else if (i - runStart >= MAX_RUN && !isLowSurrogate(code)) {
      out.push(text.slice(start, i));
      start = i;
      runStart = i;
    }
  }
  out.push(text.slice(start));
  return out;
}

/**
 * Both encodings load with the module. Loading one on first use would block the
 * event loop for up to a second at the moment a cut stream is metered, which is
 * exactly when a gone client's upstream must be aborted at once.
 */
function wrap(name: EncodingName, api: EncodingApi): Encoding {
  return {
    name,
    encode: (text) => pieces(text).flatMap((piece) => api.encode(piece, PLAIN)),
    decode: (tokens) => api.decode(tokens),
    count: (text) => pieces(text).reduce((sum, piece) => sum + api.countTokens(piece, PLAIN), 0),
  };
}

const ENCODINGS: Record<EncodingName, Encoding> = {
  o200k_base: wrap('o200k_base', o200k),
  cl100k_base: wrap('cl100k_base', cl100k as unknown as EncodingApi),
};

const CL100K_PREFIXES = ['gpt-4-', 'gpt-3.5-turbo', 'gpt-35-turbo', 'text-embedding-ada-002', 'text-embedding-3-', 'davinci-002', 'babbage-002', 'ft:gpt-4-', 'ft:gpt-3.5-turbo'];
const CL100K_EXACT = new Set(['gpt-4', 'ft:gpt-4']);

/**
 * The encoding OpenAI uses for a model (tiktoken's table): cl100k_base for the
 * gpt-4 / gpt-3.5 / ada-002 / text-embedding-3 era, o200k_base for gpt-4o,
 * gpt-4.1, gpt-5, the o-series, and anything unknown (the newest default).
 */
export function encodingForModel(model: string): Encoding {
  const name = model.toLowerCase();
  if (name.startsWith('gpt-4o') || name.startsWith('gpt-4.') || name.startsWith('ft:gpt-4o')) return ENCODINGS.o200k_base;
  if (CL100K_EXACT.has(name) || CL100K_PREFIXES.some((p) => name.startsWith(p))) return ENCODINGS.cl100k_base;
  return ENCODINGS.o200k_base;
}

export function getEncoding(name: EncodingName): Encoding {
  return ENCODINGS[name];
}
