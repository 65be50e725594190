import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TollgateError } from '../common/errors.js';
import {
  attributionOf,
  chatRequestSchema,
  embeddingInputs,
  embeddingsRequestSchema,
  parseRequest,
  requestedMaxTokens,
  type ChatChunk,
  type ChatCompletion,
  type ChatRequest,
  type Usage,
} from '../contract/index.js';
import type { KeyPrincipal } from '../control/index.js';
import type { CatalogueModel, ModelType, RouteCall } from '../routing/index.js';
import { chatPromptTokenBound, countChatPromptTokens, encodingForModel } from '../tokens/index.js';
import type { CallOutcome, Ticket } from './admission.js';
import type { GatewayDeps } from './deps.js';
import { costHeader, invoke, reportedModel, routingHeaders, withCost, type Invocation, type InvokeOptions } from './invoke.js';
import { requireChatCapabilities } from './capabilities.js';
import { mayUseModel, requireModelAccess } from './model-access.js';
import { authorize } from './scopes.js';
import { chatWire, sseStream, type WireFormat } from './stream.js';

/*
 * The hot path, as a list of named steps:
 *   authenticate (onRequest hook) -> authorize -> parse -> resolve -> estimate
 *   -> admit -> call -> respond -> settle.
 * Settling returns the exact cost: non-streamed responses carry it in
 * `x-tollgate-cost-usd`, streams in the usage chunk (`usage.cost_usd`).
 */

/** Output cap assumed when a request sets none: the model's, else a conservative default. */
const DEFAULT_MAX_OUTPUT = 4096;

export function principalOf(request: FastifyRequest): KeyPrincipal {
  if (!request.principal) throw new TollgateError('missing_api_key');
  return request.principal;
}

export function resolveModel(deps: GatewayDeps, principal: KeyPrincipal, name: string, type: ModelType): CatalogueModel {
  const model = deps.catalogue.resolve(name);
  if (!model) {
    throw new TollgateError('model_not_found', { param: 'model', message: `The model \`${name.slice(0, 200)}\` does not exist or you do not have access to it.` });
  }
  requireModelAccess(principal, model, name);
  if (model.type !== type) {
    const what = type === 'chat' ? 'chat completions' : 'embeddings';
    throw new TollgateError('invalid_value', { param: 'model', message: `The model \`${name}\` does not support ${what}.` });
  }
  return model;
}

/**
 * What a chat request reserves: the prompt's tokens bounded from its UTF-8 bytes
 * (no tokenizer on the request's path; a provider that counts exactly anyway,
 * the simulator, gives its count), plus the output cap.
 */
export function estimateChat(deps: GatewayDeps, body: ChatRequest, model: CatalogueModel): { promptTokens: number; maxOutputTokens: number } {
  const first = model.deployments[0]!;
  const promptTokens = deps.providers.get(first.provider)?.countPromptTokens?.(body, first) ?? chatPromptTokenBound(body.messages, body.tools);
  const maxOutputTokens = (requestedMaxTokens(body) ?? model.maxOutputTokens ?? DEFAULT_MAX_OUTPUT) * (body.n ?? 1);
  return { promptTokens, maxOutputTokens };
}

/** A chat prompt's exact tokens in the upstream model's encoding: only for usage an upstream did not send. */
export function countedPromptTokens(body: Pick<ChatRequest, 'messages' | 'tools'>, upstreamModel: string): number {
  return countChatPromptTokens(body.messages, encodingForModel(upstreamModel), body.tools);
}

export function countedUsage(promptTokens: number, completionText: string, upstreamModel: string): Usage {
  const completion = encodingForModel(upstreamModel).count(completionText);
  return { prompt_tokens: promptTokens, completion_tokens: completion, total_tokens: promptTokens + completion };
}

export function completionTextOf(completion: ChatCompletion): string {
  let text = '';
  for (const { message } of completion.choices) {
    text += (message.content ?? '') + (message.refusal ?? '');
    for (const call of message.tool_calls ?? []) text += call.function.name + call.function.arguments;
  }
  return text;
}

/** Aborts when the client disconnects before the response is complete. */
export function clientSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  // 'close' before the response finished = the client went away (or the socket broke).
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new TollgateError('invalid_request', { message: 'client closed the connection' }));
  });
  return controller.signal;
}

export function outcomeOf(deps: GatewayDeps, startedAt: number, fields: Partial<CallOutcome>): CallOutcome {
  return {
    status: 'ok',
    usage: null,
    usageEstimated: false,
    deployment: null,
    errorCode: null,
    httpStatus: 200,
    latencyMs: deps.clock.now() - startedAt,
    timeToFirstTokenMs: null,
    ...fields,
  };
}

