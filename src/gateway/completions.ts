import type { FastifyReply, FastifyRequest } from 'fastify';
import { unixSeconds } from '../common/clock.js';
import { TollgateError } from '../common/errors.js';
import { newObjectId } from '../common/ids.js';
import { encodeData } from '../common/sse.js';
import {
  attributionOf,
  chatRequestSchema,
  completionPrompts,
  completionsRequestSchema,
  parseRequest,
  type ChatChunk,
  type ChatCompletion,
  type ChatRequest,
  type CompletionsRequest,
  type TextCompletion,
  type TextCompletionChoice,
  type Usage,
} from '../contract/index.js';
import type { CatalogueModel } from '../routing/index.js';
import { encodingForModel } from '../tokens/index.js';
import type { GatewayDeps } from './deps.js';
import { costHeader, invoke, reportedModel, routingHeaders, type Invocation } from './invoke.js';
import type { RouteCall } from '../routing/index.js';
import { chatInvokeOptions, clientSignal, countedUsage, failure, outcomeOf, principalOf, resolveModel, streamChat } from './pipeline.js';
import { authorize } from './scopes.js';
import { requireChatCapabilities } from './capabilities.js';
import { dataErrorFrame, type WireFormat } from './stream.js';

/*
 * POST /v1/completions, the legacy text endpoint, served by translating each
 * prompt into a one-message chat request: the same admit -> invoke -> settle
 * steps as chat, and text_completion objects and chunks on the way back.
 */

/** OpenAI's default output cap for this endpoint. */
const LEGACY_MAX_TOKENS = 16;

function unsupported(param: string, what: string): TollgateError {
  return new TollgateError('unsupported_parameter', { param, message: `Unsupported parameter: '${param}' ${what}` });
}

/** Fields a chat upstream has no equivalent for are refused by name rather than dropped. */
function checkTranslatable(body: CompletionsRequest): void {
  if ((body.best_of ?? 1) > 1) throw unsupported('best_of', 'is not supported by Tollgate: request n completions instead.');
  if (body.suffix != null && body.suffix !== '') throw unsupported('suffix', 'is not supported by Tollgate (insertion is not available through chat models).');
  if (body.logprobs != null && body.logprobs > 0) throw unsupported('logprobs', 'is not supported on /v1/completions by Tollgate: use /v1/chat/completions with logprobs.');
  if (body.max_tokens === 0 && !body.echo) throw new TollgateError('invalid_value', { param: 'max_tokens', message: "Invalid 'max_tokens': 0 is only allowed together with 'echo'." });
  if (body.stream_options && !body.stream) {
    throw new TollgateError('invalid_value', { param: 'stream_options', message: "The 'stream_options' parameter is only allowed when 'stream' is enabled." });
  }
}

function promptTexts(body: CompletionsRequest, model: CatalogueModel): string[] {
  const encoding = encodingForModel(model.deployments[0]!.model);
  return completionPrompts(body.prompt).map((prompt, i) => {
    if (typeof prompt === 'string') return prompt;
    try {
      return encoding.decode(prompt);
    } catch {
      throw new TollgateError('invalid_value', { param: `prompt[${i}]`, message: `Invalid 'prompt': the token array holds ids that ${encoding.name} does not have.` });
    }
  });
}

/** One prompt as a chat request; extra fields pass through, so the result is checked as any chat request is. */
function toChat(body: CompletionsRequest, prompt: string): ChatRequest {
  const { prompt: _p, echo: _e, best_of: _b, suffix: _s, logprobs: _l, max_tokens, ...rest } = body;
  return parseRequest(chatRequestSchema, { ...rest, messages: [{ role: 'user', content: prompt }], max_tokens: Math.max(1, max_tokens ?? LEGACY_MAX_TOKENS) });
}

function legacyFinish(reason: string | null): TextCompletionChoice['finish_reason'] {
  if (reason === null) return null;
  return reason === 'length' || reason === 'content_filter' ? reason : 'stop';
}

function addUsage(total: Usage, usage: Usage): Usage {
  return { prompt_tokens: total.prompt_tokens + usage.prompt_tokens, completion_tokens: total.completion_tokens + usage.completion_tokens, total_tokens: total.total_tokens + usage.total_tokens };
}

