import type { z } from 'zod';
import { unixSeconds } from '../common/clock.js';
import { TollgateError } from '../common/errors.js';
import { newObjectId } from '../common/ids.js';
import {
  issueToError,
  responsesFunctionToolSchema,
  type ChatCompletion,
  type ChatMessage,
  type ChatRequest,
  type ChatTool,
  type ResponseObject,
  type ResponseOutputItem,
  type ResponsesContentPart,
  type ResponsesInputItem,
  type ResponsesRequest,
  type ResponsesUsage,
  type Usage,
} from '../contract/index.js';

/*
 * Responses API <-> chat completions. A request becomes one chat request
 * (instructions as the system message, items as messages and tool calls);
 * the chat answer becomes message and function_call output items.
 */

function unsupported(param: string, message: string): TollgateError {
  return new TollgateError('unsupported_parameter', { param, message: `Unsupported parameter: '${param}' ${message}` });
}

/** Fields outside the core that Tollgate cannot honour statelessly, refused by name. */
function refuseUnsupported(body: ResponsesRequest): void {
  const stateful = 'is not supported by Tollgate: responses are not stored. Send the whole conversation in `input`.';
  if (body.previous_response_id != null) throw unsupported('previous_response_id', stateful);
  if (body.conversation != null) throw unsupported('conversation', stateful);
  if (body.background) throw unsupported('background', 'is not supported by Tollgate: responses run in the foreground.');
  if (body.prompt != null) throw unsupported('prompt', 'is not supported by Tollgate: stored prompt templates are not available.');
  if (body.max_tool_calls != null) throw unsupported('max_tool_calls', 'is not supported by Tollgate: only function tools, called by your code, are available.');
  if (body.top_logprobs) throw unsupported('top_logprobs', 'is not supported on /v1/responses by Tollgate: use /v1/chat/completions with logprobs.');
  if (body.reasoning?.summary != null) throw unsupported('reasoning.summary', 'is not supported by Tollgate: reasoning summaries are not produced.');
}

function chatTools(body: ResponsesRequest): ChatTool[] | undefined {
  if (!body.tools) return undefined;
  return body.tools.map((tool, i) => {
    if (tool.type !== 'function') {
      throw new TollgateError('unsupported_parameter', {
        param: `tools[${i}].type`,
        message: `The tool type '${String(tool.type).slice(0, 64)}' is not supported by Tollgate: only function tools are available.`,
      });
    }
    const parsed = responsesFunctionToolSchema.safeParse(tool);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw issueToError({ ...issue, path: ['tools', i, ...issue.path] } as z.core.$ZodIssue, body);
    }
    const { name, description, parameters, strict } = parsed.data;
    return { type: 'function' as const, function: { name, ...(description != null ? { description } : {}), ...(parameters != null ? { parameters } : {}), ...(strict != null ? { strict } : {}) } };
  });
}

function partText(part: ResponsesContentPart): string {
  if (part.type === 'input_text' || part.type === 'output_text') return part.text;
  if (part.type === 'refusal') return part.refusal;
  return '';
}

type UserPart = Extract<ChatMessage, { role: 'user' }>['content'] extends infer C ? (C extends (infer P)[] ? P : never) : never;

function userPart(part: ResponsesContentPart, param: string): UserPart {
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', text: part.text };
    case 'input_image':
      if (!part.image_url) throw unsupported(`${param}.file_id`, 'is not supported by Tollgate: send images as `image_url` (an https or data URL).');
      return { type: 'image_url', image_url: { url: part.image_url, ...(part.detail ? { detail: part.detail } : {}) } };
    case 'input_file':
      if (part.file_url) throw unsupported(`${param}.file_url`, 'is not supported by Tollgate: send the file as `file_data`.');
      return { type: 'file', file: { ...(part.file_id ? { file_id: part.file_id } : {}), ...(part.file_data ? { file_data: part.file_data } : {}), ...(part.filename ? { filename: part.filename } : {}) } };
    case 'refusal':
      return { type: 'text', text: part.refusal };
  }
}

