import type { Clock } from '../../common/clock.js';
import { unixSeconds } from '../../common/clock.js';
import { TollgateError } from '../../common/errors.js';
import type { ProviderConfig } from '../../config/index.js';
import type { ChatChunk, ChatCompletion, ChatRequest } from '../../contract/index.js';
import { createUpstreamHttp, malformedUpstream, primeStream, type UpstreamHttp } from '../transport.js';
import type { CallContext, Deployment, Provider } from '../types.js';
import { mapAnthropicError } from './errors.js';
import { toAnthropicRequest } from './request.js';
import { toChatCompletion } from './response.js';
import { createStreamTranslator } from './stream.js';
import { messageSchema, streamEventSchema } from './wire-types.js';

export const ANTHROPIC_VERSION = '2023-06-01';

const KNOWN_EVENTS = new Set<string>(streamEventSchema.options.map((option) => option.shape.type.value));

export interface AnthropicProviderOptions {
  id: string;
  config: ProviderConfig;
  /** The upstream key, already resolved from config or environment. */
  apiKey?: string;
  clock: Clock;
}

/** Anthropic's Messages API behind the OpenAI chat contract. Anthropic has no embeddings. */
export function createAnthropicProvider(options: AnthropicProviderOptions): Provider {
  const { id, config, apiKey, clock } = options;
  const headers: Record<string, string> = { accept: 'application/json', 'anthropic-version': ANTHROPIC_VERSION, ...config.headers };
  if (apiKey) headers['x-api-key'] = apiKey;
  const http: UpstreamHttp = createUpstreamHttp({
    provider: id,
    baseUrl: config.base_url ?? 'https://api.anthropic.com/v1',
    timeoutMs: config.timeout_ms,
    headers,
    mapError: (status, text, responseHeaders) => mapAnthropicError(status, text, responseHeaders, id),
  });

  const malformed = (what: string): TollgateError => malformedUpstream(id, what);

  async function* chunks(response: Awaited<ReturnType<UpstreamHttp['post']>>, jsonTool: string | null, ctx: CallContext): AsyncGenerator<ChatChunk> {
    const translator = createStreamTranslator({ created: unixSeconds(clock.now()), jsonTool }, id);
    for await (const event of http.events(response, ctx)) {
      let data: unknown;
      try {
        data = JSON.parse(event.data);
      } catch {
        throw malformed('a stream event');
      }
      const parsed = streamEventSchema.safeParse(data);
      if (parsed.success) {
        yield* translator.push(parsed.data);
        continue;
      }
      // Event types added after this translator was written are skipped, as Anthropic asks clients to.
      if (!KNOWN_EVENTS.has((data as { type?: unknown } | null)?.type as string)) continue;
      throw malformed(`a '${String((data as { type: string }).type)}' event`);
    }
    translator.end();
  }

  return {
    id,
    kind: 'anthropic',
    async chat(request: ChatRequest, deployment: Deployment, ctx: CallContext): Promise<ChatCompletion> {
      const plan = toAnthropicRequest(request, deployment.model, false);
      const response = await http.post('/messages', plan.body, ctx);
      const parsed = messageSchema.safeParse(await http.json(response, ctx));
      if (!parsed.success) throw malformed('a message');
      return toChatCompletion(parsed.data, { created: unixSeconds(clock.now()), jsonTool: plan.jsonTool });
    },
    async chatStream(request: ChatRequest, deployment: Deployment, ctx: CallContext): Promise<AsyncIterable<ChatChunk>> {
      const plan = toAnthropicRequest(request, deployment.model, true);
      const response = await http.post('/messages', plan.body, ctx);
      return primeStream(chunks(response, plan.jsonTool, ctx));
    },
    close: () => http.close(),
  };
}