export async function completions(deps: GatewayDeps, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const principal = principalOf(request);
  authorize(principal, 'completions');
  const body = parseRequest(completionsRequestSchema, request.body);
  checkTranslatable(body);
  const model = resolveModel(deps, principal, body.model, 'chat');
  request.modelName = model.name;
  const prompts = promptTexts(body, model);
  if (body.stream && prompts.length > 1) throw new TollgateError('invalid_value', { param: 'prompt', message: 'Streaming supports one prompt per request: send the prompts as separate requests.' });
  const chats = prompts.map((p) => toChat(body, p));
  requireChatCapabilities(model, chats[0]!);
  const encoding = encodingForModel(model.deployments[0]!.model);
  const promptTokens = prompts.reduce((sum, p) => sum + encoding.count(p), 0);
  const maxOutputTokens = (body.max_tokens ?? LEGACY_MAX_TOKENS) * (body.n ?? 1) * prompts.length;
  const startedAt = deps.clock.now();
  const ticket = await deps.admission.admit({ principal, model, endpoint: 'completions', requestId: request.id, promptTokens, maxOutputTokens, attribution: attributionOf(body) });
  reply.headers(ticket.headers);
  const signal = clientSignal(reply);
  const options = chatInvokeOptions(deps, request, model, chats[0]!, signal, startedAt);
  const id = newObjectId('cmpl-');

  if (body.stream) {
    // Upstreams with a native endpoint get the request as it is (no chat template, their own echo).
    const open: RouteCall<AsyncIterable<ChatChunk>> = async (provider, deployment, ctx) =>
      provider.completionsStream ? asChatChunks(await provider.completionsStream({ ...body, stream: true }, deployment, ctx)) : provider.chatStream({ ...chats[0]!, stream: true }, deployment, ctx);
    const native = (served: Invocation<unknown>) => deps.providers.get(served.deployment.provider)?.completionsStream !== undefined;
    return streamChat(deps, reply, { ...chats[0]!, stream: true }, ticket, options, startedAt, () => promptTokens, (served) =>
      legacyWire(id, body.stream_options?.include_usage === true, body.echo && !native(served) ? prompts[0]! : null, request.id), open,
    );
  }

  let done;
  try {
    done = await invoke(options, (provider, deployment, ctx) =>
      provider.completions ? provider.completions(body, deployment, ctx) : translated(body, chats, prompts, id, (chat) => provider.chat(chat, deployment, ctx)),
    );
  } catch (err) {
    ticket.settle(outcomeOf(deps, startedAt, failure(err, signal)));
    throw err;
  }
  routingHeaders(reply, done, done.result.model);
  const counted = done.result.usage ?? countedUsage(promptTokens, done.result.choices.map((c) => c.text).join(''), done.deployment.model);
  costHeader(reply, ticket.settle(outcomeOf(deps, startedAt, { usage: counted, usageEstimated: !done.result.usage, deployment: done.deployment })));
  return { ...done.result, id, model: reportedModel(body.model, done) ?? done.result.model, usage: counted };
}

/** Every prompt as its own chat call on the chosen deployment, gathered into one text completion. */
async function translated(body: CompletionsRequest, chats: ChatRequest[], prompts: string[], id: string, call: (chat: ChatRequest) => Promise<ChatCompletion>): Promise<TextCompletion> {
  const results = await Promise.all(chats.map(call));
  const n = body.n ?? 1;
  const choices: TextCompletionChoice[] = results.flatMap((result, p) =>
    result.choices.map((c) => ({ text: (body.echo ? prompts[p]! : '') + (c.message.content ?? ''), index: p * n + c.index, logprobs: null, finish_reason: legacyFinish(c.finish_reason) })),
  );
  const usages = results.map((r) => r.usage);
  const usage = usages.every((u) => u !== undefined) ? (usages as Usage[]).reduce(addUsage, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }) : null;
  const first = results[0]!;
  return { id, object: 'text_completion', created: first.created, model: first.model, system_fingerprint: first.system_fingerprint ?? null, choices, usage };
}

/** A native text_completion stream in chat-chunk form, so one writer (legacyWire) serves both paths. */
async function* asChatChunks(source: AsyncIterable<TextCompletion>): AsyncGenerator<ChatChunk> {
  for await (const chunk of source) {
    yield {
      id: chunk.id,
      object: 'chat.completion.chunk',
      created: chunk.created,
      model: chunk.model,
      choices: (chunk.choices ?? []).map((c) => ({ index: c.index, delta: { content: c.text ?? '' }, finish_reason: c.finish_reason === null ? null : legacyFinish(c.finish_reason) })),
      ...(chunk.usage ? { usage: chunk.usage } : {}),
    };
  }
}

/** Chat chunks as `text_completion` chunks; the echoed prompt opens each choice. */
function legacyWire(id: string, includeUsage: boolean, echo: string | null, requestId: string): WireFormat {
  const started = new Set<number>();
  return {
    chunk(chunk: ChatChunk) {
      const base = { id, object: 'text_completion', created: chunk.created ?? unixSeconds(Date.now()), model: chunk.model };
      const frames: string[] = [];
      const choices = chunk.choices
        .map((c) => {
          let text = c.delta.content ?? '';
          if (echo !== null && !started.has(c.index)) {
            started.add(c.index);
            text = echo + text;
          }
          return { text, index: c.index, logprobs: null, finish_reason: legacyFinish(c.finish_reason) };
        })
        .filter((c) => c.text !== '' || c.finish_reason !== null);
      if (choices.length > 0) frames.push(encodeData({ ...base, choices, ...(includeUsage ? { usage: null } : {}) }));
      if (includeUsage && chunk.usage) frames.push(encodeData({ ...base, choices: [], usage: chunk.usage }));
      return frames;
    },
    done: () => ['data: [DONE]\n\n'],
    error: (err) => dataErrorFrame(err, requestId),
  };
}
