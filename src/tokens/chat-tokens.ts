import type { Encoding } from './tokenizer.js';

/** The parts of a chat message that count towards prompt tokens. */
export interface CountableMessage {
  role: string;
  content?: unknown;
  name?: string;
  tool_calls?: { function?: { name?: string; arguments?: string } }[];
  tool_call_id?: string;
}

const PER_MESSAGE = 3;
const PER_NAME = 1;
const REPLY_PRIMER = 3;
const FUNC_INIT = 7;
const FUNC_END = 12;

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) {
    if (part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string') text += (part as { text: string }).text;
  }
  return text;
}

/** Images are billed by the upstream; as an estimate use the low-detail base cost per image. */
const IMAGE_TOKENS = 85;

function imageCount(content: unknown): number {
  if (!Array.isArray(content)) return 0;
  return content.filter((p) => p && typeof p === 'object' && (p as { type?: string }).type === 'image_url').length;
}

/**
 * Prompt tokens of a chat request by OpenAI's published recipe: 3 per message
 * for the framing, the encoded fields, 1 per `name`, 3 for the reply primer.
 * Matches the API's `prompt_tokens` for text messages; tool definitions and
 * images are estimates.
 */
export function countChatPromptTokens(messages: readonly CountableMessage[], encoding: Encoding, tools?: unknown): number {
  let total = REPLY_PRIMER;
  for (const message of messages) {
    total += PER_MESSAGE + encoding.count(message.role);
    total += encoding.count(contentText(message.content));
    total += imageCount(message.content) * IMAGE_TOKENS;
    if (message.name) total += PER_NAME + encoding.count(message.name);
    for (const call of message.tool_calls ?? []) {
      total += encoding.count(call.function?.name ?? '') + encoding.count(call.function?.arguments ?? '');
    }
  }
  if (Array.isArray(tools) && tools.length > 0) total += countToolTokens(tools, encoding);
  return total;
}

/**
 * An upper bound of `countChatPromptTokens` without a tokenizer: a token is at
 * least one byte of UTF-8, so a text's byte length bounds its token count
 * (the same recipe, with bytes for tokens). Reservations need no more.
 */
export function chatPromptTokenBound(messages: readonly CountableMessage[], tools?: unknown): number {
  let total = REPLY_PRIMER;
  for (const message of messages) {
    total += PER_MESSAGE + Buffer.byteLength(message.role);
    total += Buffer.byteLength(contentText(message.content));
    total += imageCount(message.content) * IMAGE_TOKENS;
    if (message.name) total += PER_NAME + Buffer.byteLength(message.name);
    for (const call of message.tool_calls ?? []) {
      total += Buffer.byteLength(call.function?.name ?? '') + Buffer.byteLength(call.function?.arguments ?? '');
    }
  }
  if (Array.isArray(tools) && tools.length > 0) total += toolTokenBound(tools);
  return total;
}

/** Tool definitions as the model sees them (OpenAI cookbook's approximation). */
function countToolTokens(tools: unknown[], encoding: Encoding): number {
  let total = 0;
  for (const tool of tools) {
    const fn = (tool as { function?: { name?: string; description?: string; parameters?: unknown } }).function;
    if (!fn) continue;
    total += FUNC_INIT + encoding.count(`${fn.name ?? ''}:${(fn.description ?? '').replace(/\.$/, '')}`);
    if (fn.parameters) total += encoding.count(JSON.stringify(fn.parameters));
  }
  return total + FUNC_END;
}

function toolTokenBound(tools: unknown[]): number {
  let total = 0;
  for (const tool of tools) {
    const fn = (tool as { function?: { name?: string; description?: string; parameters?: unknown } }).function;
    if (!fn) continue;
    total += FUNC_INIT + Buffer.byteLength(`${fn.name ?? ''}:${fn.description ?? ''}`);
    if (fn.parameters) total += Buffer.byteLength(JSON.stringify(fn.parameters));
  }
  return total + FUNC_END;
}
