import { TollgateError } from '../../common/errors.js';
import type { SseEvent } from '../../common/sse.js';
import type { ProviderConfig } from '../../config/index.js';
import type { ChatChunk, ChatCompletion, ChatRequest, CompletionsRequest, EmbeddingsRequest, EmbeddingsResult, TextCompletion } from '../../contract/index.js';
import type { CallContext, Deployment, Provider } from '../types.js';
import { createUpstreamHttp, primeStream } from '../transport.js';
import { mapUpstreamError } from './errors.js';


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
  const headers: Record<string, string> = { accept: 'application/json', ...config.headers };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  const http = createUpstreamHttp({
    provider: id,
    baseUrl: config.base_url ?? 'https://api.openai.com/v1',
    timeoutMs: config.timeout_ms,
    headers,
    mapError: (status, text, responseHeaders) => mapUpstreamError(status, text, responseHeaders, id),
  });
  const json = async <T>(path: string, body: unknown, ctx: CallContext): Promise<T> => (await http.json(await http.post(path, body, ctx), ctx)) as T;
  // The first event is awaited before the stream is handed over: an upstream that fails at once fails the call, which routing may retry.
  const stream = async (path: string, body: unknown, ctx: CallContext) => primeStream(parseStream(http.events(await http.post(path, body, ctx), ctx), id));

  return {
    id,
    kind: 'openai',
    async chat(request: ChatRequest, deployment: Deployment, ctx: CallContext): Promise<ChatCompletion> {
      const { stream_options: _omit, ...rest } = request;
      return json<ChatCompletion>('/chat/completions', { ...rest, model: deployment.model, stream: false }, ctx);
    },
    async chatStream(request: ChatRequest, deployment: Deployment, ctx: CallContext): Promise<AsyncIterable<ChatChunk>> {
      const body = { ...request, model: deployment.model, stream: true, stream_options: { ...request.stream_options, include_usage: true } };
      return stream('/chat/completions', body, ctx) as Promise<AsyncIterable<ChatChunk>>;
    },
    async completions(request: CompletionsRequest, deployment: Deployment, ctx: CallContext): Promise<TextCompletion> {
      const { stream_options: _omit, ...rest } = request;
      return json<TextCompletion>('/completions', { ...rest, model: deployment.model, stream: false }, ctx);
    },
    async completionsStream(request: CompletionsRequest, deployment: Deployment, ctx: CallContext): Promise<AsyncIterable<TextCompletion>> {
      const body = { ...request, model: deployment.model, stream: true, stream_options: { ...request.stream_options, include_usage: true } };
      return stream('/completions', body, ctx) as Promise<AsyncIterable<TextCompletion>>;
    },
    async embeddings(request: EmbeddingsRequest, deployment: Deployment, ctx: CallContext): Promise<EmbeddingsResult> {
      return json<EmbeddingsResult>('/embeddings', { ...request, model: deployment.model }, ctx);
    },
    close: () => http.close(),
  };
}

/** The upstream's SSE stream as typed chunks, up to `[DONE]`; an `error` frame throws. */
async function* parseStream(events: AsyncGenerator<SseEvent>, provider: string): AsyncGenerator<unknown> {
  try {
    for await (const event of events) {
      if (event.data === '[DONE]') return;
      let parsed: { error?: { message?: string } };
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
  } finally {
    // Stopping early (client gone) releases the upstream body too.
    await events.return(undefined);
  }
}
