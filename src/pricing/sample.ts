import { countChatPromptTokens, encodingForModel, type CountableMessage, type Encoding } from '../tokens/index.js';
import { EstimateError, type TokenAverage } from './estimator.js';

/**
 * Token averages from real prompts, counted the way the API counts them.
 *
 * A sample item is one request:
 * - a string: a prompt sent as one user message;
 * - an array: the request's `messages`;
 * - an object: a chat request (`messages`, optional `tools`) or `{prompt}`,
 *   optionally with the reply as `completion` (text) or `response` (text or a
 *   chat completion object), which gives the output average.
 * A text file holds one prompt per line; a JSONL file one item per line.
 */
export interface SampleCounts {
  requests: number;
  input: TokenAverage;
  /** Null when no item carried a reply. */
  output: TokenAverage | null;
  encoding: string;
}

interface ItemCount {
  input: number;
  output: number | null;
}

function isMessage(value: unknown): value is CountableMessage {
  return value !== null && typeof value === 'object' && typeof (value as { role?: unknown }).role === 'string';
}

function messagesOf(value: unknown, where: string): CountableMessage[] {
  if (!Array.isArray(value) || value.length === 0) throw new EstimateError(`${where}: messages must be a non-empty array`, 'sample');
  value.forEach((m, i) => {
    if (!isMessage(m)) throw new EstimateError(`${where}: messages[${i}] has no role`, 'sample');
  });
  return value as CountableMessage[];
}

function replyText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  const choices = (value as { choices?: unknown } | null)?.choices;
  if (!Array.isArray(choices)) return null;
  let text = '';
  for (const choice of choices) {
    const message = (choice as { message?: { content?: unknown } } | null)?.message;
    if (typeof message?.content === 'string') text += message.content;
  }
  return text;
}

function countItem(item: unknown, encoding: Encoding, where: string): ItemCount {
  if (typeof item === 'string') return { input: countChatPromptTokens([{ role: 'user', content: item }], encoding), output: null };
  if (Array.isArray(item)) return { input: countChatPromptTokens(messagesOf(item, where), encoding), output: null };
  if (item === null || typeof item !== 'object') throw new EstimateError(`${where}: expected a prompt string, a messages array or a chat request object`, 'sample');
  const record = item as Record<string, unknown>;
  let input: number;
  if ('messages' in record) input = countChatPromptTokens(messagesOf(record.messages, where), encoding, record.tools);
  else if (typeof record.prompt === 'string') input = countChatPromptTokens([{ role: 'user', content: record.prompt }], encoding);
  else throw new EstimateError(`${where}: a sample object needs 'messages' or 'prompt'`, 'sample');
  const reply = 'completion' in record ? replyText(record.completion) : 'response' in record ? replyText(record.response) : null;
  if (('completion' in record || 'response' in record) && reply === null) {
    throw new EstimateError(`${where}: the reply must be text or a chat completion object`, 'sample');
  }
  return { input, output: reply === null ? null : encoding.count(reply) };
}

/** Counts sample items (the API's `sample`, or parsed file lines). */
export function countSampleItems(items: readonly unknown[], model: string, where: (i: number) => string = (i) => `sample[${i}]`): SampleCounts {
  if (items.length === 0) throw new EstimateError('the sample holds no prompts', 'sample');
  const encoding = encodingForModel(model);
  let input = 0n;
  let output = 0n;
  let replies = 0n;
  items.forEach((item, i) => {
    const counted = countItem(item, encoding, where(i));
    input += BigInt(counted.input);
    if (counted.output !== null) {
      output += BigInt(counted.output);
      replies += 1n;
    }
  });
  return {
    requests: items.length,
    input: { total: input, count: BigInt(items.length) },
    output: replies > 0n ? { total: output, count: replies } : null,
    encoding: encoding.name,
  };
}

function looksLikeJsonLines(fileName: string, lines: string[]): boolean {
  if (/\.(jsonl|ndjson)$/i.test(fileName)) return true;
  const first = lines[0]?.trim() ?? '';
  if (!first.startsWith('{') && !first.startsWith('[')) return false;
  try {
    JSON.parse(first);
    return true;
  } catch {
    return false;
  }
}

/** A sample file: JSONL (by extension or content) or plain text, one prompt per line. */
export function countSampleFile(fileName: string, text: string, model: string): SampleCounts {
  const numbered = text.split(/\r?\n/).map((line, i) => ({ line, number: i + 1 })).filter((l) => l.line.trim() !== '');
  const lines = numbered.map((l) => l.line);
  if (!looksLikeJsonLines(fileName, lines)) return countSampleItems(lines, model, (i) => `${fileName}:${numbered[i]!.number}`);
  const items = numbered.map(({ line, number }) => {
    try {
      return JSON.parse(line) as unknown;
    } catch {
      throw new EstimateError(`${fileName}:${number}: not valid JSON`, 'sample');
    }
  });
  return countSampleItems(items, model, (i) => `${fileName}:${numbered[i]!.number}`);
}
