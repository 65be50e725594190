import { Pool, type Dispatcher } from 'undici';
import { TollgateError } from '../../common/errors.js';
import { decodeSse } from '../../common/sse.js';
import type { ProviderConfig } from '../../config/index.js';
import type { ChatChunk, ChatCompletion, ChatRequest, CompletionsRequest, EmbeddingsRequest, EmbeddingsResult, TextCompletion } from '../../contract/index.js';
import type { CallContext, Deployment, Provider } from '../types.js';
import { mapTransportError, mapUpstreamError } from './errors.js';

const MAX_ERROR_BODY = 64 * 1024;

export interface OpenAIProviderOptions {
  id: string;
  config: ProviderConfig;
  /** The upstream key, already resolved from config or environment. */
  apiKey?: string;
}

/**
 * OpenAI and every OpenAI-compatible upstream (DeepSeek, Ollama, vLLM, ...).
 * The request is forwarded as is (unknown fields included) with the upstream
 * model name; streams always ask for usage so every call can be metered.
 */
export function createOpenAIProvider(options: OpenAIProviderOptions): Provider {
  const { id, config, apiKey } = options;
  const base = new URL((config.base_url ?? 'https://api.openai.com/v1').replace(/\/+$/, ''));
  const basePath = base.pathname === '/' ? '' : base.pathname;
  // One keep-alive pool per upstream origin; paths are joined without re-parsing a URL per request.
  const dispatcher = new Pool(base.origin, { keepAliveTimeout: 30_000, connections: 256, headersTimeout: config.timeout_ms, bodyTimeout: config.timeout_ms });
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', ...config.headers };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;

  async function post(path: string, body: unknown, ctx: CallContext): Promise<Dispatcher.ResponseData> {
    let response: Dispatcher.ResponseData;
    try {
      response = await dispatcher.request({ path: `${basePath}${path}`, method: 'POST', headers, body: JSON.stringify(body), signal: ctx.signal });
    } catch (err) {
      throw mapTransportError(err, id, ctx.signal);
    }
    if (response.statusCode >= 200 && response.statusCode < 300) return response;
    const text = await readLimited(response.body);
    throw mapUpstreamError(response.statusCode, text, response.headers, id);
  }

  async function json<T>(response: Dispatcher.ResponseData, ctx: CallContext): Promise<T> {
    try {
      return (await response.body.json()) as T;
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      throw new TollgateError('upstream_error', { message: `The upstream provider ${id} sent a body that is not JSON.`, retryable: true, cause: err });
    }
  }

  return {
    id,
    kind: 'openai',
    async chat(request: ChatRequest, deployment: Deployment, ctx: CallContext): Promise<ChatCompletion> {
      const { stream_options: _omit, ...rest } = request;
      const response = await post('/chat/completions', { ...rest, model: deployment.model, stream: false }, ctx);
      return json<ChatCompletion>(response, ctx);
    },
    async chatStream(request: ChatRequest, deployment: Deployment, ctx: CallContext): Promise<AsyncIterable<ChatChunk>> {
      const body = { ...request, model: deployment.model, stream: true, stream_options: { ...request.stream_options, include_usage: true } };
      const response = await post('/chat/completions', body, ctx);
      return parseChatStream(response.body, id, ctx);
    },
    async completions(request: CompletionsRequest, deployment: Deployment, ctx: CallContext): Promise<TextCompletion> {
      const { stream_options: _omit, ...rest } = request;
      const response = await post('/completions', { ...rest, model: deployment.model, stream: false }, ctx);
      return json<TextCompletion>(response, ctx);
    },
    async completionsStream(request: CompletionsRequest, deployment: Deployment, ctx: CallContext): Promise<AsyncIterable<TextCompletion>> {
      const body = { ...request, model: deployment.model, stream: true, stream_options: { ...request.stream_options, include_usage: true } };
      const response = await post('/completions', body, ctx);
      return parseChatStream(response.body, id, ctx) as AsyncIterable<unknown> as AsyncIterable<TextCompletion>;
    },
    async embeddings(request: EmbeddingsRequest, deployment: Deployment, ctx: CallContext): Promise<EmbeddingsResult> {
      const response = await post('/embeddings', { ...request, model: deployment.model }, ctx);
      return json<EmbeddingsResult>(response, ctx);
    },
    close: () => dispatcher.close(),
  };
}

async function readLimited(body: Dispatcher.ResponseData['body']): Promise<string> {
  let text = '';
  for await (const chunk of body) {
    text += chunk.toString();
    if (text.length > MAX_ERROR_BODY) {
      body.destroy();
      break;
    }
  }
  return text;
}

/** The upstream's SSE stream as typed chunks; an `error` frame or a broken connection throws. */
async function* parseChatStream(body: Dispatcher.ResponseData['body'], provider: string, ctx: CallContext): AsyncGenerator<ChatChunk> {
  try {
    for await (const event of decodeSse(body)) {
      if (event.data === '[DONE]') return;
      let parsed: ChatChunk & { error?: { message?: string } };
      try {
        parsed = JSON.parse(event.data);
      } catch {
        throw new TollgateError('upstream_error', { message: `The upstream provider ${provider} sent a malformed stream event.` });
      }
      if (parsed.error) {
        throw new TollgateError('upstream_error', { message: `Upstream ${provider} error: ${String(parsed.error.message ?? 'stream failed')}` });
      }
      yield parsed;
    }
  } catch (err) {
    if (err instanceof TollgateError) throw err;
    throw mapTransportError(err, provider, ctx.signal);
  } finally {
    if (!body.destroyed) body.destroy();
  }
}
