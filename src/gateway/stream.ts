import { Readable } from 'node:stream';
import { encodeData } from '../common/sse.js';
import { toOpenAIError } from '../common/openai-error.js';
import type { ChatChunk, Usage } from '../contract/index.js';

export interface StreamEnd {
  usage: Usage | null;
  error: unknown;
  /** The client went away before the stream ended. */
  aborted: boolean;
  timeToFirstTokenMs: number | null;
  /** Everything the model produced (text, refusals, tool names and arguments): counted when the upstream sent no usage. */
  completionText: string;
}

function deltaText(delta: ChatChunk['choices'][number]['delta']): string {
  let text = (delta.content ?? '') + (delta.refusal ?? '');
  for (const call of delta.tool_calls ?? []) text += (call.function?.name ?? '') + (call.function?.arguments ?? '');
  return text;
}

/** How an endpoint writes the upstream's chat chunks on the wire: SSE frames per chunk, at the end, and on failure. */
export interface WireFormat {
  chunk(chunk: ChatChunk): string[];
  done(): string[];
  error(err: unknown): string[];
}

export interface SseOptions {
  requestId: string;
  startedAt: number;
  signal: AbortSignal;
  now: () => number;
  /** The model every chunk reports, when it is not the upstream's (an alias keeps its name). */
  model?: string;
  onEnd(end: StreamEnd): void;
}

export interface ChatSseOptions extends SseOptions {
  includeUsage: boolean;
}

/**
 * Chat chunks out as SSE in an endpoint's wire format. A failure after the
 * first byte becomes the format's error frames, never a hang or a fake
 * success. Pulled by the socket, so a client that stops reading stops the
 * upstream too instead of growing a buffer.
 */
export function sseStream(source: AsyncIterable<ChatChunk>, wire: WireFormat, options: SseOptions): Readable {
  async function* frames(): AsyncGenerator<string> {
    let usage: Usage | null = null;
    let error: unknown = null;
    let firstTokenAt: number | null = null;
    let completionText = '';
    try {
      for await (const chunk of source) {
        if (chunk.usage) usage = chunk.usage;
        for (const choice of chunk.choices) completionText += deltaText(choice.delta);
        if (firstTokenAt === null && chunk.choices.length > 0) firstTokenAt = options.now();
        if (options.model !== undefined) chunk.model = options.model;
        yield* wire.chunk(chunk);
      }
      yield* wire.done();
    } catch (err) {
      error = err;
      if (!options.signal.aborted) yield* wire.error(err);
    } finally {
      options.onEnd({
        usage,
        error,
        aborted: options.signal.aborted,
        timeToFirstTokenMs: firstTokenAt === null ? null : firstTokenAt - options.startedAt,
        completionText,
      });
    }
  }
  return new CoalescingReadable(frames());
}

/**
 * A readable over an async iterator of SSE frames that writes every frame that
 * arrived within one turn of the event loop in a single chunk: an upstream
 * read holding twenty events becomes one socket write, not twenty. It pulls
 * only while the socket wants data, so a slow reader slows the upstream.
 */
class CoalescingReadable extends Readable {
  private pending = '';
  private flushScheduled = false;
  private pumping = false;
  private wanted = false;
  private static readonly MAX_PENDING = 64 * 1024;

  constructor(private readonly source: AsyncGenerator<string>) {
    super();
  }

  override _read(): void {
    this.wanted = true;
    if (!this.pumping) void this.pump();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.source.return(undefined).then(
      () => callback(err),
      () => callback(err),
    );
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.wanted && !this.destroyed) {
        const next = await this.source.next();
        if (next.done) {
          this.flush();
          this.push(null);
          return;
        }
        this.pending += next.value;
        if (this.pending.length >= CoalescingReadable.MAX_PENDING) this.flush();
        else if (!this.flushScheduled) {
          this.flushScheduled = true;
          setImmediate(() => this.flush());
        }
      }
    } catch (err) {
      this.destroy(err as Error);
    } finally {
      this.pumping = false;
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.pending === '' || this.destroyed) return;
    const text = this.pending;
    this.pending = '';
    if (!this.push(text)) this.wanted = false;
  }
}

/** The OpenAI error envelope as one `data:` frame, as chat and legacy completions streams end on failure. */
export function dataErrorFrame(err: unknown, requestId: string): string[] {
  return [encodeData(toOpenAIError(err, requestId).body)];
}

/**
 * The chat stream as OpenAI clients expect it: `data:` chunks, the usage
 * chunk only when asked for, `data: [DONE]`.
 */
export function chatWire(includeUsage: boolean, requestId: string): WireFormat {
  return {
    chunk(chunk) {
      if (includeUsage) {
        chunk.usage ??= null;
      } else {
        if (chunk.choices.length === 0) return [];
        delete chunk.usage;
      }
      return [encodeData(chunk)];
    },
    done: () => ['data: [DONE]\n\n'],
    error: (err) => dataErrorFrame(err, requestId),
  };
}

export function chatSse(source: AsyncIterable<ChatChunk>, options: ChatSseOptions): Readable {
  return sseStream(source, chatWire(options.includeUsage, options.requestId), options);
}
