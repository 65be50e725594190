import { TollgateError } from '../common/errors.js';

/** Helpers both translating providers need to read OpenAI chat messages. */

export interface DataUrl {
  mediaType: string;
  data: string;
}

/** `data:image/png;base64,AAAA` -> its media type and base64 payload; anything else -> null. */
export function parseDataUrl(url: string): DataUrl | null {
  const match = /^data:([a-z0-9.+-]+\/[a-z0-9.+-]+)(?:;[a-z0-9-]+=[^;,]*)*;base64,(.*)$/is.exec(url);
  if (!match) return null;
  return { mediaType: match[1]!.toLowerCase(), data: match[2]! };
}

export function isHttpUrl(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/** System, developer and tool content: a string or text parts. */
export function textOf(content: string | readonly { text: string }[]): string {
  return typeof content === 'string' ? content : content.map((part) => part.text).join('');
}

/**
 * An assistant tool call's `arguments` as the object upstreams want. Empty
 * means no arguments; anything but a JSON object is the caller's mistake.
 */
export function parseToolArguments(text: string, param: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TollgateError('invalid_value', { param, message: `Invalid '${param}': the tool call arguments are not valid JSON.` });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TollgateError('invalid_value', { param, message: `Invalid '${param}': the tool call arguments must be a JSON object.` });
  }
  return value as Record<string, unknown>;
}

export function unsupportedContent(param: string, what: string, upstream: string): TollgateError {
  return new TollgateError('unsupported_value', { param, message: `Unsupported value: ${what} is not supported with this model (served by ${upstream}).` });
}

/** Both upstreams need a conversation, not only instructions. */
export function noConversation(upstream: string): TollgateError {
  return new TollgateError('invalid_value', {
    param: 'messages',
    message: `Invalid 'messages': at least one user or assistant message with content is required with this model (served by ${upstream}).`,
  });
}