export function failure(err: unknown, signal: AbortSignal): Partial<CallOutcome> {
  if (signal.aborted) return { status: 'aborted', httpStatus: 499, errorCode: 'client_closed' };
  const e = err instanceof TollgateError ? err : null;
  return { status: 'error', httpStatus: e?.status ?? 500, errorCode: e?.code ?? e?.errorName ?? 'server_error' };
}

export async function chatCompletions(deps: GatewayDeps, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const principal = principalOf(request);
  authorize(principal, 'chat.completions');
  const body = parseRequest(chatRequestSchema, request.body);
  if (body.stream_options && !body.stream) {
    throw new TollgateError('invalid_value', { param: 'stream_options', message: "The 'stream_options' parameter is only allowed when 'stream' is enabled." });
  }
  if (body.top_logprobs != null && body.logprobs !== true) {
    throw new TollgateError('invalid_value', { param: 'top_logprobs', message: "Invalid 'top_logprobs': 'logprobs' must be set to true when 'top_logprobs' is used." });
  }
  const model = resolveModel(deps, principal, body.model, 'chat');
  requireChatCapabilities(model, body);
  request.modelName = model.name;
  const estimate = estimateChat(deps, body, model);
  const startedAt = deps.clock.now();
  const ticket = await deps.admission.admit({ principal, model, endpoint: 'chat.completions', requestId: request.id, attribution: attributionOf(body), ...estimate });
  reply.headers(ticket.headers);
  const signal = clientSignal(reply);
  const invokeOptions = chatInvokeOptions(deps, request, model, body, signal, startedAt);

  if (body.stream) return streamChat(deps, reply, body, ticket, invokeOptions, startedAt, (upstreamModel) => countedPromptTokens(body, upstreamModel));

  return (await completeChat(deps, reply, ticket, invokeOptions, body, startedAt)).completion;
}

/**
 * A non-streamed chat call: invoke, then settle the ticket exactly once, on
 * failure as on success, with the upstream's usage or the counted one.
 */
export async function completeChat(
  deps: GatewayDeps,
  reply: FastifyReply,
  ticket: Ticket,
  options: InvokeOptions,
  body: ChatRequest,
  startedAt: number,
): Promise<{ completion: ChatCompletion; usage: Usage }> {
  let done;
  try {
    done = await invoke(options, (provider, deployment, ctx) => provider.chat(body, deployment, ctx));
  } catch (err) {
    ticket.settle(outcomeOf(deps, startedAt, failure(err, options.signal)));
    throw err;
  }
  routingHeaders(reply, done, done.result.model);
  done.result.model = reportedModel(body.model, done) ?? done.result.model;
  const usage = done.result.usage ?? countedUsage(countedPromptTokens(body, done.deployment.model), completionTextOf(done.result), done.deployment.model);
  costHeader(reply, ticket.settle(outcomeOf(deps, startedAt, { usage, usageEstimated: !done.result.usage, deployment: done.deployment })));
  return { completion: done.result, usage };
}

/** Options for routing a chat request: fallback models must offer what the request uses. */
export function chatInvokeOptions(deps: GatewayDeps, request: FastifyRequest, model: CatalogueModel, body: ChatRequest, signal: AbortSignal, startedAt: number): InvokeOptions {
  const principal = principalOf(request);
  const accepts = (candidate: CatalogueModel) => {
    if (!mayUseModel(principal, candidate)) return false;
    try {
      requireChatCapabilities(candidate, body);
      return true;
    } catch {
      return false;
    }
  };
  return { router: deps.router, model, requestId: request.id, clientHeaders: request.headers, signal, startedAt, accepts };
}

/**
 * Opens the upstream stream through the router (retries happen only before
 * the first byte), then writes it in the endpoint's wire format and settles
 * the ticket when it ends, however it ends.
 */
export async function streamChat(
  deps: GatewayDeps,
  reply: FastifyReply,
  body: ChatRequest,
  ticket: Ticket,
  invokeOptions: InvokeOptions,
  startedAt: number,
  /** The prompt's tokens, counted only when the upstream sends no usage. */
  promptTokens: (upstreamModel: string) => number,
  wire: (served: Invocation<unknown>) => WireFormat = () => chatWire(body.stream_options?.include_usage === true, invokeOptions.requestId),
  open: RouteCall<AsyncIterable<ChatChunk>> = (provider, deployment, ctx) => provider.chatStream(body, deployment, ctx),
): Promise<unknown> {
  let opened;
  try {
    opened = await invoke(invokeOptions, open);
  } catch (err) {
    ticket.settle(outcomeOf(deps, startedAt, failure(err, invokeOptions.signal)));
    throw err;
  }
  deps.metrics.streamsInFlight.inc();
  const deployment = opened.deployment;
  const stream = sseStream(withCost(opened.result, (usage) => ticket.price(usage, deployment)), wire(opened), {
    requestId: invokeOptions.requestId,
    startedAt,
    signal: invokeOptions.signal,
    now: deps.clock.now,
    model: reportedModel(body.model, opened),
    onEnd: (end) => {
      deps.metrics.streamsInFlight.dec();
      const fields: Partial<CallOutcome> = end.error || end.aborted ? failure(end.error, invokeOptions.signal) : {};
      // No usage from the upstream (aborted, broken, or a provider that sends none): count what was sent.
      const usage = end.usage ?? countedUsage(promptTokens(deployment.model), end.completionText, deployment.model);
      ticket.settle(outcomeOf(deps, startedAt, { ...fields, usage, usageEstimated: end.usage === null, deployment, timeToFirstTokenMs: end.timeToFirstTokenMs }));
    },
  });
  routingHeaders(reply, opened);
  reply.header('content-type', 'text/event-stream; charset=utf-8');
  reply.header('cache-control', 'no-cache');
  reply.header('x-accel-buffering', 'no');
  disconnectStalledReader(reply.raw, deps.streamStallTimeoutMs);
  return reply.send(stream);
}

