import type { ChatMessage } from '../../contract/index.js';
import { isHttpUrl, parseDataUrl, parseToolArguments, textOf, unsupportedContent } from '../message-parts.js';
import type { AnthropicRequestBlock, AnthropicRequestMessage } from './wire-types.js';

export const UPSTREAM = 'an Anthropic Messages API upstream';

type UserPart = Exclude<Extract<ChatMessage, { role: 'user' }>['content'], string>[number];
type AssistantMessage = Extract<ChatMessage, { role: 'assistant' }>;

export interface TranslatedMessages {
  system: { type: 'text'; text: string }[];
  messages: AnthropicRequestMessage[];
}

const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

function imageBlock(url: string, param: string): AnthropicRequestBlock {
  const data = parseDataUrl(url);
  if (data) {
    if (!IMAGE_TYPES.has(data.mediaType)) throw unsupportedContent(param, `an image of type '${data.mediaType}' (use JPEG, PNG, GIF or WebP)`, UPSTREAM);
    return { type: 'image', source: { type: 'base64', media_type: data.mediaType, data: data.data } };
  }
  if (isHttpUrl(url)) return { type: 'image', source: { type: 'url', url } };
  throw unsupportedContent(param, 'an image URL that is neither http(s) nor a base64 data URL', UPSTREAM);
}

function userPart(part: UserPart, param: string): AnthropicRequestBlock {
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.text };
    case 'image_url':
      return imageBlock(part.image_url.url, `${param}.image_url.url`);
    case 'file': {
      const data = part.file.file_data ? parseDataUrl(part.file.file_data) : null;
      if (data?.mediaType === 'application/pdf') return { type: 'document', source: { type: 'base64', media_type: data.mediaType, data: data.data } };
      throw unsupportedContent(`${param}.file`, 'a file other than a base64 PDF data URL in file_data', UPSTREAM);
    }
    case 'input_audio':
      throw unsupportedContent(`${param}.input_audio`, 'audio input', UPSTREAM);
  }
}

function assistantBlocks(message: AssistantMessage, param: string): AnthropicRequestBlock[] {
  if (message.function_call) throw unsupportedContent(`${param}.function_call`, "the deprecated 'function_call' (use 'tool_calls')", UPSTREAM);
  const blocks: AnthropicRequestBlock[] = [];
  const content = message.content;
  if (typeof content === 'string') {
    // Clients send "" next to tool calls; Anthropic rejects empty text blocks.
    if (content !== '') blocks.push({ type: 'text', text: content });
  } else if (Array.isArray(content)) {
    for (const part of content) {
      const text = part.type === 'text' ? part.text : part.refusal;
      if (text !== '') blocks.push({ type: 'text', text });
    }
  }
  message.tool_calls?.forEach((call, j) => {
    const input = parseToolArguments(call.function.arguments, `${param}.tool_calls[${j}].function.arguments`);
    blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input });
  });
  return blocks;
}

function blocksOf(message: ChatMessage, param: string): { role: 'user' | 'assistant'; blocks: AnthropicRequestBlock[] } {
  switch (message.role) {
    case 'user':
      if (typeof message.content === 'string') return { role: 'user', blocks: [{ type: 'text', text: message.content }] };
      return { role: 'user', blocks: message.content.map((part, j) => userPart(part, `${param}.content[${j}]`)) };
    case 'assistant':
      return { role: 'assistant', blocks: assistantBlocks(message, param) };
    case 'tool': {
      const content = typeof message.content === 'string' ? message.content : message.content.map((p) => ({ type: 'text' as const, text: p.text }));
      return { role: 'user', blocks: [{ type: 'tool_result', tool_use_id: message.tool_call_id, content }] };
    }
    default:
      throw unsupportedContent(`${param}.role`, `the '${message.role}' role`, UPSTREAM);
  }
}

/**
 * OpenAI messages -> Anthropic's `system` + alternating turns. System and
 * developer messages (wherever they stand) become the top-level system
 * prompt; tool results become `tool_result` blocks of a user turn; turns of
 * the same role are merged, as Anthropic wants them to alternate.
 */
export function translateMessages(input: readonly ChatMessage[]): TranslatedMessages {
  const system: { type: 'text'; text: string }[] = [];
  const messages: AnthropicRequestMessage[] = [];
  input.forEach((message, i) => {
    if (message.role === 'system' || message.role === 'developer') {
      system.push({ type: 'text', text: textOf(message.content) });
      return;
    }
    const { role, blocks } = blocksOf(message, `messages[${i}]`);
    if (blocks.length === 0) return;
    const last = messages[messages.length - 1];
    if (last && last.role === role) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  });
  return { system, messages };
}
