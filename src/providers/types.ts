import type { ChatChunk, ChatCompletion, ChatRequest, CompletionsRequest, EmbeddingsRequest, EmbeddingsResult, TextCompletion } from '../contract/index.js';

/** Which upstream model a call goes to: the routing layer's choice. */
export interface Deployment {
  /** Provider id from config (`providers.<id>`), or `simulator`. */
  provider: string;
  /** The model name the upstream knows. */
  model: string;
  weight: number;
}

export interface CallContext {
  /** Aborts on client disconnect, on the attempt's deadline and on shutdown. */
  signal: AbortSignal;
  requestId: string;
  /** 1 for the first attempt of a request, 2 for its first retry, ... */
  attempt: number;
  /** The client's request headers (lower-case names); providers read only their own directives. */
  clientHeaders: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * One upstream, behind the OpenAI chat/embeddings contract. A provider
 * translates requests out and responses/streams back, and throws
 * TollgateError for upstream failures (with `retryable` set for the ones a
 * retry may cure). Streams resolve only once the upstream has accepted the
 * request, so failures before the first byte can still be retried.
 */
export interface Provider {
  readonly id: string;
  readonly kind: string;
  chat(request: ChatRequest, deployment: Deployment, ctx: CallContext): Promise<ChatCompletion>;
  chatStream(request: ChatRequest, deployment: Deployment, ctx: CallContext): Promise<AsyncIterable<ChatChunk>>;
  embeddings?(request: EmbeddingsRequest, deployment: Deployment, ctx: CallContext): Promise<EmbeddingsResult>;
  /** Legacy text completions, for upstreams that serve them natively (the prompt goes as it is, no chat template). */
  completions?(request: CompletionsRequest, deployment: Deployment, ctx: CallContext): Promise<TextCompletion>;
  completionsStream?(request: CompletionsRequest, deployment: Deployment, ctx: CallContext): Promise<AsyncIterable<TextCompletion>>;
  close?(): Promise<void>;
  /**
   * The prompt's exact token count, from a provider that tokenizes it anyway
   * (the simulator). Reservations for every other provider use a byte bound.
   */
  countPromptTokens?(request: ChatRequest, deployment: Deployment): number;
}