function messageFrom(item: Extract<ResponsesInputItem, { role: string }>, param: string): ChatMessage {
  const { role, content } = item;
  if (role === 'user') {
    return { role, content: typeof content === 'string' ? content : content.map((p, j) => userPart(p, `${param}.content[${j}]`)) };
  }
  const text = typeof content === 'string' ? content : content.map(partText).join('');
  if (typeof content !== 'string') {
    const j = content.findIndex((p) => p.type === 'input_image' || p.type === 'input_file');
    if (j >= 0) throw new TollgateError('invalid_value', { param: `${param}.content[${j}]`, message: `Invalid content for a '${role}' message: only text is accepted.` });
  }
  return { role, content: text } as ChatMessage;
}

/** `input` as chat messages: consecutive function calls join one assistant turn, their outputs become tool messages. */
function chatMessages(body: ResponsesRequest, lookup?: (id: string) => ResponseOutputItem | undefined): ChatMessage[] {
  const messages: ChatMessage[] = [];
  const addCall = (callId: string, name: string, args: string) => {
    const last = messages[messages.length - 1];
    const call = { id: callId, type: 'function' as const, function: { name, arguments: args } };
    if (last?.role === 'assistant') (last.tool_calls ??= []).push(call);
    else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
  };
  if (body.instructions) messages.push({ role: 'system', content: body.instructions });
  if (typeof body.input === 'string') {
    messages.push({ role: 'user', content: body.input });
    return messages;
  }
  body.input.forEach((item, i) => {
    const param = `input[${i}]`;
    if ('role' in item && item.type !== 'function_call' && item.type !== 'function_call_output') {
      messages.push(messageFrom(item as Extract<ResponsesInputItem, { role: string }>, param));
      return;
    }
    switch (item.type) {
      case 'function_call':
        addCall(item.call_id, item.name, item.arguments);
        return;
      case 'function_call_output': {
        const output = typeof item.output === 'string' ? item.output : item.output.map(partText).join('');
        messages.push({ role: 'tool', tool_call_id: item.call_id, content: output });
        return;
      }
      case 'reasoning':
        return;
      case 'item_reference': {
        const found = lookup?.(item.id);
        if (!found) {
          throw new TollgateError('invalid_value', {
            param,
            message: `Item with id '${item.id.slice(0, 64)}' not found. Tollgate does not store responses; it remembers recent output items for a while only. Send the item itself (with the AI SDK, set providerOptions.openai.store to false).`,
          });
        }
        if (found.type === 'function_call') addCall(found.call_id, found.name, found.arguments);
        else messages.push({ role: 'assistant', content: found.content.map((c) => (c.type === 'output_text' ? c.text : c.refusal)).join('') });
        return;
      }
    }
  });
  if (messages.every((m) => m.role === 'system' || m.role === 'developer')) {
    throw new TollgateError('invalid_value', { param: 'input', message: "Invalid 'input': it holds no user, assistant or tool item to answer." });
  }
  return messages;
}

function responseFormat(body: ResponsesRequest): ChatRequest['response_format'] {
  const format = body.text?.format;
  if (!format || format.type !== 'json_schema') return format;
  const { name, schema, description, strict } = format;
  return { type: 'json_schema', json_schema: { name, schema, ...(description ? { description } : {}), ...(strict != null ? { strict } : {}) } };
}

/** The Responses request as one chat request (checked for what only the Responses API has first). */
export function responsesToChat(body: ResponsesRequest, lookup?: (id: string) => ResponseOutputItem | undefined): ChatRequest {
  refuseUnsupported(body);
  const tools = chatTools(body);
  const chat: ChatRequest = { model: body.model, messages: chatMessages(body, lookup) };
  const set = <K extends keyof ChatRequest>(key: K, value: ChatRequest[K] | null | undefined) => {
    if (value !== undefined && value !== null) chat[key] = value;
  };
  set('tools', tools);
  set('tool_choice', typeof body.tool_choice === 'object' ? { type: 'function', function: { name: body.tool_choice.name } } : body.tool_choice);
  set('parallel_tool_calls', tools && tools.length > 0 ? body.parallel_tool_calls : undefined);
  set('max_completion_tokens', body.max_output_tokens);
  set('temperature', body.temperature);
  set('top_p', body.top_p);
  set('response_format', responseFormat(body));
  set('verbosity', body.text?.verbosity);
  set('reasoning_effort', body.reasoning?.effort);
  set('metadata', body.metadata);
  set('user', body.user);
  set('safety_identifier', body.safety_identifier);
  set('prompt_cache_key', body.prompt_cache_key);
  set('prompt_cache_retention', body.prompt_cache_retention);
  set('service_tier', body.service_tier);
  return chat;
}

