import { TollgateError } from '../../common/errors.js';
import { requestedMaxTokens, stopSequences, type ChatRequest } from '../../contract/index.js';
import { checkFields, onlyNeutral, type FieldRule } from '../field-policy.js';
import { noConversation } from '../message-parts.js';
import { translateMessages, UPSTREAM } from './messages.js';
import { thinkingConfig } from './thinking.js';
import type { GeminiGenerationConfig, GeminiRequest } from './wire-types.js';

const RULES: Record<string, FieldRule> = {
  model: 'translated',
  messages: 'translated',
  max_tokens: 'translated',
  max_completion_tokens: 'translated',
  temperature: 'translated',
  top_p: 'translated',
  n: 'translated',
  stop: 'translated',
  seed: 'translated',
  presence_penalty: 'translated',
  frequency_penalty: 'translated',
  response_format: 'translated',
  tools: 'translated',
  tool_choice: 'translated',
  stream: 'translated',
  stream_options: 'translated',
  reasoning_effort: 'translated',
  parallel_tool_calls: (value) => (value === true ? null : 'false is not supported (Gemini cannot turn off parallel function calls)'),
  logit_bias: onlyNeutral({}),
  logprobs: 'translated',
  top_logprobs: (value, request) => (value === 0 || request.logprobs === true ? null : "requires 'logprobs: true'"),
  modalities: (value) => ((value as string[]).every((m) => m === 'text') ? null : "other than ['text'] is not supported"),
  service_tier: (value) => (value === 'auto' || value === 'default' ? null : `'${String(value)}' is not supported`),
  store: onlyNeutral(false),
  // End-user ids and OpenAI cache/storage hints: Gemini has no field for them and no output depends on them.
  user: 'accepted',
  safety_identifier: 'accepted',
  metadata: 'accepted',
  prompt_cache_key: 'accepted',
  prompt_cache_retention: 'accepted',
};

function rejectValue(param: string, what: string): TollgateError {
  return new TollgateError('unsupported_value', { param, message: `Unsupported value: ${what} is not supported with this model (served by ${UPSTREAM}).` });
}

function generationConfig(request: ChatRequest, model: string): GeminiGenerationConfig | undefined {
  const config: GeminiGenerationConfig = {};
  if (request.temperature != null) config.temperature = request.temperature;
  if (request.top_p != null) config.topP = request.top_p;
  const max = requestedMaxTokens(request);
  if (max !== undefined) config.maxOutputTokens = max;
  const stops = stopSequences(request);
  if (stops.length > 0) config.stopSequences = stops;
  if (request.n != null) config.candidateCount = request.n;
  if (request.seed != null) config.seed = request.seed;
  if (request.presence_penalty != null) config.presencePenalty = request.presence_penalty;
  if (request.frequency_penalty != null) config.frequencyPenalty = request.frequency_penalty;
  if (request.logprobs === true) {
    config.responseLogprobs = true;
    if (request.top_logprobs) config.logprobs = request.top_logprobs;
  }
  const format = request.response_format;
  if (format?.type === 'json_object') config.responseMimeType = 'application/json';
  if (format?.type === 'json_schema') {
    config.responseMimeType = 'application/json';
    if (format.json_schema.schema) config.responseJsonSchema = format.json_schema.schema;
  }
  const thinking = thinkingConfig(request, model);
  if (thinking) config.thinkingConfig = thinking;
  return Object.keys(config).length > 0 ? config : undefined;
}

function tools(request: ChatRequest): GeminiRequest['tools'] {
  if (!request.tools?.length) return undefined;
  const functionDeclarations = request.tools.map((tool, i) => {
    if (tool.type !== 'function') throw rejectValue(`tools[${i}].type`, 'a custom tool');
    const { name, description, parameters } = tool.function;
    return { name, ...(description ? { description } : {}), ...(parameters ? { parametersJsonSchema: parameters } : {}) };
  });
  return [{ functionDeclarations }];
}

function toolConfig(request: ChatRequest): GeminiRequest['toolConfig'] {
  const choice = request.tool_choice;
  if (choice === undefined) return undefined;
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  if (choice.type === 'function') return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.function.name] } };
  if (choice.type === 'allowed_tools' && choice.allowed_tools.mode === 'required') {
    const names = choice.allowed_tools.tools.map((tool) => (tool as { function?: { name?: unknown } }).function?.name).filter((n): n is string => typeof n === 'string');
    return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: names } };
  }
  throw rejectValue('tool_choice', `a 'tool_choice' of type '${choice.type}'${choice.type === 'allowed_tools' ? " with mode 'auto'" : ''}`);
}

/** OpenAI chat request -> Gemini generateContent body, or a 400 naming what cannot be honoured. */
export function toGeminiRequest(request: ChatRequest, model: string): GeminiRequest {
  checkFields(request, RULES, UPSTREAM);
  const { systemInstruction, contents } = translateMessages(request.messages);
  if (contents.length === 0) throw noConversation(UPSTREAM);
  const body: GeminiRequest = { contents };
  if (systemInstruction) body.systemInstruction = systemInstruction;
  const config = generationConfig(request, model);
  if (config) body.generationConfig = config;
  const declared = tools(request);
  if (declared) body.tools = declared;
  const calling = toolConfig(request);
  if (calling) body.toolConfig = calling;
  return body;
}