/**
 * Back-pressure holds the upstream back for a client that stops reading; one
 * that also keeps its connection open would then hold the stream, an upstream
 * connection and its reservation until shutdown. Once the socket has taken no
 * data for `timeoutMs` while some was waiting, the connection is closed: that
 * is a client going away (the upstream is aborted, the request settles as
 * aborted with the tokens already sent).
 */
function disconnectStalledReader(res: ServerResponse, timeoutMs: number): void {
  let flowingAt = performance.now();
  const timer = setInterval(
    () => {
      const now = performance.now();
      if (!res.writableNeedDrain) flowingAt = now;
      else if (now - flowingAt >= timeoutMs) {
        clearInterval(timer);
        res.destroy();
      }
    },
    Math.min(1000, Math.max(25, timeoutMs / 4)),
  );
  timer.unref();
  res.once('close', () => clearInterval(timer));
}

export async function embeddings(deps: GatewayDeps, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const principal = principalOf(request);
  authorize(principal, 'embeddings');
  const body = parseRequest(embeddingsRequestSchema, request.body);
  const model = resolveModel(deps, principal, body.model, 'embeddings');
  request.modelName = model.name;
  const encoding = encodingForModel(model.deployments[0]!.model);
  const promptTokens = embeddingInputs(body.input).reduce<number>((sum, input) => sum + (typeof input === 'string' ? encoding.count(input) : input.length), 0);
  const startedAt = deps.clock.now();
  const ticket = await deps.admission.admit({ principal, model, endpoint: 'embeddings', requestId: request.id, promptTokens, maxOutputTokens: 0, attribution: attributionOf(body) });
  reply.headers(ticket.headers);
  const signal = clientSignal(reply);
  let done;
  try {
    const accepts = (candidate: CatalogueModel) => mayUseModel(principal, candidate);
    done = await invoke({ router: deps.router, model, requestId: request.id, clientHeaders: request.headers, signal, startedAt, accepts }, (provider, deployment, ctx) => {
      if (!provider.embeddings) throw new TollgateError('invalid_value', { param: 'model', message: `The model \`${model.name}\` does not support embeddings.` });
      return provider.embeddings(body, deployment, ctx);
    });
  } catch (err) {
    ticket.settle(outcomeOf(deps, startedAt, failure(err, signal)));
    throw err;
  }
  routingHeaders(reply, done, done.result.model);
  done.result.model = reportedModel(body.model, done) ?? done.result.model;
  const usage: Usage = { prompt_tokens: done.result.usage.prompt_tokens, completion_tokens: 0, total_tokens: done.result.usage.total_tokens };
  costHeader(reply, ticket.settle(outcomeOf(deps, startedAt, { usage, deployment: done.deployment })));
  return done.result;
}

function modelObject(model: CatalogueModel): Record<string, unknown> {
  return { id: model.name, object: 'model', created: model.created, owned_by: model.ownedBy };
}

/** The models the caller may use: the project's and the key's model permissions filter the list. */
export async function listModels(deps: GatewayDeps, request: FastifyRequest): Promise<unknown> {
  const principal = principalOf(request);
  authorize(principal, 'models.read');
  return { object: 'list', data: deps.catalogue.list().filter((m) => mayUseModel(principal, m)).map(modelObject) };
}

export async function retrieveModel(deps: GatewayDeps, request: FastifyRequest): Promise<unknown> {
  const principal = principalOf(request);
  authorize(principal, 'models.read');
  const id = (request.params as { model: string }).model;
  const model = deps.catalogue.list().find((m) => m.name === id && mayUseModel(principal, m));
  if (!model) throw new TollgateError('model_not_found', { param: 'model', message: `The model '${id.slice(0, 200)}' does not exist` });
  return modelObject(model);
}
