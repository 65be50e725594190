import { TollgateError } from '../../common/errors.js';
import { requestedMaxTokens, stopSequences, type ChatRequest } from '../../contract/index.js';
import { checkFields, onlyNeutral, type FieldRule } from '../field-policy.js';
import { noConversation } from '../message-parts.js';
import { defaultMaxTokens, supportsStructuredOutputs } from './models.js';
import { translateMessages, UPSTREAM } from './messages.js';
import type { AnthropicRequest, AnthropicToolChoice } from './wire-types.js';

/** Name of the forced tool that carries `response_format: json_object` answers. */
export const JSON_OBJECT_TOOL = 'json';

const RULES: Record<string, FieldRule> = {
  model: 'translated',
  messages: 'translated',
  max_tokens: 'translated',
  max_completion_tokens: 'translated',
  stop: 'translated',
  stream: 'translated',
  stream_options: 'translated',
  top_p: 'translated',
  tools: 'translated',
  tool_choice: 'translated',
  parallel_tool_calls: 'translated',
  response_format: 'translated',
  user: 'translated',
  safety_identifier: 'translated',
  temperature: (value) => ((value as number) > 1 ? `${String(value)} is out of range (Anthropic accepts 0 to 1)` : null),
  n: (value) => (value === 1 ? null : 'above 1 is not supported (Anthropic returns one choice)'),
  frequency_penalty: onlyNeutral(0),
  presence_penalty: onlyNeutral(0),
  logit_bias: onlyNeutral({}),
  logprobs: onlyNeutral(false),
  top_logprobs: onlyNeutral(0),
  reasoning_effort: (value) => (value === 'none' ? null : `'${String(value)}' is not supported (only 'none')`),
  modalities: (value) => ((value as string[]).every((m) => m === 'text') ? null : "other than ['text'] is not supported"),
  service_tier: (value) => (value === 'auto' || value === 'default' ? null : `'${String(value)}' is not supported`),
  store: onlyNeutral(false),
  // Hints for OpenAI's own cache and stored completions: nothing to honour upstream.
  metadata: 'accepted',
  prompt_cache_key: 'accepted',
  prompt_cache_retention: 'accepted',
};

export interface AnthropicPlan {
  body: AnthropicRequest;
  /** Set when response_format is served by a forced tool: its call is the answer's content. */
  jsonTool: string | null;
}

function toolChoice(request: ChatRequest): AnthropicToolChoice | undefined {
  const choice = request.tool_choice;
  const serial = request.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined) return request.parallel_tool_calls === false && request.tools?.length ? { type: 'auto', ...serial } : undefined;
  if (choice === 'none') return { type: 'none' };
  if (choice === 'auto') return { type: 'auto', ...serial };
  if (choice === 'required') return { type: 'any', ...serial };
  if (choice.type === 'function') return { type: 'tool', name: choice.function.name, ...serial };
  throw new TollgateError('unsupported_value', { param: 'tool_choice', message: `Unsupported value: 'tool_choice' of type '${choice.type}' is not supported with this model (served by ${UPSTREAM}).` });
}

function tools(request: ChatRequest, model: string): AnthropicRequest['tools'] {
  const strictSupported = supportsStructuredOutputs(model);
  return request.tools?.map((tool, i) => {
    if (tool.type !== 'function') {
      throw new TollgateError('unsupported_value', { param: `tools[${i}].type`, message: `Unsupported value: custom tools are not supported with this model (served by ${UPSTREAM}).` });
    }
    const { name, description, parameters, strict } = tool.function;
    return {
      name,
      ...(description ? { description } : {}),
      input_schema: parameters ?? { type: 'object', properties: {} },
      ...(strict === true && strictSupported ? { strict: true } : {}),
    };
  });
}

type JsonOutput = { kind: 'native'; schema: Record<string, unknown> } | { kind: 'tool'; name: string; tool: NonNullable<AnthropicRequest['tools']>[number] };

/**
 * response_format on Anthropic: a strict json_schema (or one next to tools)
 * uses native structured outputs where the model has them; otherwise a
 * forced tool whose input is the answer, which every Claude model accepts.
 */
function jsonOutput(request: ChatRequest, model: string): JsonOutput | null {
  const format = request.response_format;
  if (!format || format.type === 'text') return null;
  const hasTools = Boolean(request.tools?.length);
  if (format.type === 'json_schema' && format.json_schema.schema && (format.json_schema.strict === true || hasTools) && supportsStructuredOutputs(model)) {
    return { kind: 'native', schema: format.json_schema.schema };
  }
  if (hasTools) {
    throw new TollgateError('unsupported_value', {
      param: 'response_format',
      message: `Unsupported value: 'response_format' together with 'tools' needs a 'json_schema' with a schema and a Claude 4.5 or later model (served by ${UPSTREAM}).`,
    });
  }
  if (format.type === 'json_object') {
    return { kind: 'tool', name: JSON_OBJECT_TOOL, tool: { name: JSON_OBJECT_TOOL, description: 'Respond with a JSON object.', input_schema: { type: 'object' } } };
  }
  const { name, description, schema } = format.json_schema;
  return { kind: 'tool', name, tool: { name, description: description ?? 'Respond with JSON that matches this schema.', input_schema: schema ?? { type: 'object' } } };
}

/** OpenAI chat request -> Anthropic Messages request, or a 400 naming what cannot be honoured. */
export function toAnthropicRequest(request: ChatRequest, model: string, stream: boolean): AnthropicPlan {
  checkFields(request, RULES, UPSTREAM);
  const { system, messages } = translateMessages(request.messages);
  if (messages.length === 0) throw noConversation(UPSTREAM);
  const body: AnthropicRequest = { model, max_tokens: requestedMaxTokens(request) ?? defaultMaxTokens(model), messages };
  if (system.length > 0) body.system = system;
  if (request.temperature != null) body.temperature = request.temperature;
  if (request.top_p != null) body.top_p = request.top_p;
  const stops = stopSequences(request);
  if (stops.length > 0) body.stop_sequences = stops;
  const user = request.safety_identifier ?? request.user;
  if (user) body.metadata = { user_id: user };
  const json = jsonOutput(request, model);
  if (json?.kind === 'tool') {
    body.tools = [json.tool];
    body.tool_choice = { type: 'tool', name: json.name };
  } else {
    if (json?.kind === 'native') body.output_config = { format: { type: 'json_schema', schema: json.schema } };
    const translatedTools = tools(request, model);
    if (translatedTools?.length) body.tools = translatedTools;
    const choice = toolChoice(request);
    if (choice) body.tool_choice = choice;
  }
  if (stream) body.stream = true;
  return { body, jsonTool: json?.kind === 'tool' ? json.name : null };
}
