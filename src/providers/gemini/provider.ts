import type { Clock } from '../../common/clock.js';
import { unixSeconds } from '../../common/clock.js';
import { TollgateError } from '../../common/errors.js';
import { newObjectId } from '../../common/ids.js';
import type { ProviderConfig } from '../../config/index.js';
import type { ChatChunk, ChatCompletion, ChatRequest, EmbeddingsRequest, EmbeddingsResult } from '../../contract/index.js';
import { encodingForModel } from '../../tokens/index.js';
import { createUpstreamHttp, malformedUpstream, primeStream, type UpstreamHttp } from '../transport.js';
import type { CallContext, Deployment, Provider } from '../types.js';
import { toBatchEmbedRequest, toEmbeddingsResult } from './embeddings.js';
import { mapGeminiError, mapStreamError } from './errors.js';
import { toGeminiRequest } from './request.js';
import { toChatCompletion, type ResponseContext } from './response.js';
import { createStreamTranslator } from './stream.js';
import { batchEmbedResponseSchema, generateResponseSchema } from './wire-types.js';

export interface GeminiProviderOptions {
  id: string;
  config: ProviderConfig;
  /** The upstream key, already resolved from config or environment. */
  apiKey?: string;
  clock: Clock;
}

/** `models/gemini-2.5-flash` and `gemini-2.5-flash` name the same model. */
function modelPath(model: string, method: string): string {
  return `/models/${encodeURIComponent(model.replace(/^models\//, ''))}:${method}`;
}

export const newCallId = (): string => newObjectId('call_');

/** Google's Gemini API (generateContent, streamGenerateContent, batchEmbedContents) behind the OpenAI contract. */
export function createGeminiProvider(options: GeminiProviderOptions): Provider {
  const { id, config, apiKey, clock } = options;
  const headers: Record<string, string> = { accept: 'application/json', ...config.headers };
  if (apiKey) headers['x-goog-api-key'] = apiKey;
  const http: UpstreamHttp = createUpstreamHttp({
    provider: id,
    baseUrl: config.base_url ?? 'https://generativelanguage.googleapis.com/v1beta',
    timeoutMs: config.timeout_ms,
    headers,
    mapError: (status, text, responseHeaders) => mapGeminiError(status, text, responseHeaders, id),
  });
  const fallbackId = () => newObjectId('chatcmpl-');

  const malformed = (what: string): TollgateError => malformedUpstream(id, what);

  const context = (deployment: Deployment): ResponseContext => ({ created: unixSeconds(clock.now()), model: deployment.model, newCallId, provider: id });

  async function* chunks(response: Awaited<ReturnType<UpstreamHttp['post']>>, deployment: Deployment, ctx: CallContext): AsyncGenerator<ChatChunk> {
    const translator = createStreamTranslator(context(deployment), fallbackId);
    for await (const event of http.events(response, ctx)) {
      let data: unknown;
      try {
        data = JSON.parse(event.data);
      } catch {
        throw malformed('a stream event');
      }
      if (data !== null && typeof data === 'object' && 'error' in data) throw mapStreamError(data, id);
      const parsed = generateResponseSchema.safeParse(data);
      if (!parsed.success) throw malformed('a stream event');
      yield* translator.push(parsed.data);
    }
    yield* translator.end();
  }

  return {
    id,
    kind: 'gemini',
    async chat(request: ChatRequest, deployment: Deployment, ctx: CallContext): Promise<ChatCompletion> {
      const response = await http.post(modelPath(deployment.model, 'generateContent'), toGeminiRequest(request, deployment.model), ctx);
      const parsed = generateResponseSchema.safeParse(await http.json(response, ctx));
      if (!parsed.success) throw malformed('a response');
      return toChatCompletion(parsed.data, context(deployment), fallbackId);
    },
    async chatStream(request: ChatRequest, deployment: Deployment, ctx: CallContext): Promise<AsyncIterable<ChatChunk>> {
      const response = await http.post(`${modelPath(deployment.model, 'streamGenerateContent')}?alt=sse`, toGeminiRequest(request, deployment.model), ctx);
      return primeStream(chunks(response, deployment, ctx));
    },
    async embeddings(request: EmbeddingsRequest, deployment: Deployment, ctx: CallContext): Promise<EmbeddingsResult> {
      const body = toBatchEmbedRequest(request, deployment.model.replace(/^models\//, ''));
      const response = await http.post(modelPath(deployment.model, 'batchEmbedContents'), body, ctx);
      const parsed = batchEmbedResponseSchema.safeParse(await http.json(response, ctx));
      if (!parsed.success || parsed.data.embeddings.length !== body.requests.length) throw malformed('embeddings');
      return toEmbeddingsResult(parsed.data, request, deployment.model, encodingForModel(deployment.model));
    },
    close: () => http.close(),
  };
}
