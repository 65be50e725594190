import { TollgateError } from '../../common/errors.js';
import type { ChatMessage } from '../../contract/index.js';
import { isHttpUrl, parseDataUrl, parseToolArguments, textOf, unsupportedContent } from '../message-parts.js';
import type { GeminiContent, GeminiRequestPart } from './wire-types.js';

export const UPSTREAM = 'a Gemini API upstream';

/**
 * Gemini 3 requires the thought signature of a function call it made to come
 * back with that call. OpenAI tool calls cannot carry it, so replayed calls
 * carry the value Google documents for history it did not produce.
 */
export const REPLAYED_CALL_SIGNATURE = 'skip_thought_signature_validator';

type UserPart = Exclude<Extract<ChatMessage, { role: 'user' }>['content'], string>[number];
type AssistantMessage = Extract<ChatMessage, { role: 'assistant' }>;

const MIME_BY_EXTENSION: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
};

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '';
  }
}

function urlPart(url: string, param: string): GeminiRequestPart {
  const data = parseDataUrl(url);
  if (data) return { inlineData: { mimeType: data.mediaType, data: data.data } };
  if (!isHttpUrl(url) && !url.startsWith('gs://')) throw unsupportedContent(param, 'a URL that is neither http(s), gs:// nor a base64 data URL', UPSTREAM);
  const extension = /\.([a-z0-9]+)$/i.exec(pathOf(url))?.[1]?.toLowerCase();
  const mimeType = extension ? MIME_BY_EXTENSION[extension] : undefined;
  // fileData needs a MIME type; guessing one would be rewriting the input.
  if (!mimeType) throw unsupportedContent(param, 'an image URL without a known file extension (use a base64 data URL)', UPSTREAM);
  return { fileData: { mimeType, fileUri: url } };
}

function userPart(part: UserPart, param: string): GeminiRequestPart {
  switch (part.type) {
    case 'text':
      return { text: part.text };
    case 'image_url':
      return urlPart(part.image_url.url, `${param}.image_url.url`);
    case 'input_audio':
      return { inlineData: { mimeType: part.input_audio.format === 'wav' ? 'audio/wav' : 'audio/mp3', data: part.input_audio.data } };
    case 'file': {
      const data = part.file.file_data ? parseDataUrl(part.file.file_data) : null;
      if (data) return { inlineData: { mimeType: data.mediaType, data: data.data } };
      throw unsupportedContent(`${param}.file`, 'a file other than a base64 data URL in file_data', UPSTREAM);
    }
  }
}

function assistantParts(message: AssistantMessage, param: string): GeminiRequestPart[] {
  if (message.function_call) throw unsupportedContent(`${param}.function_call`, "the deprecated 'function_call' (use 'tool_calls')", UPSTREAM);
  const parts: GeminiRequestPart[] = [];
  const content = message.content;
  if (typeof content === 'string') {
    if (content !== '') parts.push({ text: content });
  } else if (Array.isArray(content)) {
    for (const part of content) {
      const text = part.type === 'text' ? part.text : part.refusal;
      if (text !== '') parts.push({ text });
    }
  }
  message.tool_calls?.forEach((call, j) => {
    const args = parseToolArguments(call.function.arguments, `${param}.tool_calls[${j}].function.arguments`);
    parts.push({ functionCall: { name: call.function.name, args }, ...(j === 0 ? { thoughtSignature: REPLAYED_CALL_SIGNATURE } : {}) });
  });
  return parts;
}

export interface TranslatedContents {
  systemInstruction: { parts: { text: string }[] } | undefined;
  contents: GeminiContent[];
}

/**
 * OpenAI messages -> Gemini contents. System and developer messages become
 * `systemInstruction`; assistant turns are `model` turns; tool results are
 * `functionResponse` parts of a user turn, named by the function they answer
 * (Gemini keys results by name, so the names come from the assistant's
 * tool_calls); consecutive turns of one role are merged.
 */
export function translateMessages(input: readonly ChatMessage[]): TranslatedContents {
  const system: { text: string }[] = [];
  const contents: GeminiContent[] = [];
  const toolNames = new Map<string, string>();
  input.forEach((message, i) => {
    const param = `messages[${i}]`;
    let role: GeminiContent['role'];
    let parts: GeminiRequestPart[];
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push({ text: textOf(message.content) });
        return;
      case 'user':
        role = 'user';
        parts = typeof message.content === 'string' ? [{ text: message.content }] : message.content.map((part, j) => userPart(part, `${param}.content[${j}]`));
        break;
      case 'assistant':
        for (const call of message.tool_calls ?? []) toolNames.set(call.id, call.function.name);
        role = 'model';
        parts = assistantParts(message, param);
        break;
      case 'tool': {
        const name = toolNames.get(message.tool_call_id);
        if (!name) {
          throw new TollgateError('invalid_value', {
            param: `${param}.tool_call_id`,
            message: `Invalid '${param}.tool_call_id': no earlier assistant message has a tool call with id '${message.tool_call_id.slice(0, 100)}'.`,
          });
        }
        role = 'user';
        parts = [{ functionResponse: { name, response: { content: textOf(message.content) } } }];
        break;
      }
      default:
        throw unsupportedContent(`${param}.role`, `the '${message.role}' role`, UPSTREAM);
    }
    if (parts.length === 0) return;
    const last = contents[contents.length - 1];
    if (last && last.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  });
  return { systemInstruction: system.length > 0 ? { parts: system } : undefined, contents };
}