export function responsesUsage(usage: Usage): ResponsesUsage {
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0, cache_write_tokens: usage.prompt_tokens_details?.cache_write_tokens ?? 0 },
    output_tokens: usage.completion_tokens,
    output_tokens_details: { reasoning_tokens: usage.completion_tokens_details?.reasoning_tokens ?? 0 },
    total_tokens: usage.total_tokens,
    ...(usage.cost_usd === undefined ? {} : { cost_usd: usage.cost_usd }),
  };
}

export function incompleteReason(finish: string | null): ResponseObject['incomplete_details'] {
  if (finish === 'length') return { reason: 'max_output_tokens' };
  if (finish === 'content_filter') return { reason: 'content_filter' };
  return null;
}

/** The response object around the output, echoing the request's settings as OpenAI does. */
export function responseShell(id: string, body: ResponsesRequest, model: string, createdAt: number): ResponseObject {
  return {
    id,
    object: 'response',
    created_at: createdAt,
    status: 'in_progress',
    completed_at: null,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model,
    output: [],
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: { effort: body.reasoning?.effort ?? null, summary: null },
    store: false,
    temperature: body.temperature ?? 1,
    text: { format: body.text?.format ?? { type: 'text' }, ...(body.text?.verbosity ? { verbosity: body.text.verbosity } : {}) },
    tool_choice: body.tool_choice ?? 'auto',
    tools: (body.tools ?? []).map(echoTool),
    top_p: body.top_p ?? 1,
    truncation: body.truncation ?? 'disabled',
    // OpenAI's document types `usage` and `user` as objects and strings: absent until known, or when not sent.
    ...(body.user !== undefined ? { user: body.user } : {}),
    metadata: body.metadata ?? {},
  };
}

/** A function tool as OpenAI echoes it: `strict` and `parameters` always present, null when not sent. */
function echoTool(tool: NonNullable<ResponsesRequest['tools']>[number]): unknown {
  return tool.type === 'function' ? { ...tool, parameters: tool.parameters ?? null, strict: tool.strict ?? null } : tool;
}

/** A chat completion as a finished response object. */
export function chatToResponse(completion: ChatCompletion, body: ResponsesRequest, usage: Usage, now: number): ResponseObject {
  const choice = completion.choices[0];
  const response = responseShell(newObjectId('resp_'), body, completion.model, completion.created);
  const output: ResponseOutputItem[] = [];
  const message = choice?.message;
  if (message && (message.content || message.refusal || !message.tool_calls?.length)) {
    const content: Extract<ResponseOutputItem, { type: 'message' }>['content'] = [];
    if (message.refusal) content.push({ type: 'refusal', refusal: message.refusal });
    if (message.content || !message.refusal) content.push({ type: 'output_text', text: message.content ?? '', annotations: [], logprobs: [] });
    output.push({ id: newObjectId('msg_'), type: 'message', status: 'completed', role: 'assistant', content });
  }
  for (const call of message?.tool_calls ?? []) {
    output.push({ id: newObjectId('fc_'), type: 'function_call', status: 'completed', call_id: call.id, name: call.function.name, arguments: call.function.arguments });
  }
  const incomplete = incompleteReason(choice?.finish_reason ?? null);
  return { ...response, status: incomplete ? 'incomplete' : 'completed', completed_at: unixSeconds(now), incomplete_details: incomplete, output, usage: responsesUsage(usage) };
}
