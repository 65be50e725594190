import { Pool, type Dispatcher } from 'undici';
import { TollgateError } from '../common/errors.js';
import { decodeSse, type SseEvent } from '../common/sse.js';
import type { CallContext } from './types.js';

const MAX_ERROR_BODY = 64 * 1024;

type ResponseHeaders = Dispatcher.ResponseData['headers'];
type ResponseBody = Dispatcher.ResponseData['body'];

export interface UpstreamHttpOptions {
  /** Provider id from config, named in error messages. */
  provider: string;
  baseUrl: string;
  timeoutMs: number;
  /** Sent on every request (auth and version headers included). */
  headers: Record<string, string>;
  /** Turns a non-2xx answer into the error Tollgate returns. */
  mapError(status: number, bodyText: string, headers: ResponseHeaders): TollgateError;
}

/**
 * The thin HTTP layer under a translating provider: a keep-alive pool, the
 * call's abort signal, header/body timeouts, and upstream failures mapped
 * before any byte reaches the client. Translation stays in the provider.
 */
export interface UpstreamHttp {
  post(path: string, body: unknown, ctx: CallContext): Promise<Dispatcher.ResponseData>;
  json(response: Dispatcher.ResponseData, ctx: CallContext): Promise<unknown>;
  /** The response body as SSE events; transport failures are mapped, the body is always released. */
  events(response: Dispatcher.ResponseData, ctx: CallContext): AsyncGenerator<SseEvent>;
  close(): Promise<void>;
}

export function createUpstreamHttp(options: UpstreamHttpOptions): UpstreamHttp {
  const { provider, timeoutMs } = options;
  const base = new URL(options.baseUrl.replace(/\/+$/, ''));
  const basePath = base.pathname === '/' ? '' : base.pathname;
  // One keep-alive pool per upstream origin; paths are joined without parsing a URL per request.
  const dispatcher = new Pool(base.origin, { keepAliveTimeout: 30_000, connections: 256, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const headers = { 'content-type': 'application/json', ...options.headers };

  return {
    async post(path, body, ctx) {
      let response: Dispatcher.ResponseData;
      try {
        response = await dispatcher.request({ path: `${basePath}${path}`, method: 'POST', headers, body: JSON.stringify(body), signal: ctx.signal });
      } catch (err) {
        throw mapTransportError(err, provider, ctx.signal, base.origin);
      }
      if (response.statusCode >= 200 && response.statusCode < 300) return response;
      const text = await readLimited(response.body).catch(() => '');
      throw options.mapError(response.statusCode, text, response.headers);
    },
    async json(response, ctx) {
      try {
        return await response.body.json();
      } catch (err) {
        if (!(err instanceof SyntaxError)) throw mapTransportError(err, provider, ctx.signal, base.origin);
        throw new TollgateError('upstream_error', { message: `The upstream provider ${provider} sent a body that is not JSON.`, retryable: true, cause: err });
      }
    },
    async *events(response, ctx) {
      const body = response.body;
      try {
        // Not destroyed when the reader stops early (at [DONE], or on an error): see finishBody.
        yield* decodeSse(body.iterator({ destroyOnReturn: false }));
      } catch (err) {
        if (err instanceof TollgateError) throw err;
        throw mapTransportError(err, provider, ctx.signal, base.origin);
      } finally {
        finishBody(body, ctx.signal);
      }
    },
    close: () => dispatcher.close(),
  };
}

/** What an upstream may still send after the reader stopped, before its connection is cut. */
const AFTER_END_BYTES = 64 * 1024;
const AFTER_END_MS = 5_000;

/**
 * A stream's reader stops at its end marker ([DONE], message_stop), usually
 * just before the body's own end (the last bytes of the chunked encoding).
 * Destroying the body there would abort the request and cost the pooled
 * connection; instead the rest is read and dropped, so the connection goes
 * back to the pool. A client that left (aborted signal) cuts it at once, and
 * so does an upstream that goes on sending or does not finish.
 */
function finishBody(body: ResponseBody, signal: AbortSignal): void {
  if (body.destroyed || body.readableEnded) return;
  body.on('error', () => {});
  if (signal.aborted) {
    body.destroy();
    return;
  }
  let extra = 0;
  const timer = setTimeout(() => body.destroy(), AFTER_END_MS);
  timer.unref();
  body.once('close', () => clearTimeout(timer));
  body.on('data', (chunk: Buffer) => {
    extra += chunk.length;
    if (extra > AFTER_END_BYTES) body.destroy();
  });
}

async function readLimited(body: ResponseBody): Promise<string> {
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

/** `retry-after` and `retry-after-ms` as the upstream sent them, for routing and the client. */
export function retryHeaders(headers: ResponseHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['retry-after', 'retry-after-ms']) {
    const value = headers[name];
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

/**
 * Waits for a stream's first item before handing it over, so an upstream
 * that accepts the request and then fails at once (Anthropic's
 * overloaded_error as the first event, Gemini's error object) fails the call
 * itself, which routing may still retry, instead of the client's stream.
 */
export async function primeStream<T>(source: AsyncGenerator<T>): Promise<AsyncIterable<T>> {
  const first = await source.next();
  return {
    async *[Symbol.asyncIterator]() {
      try {
        if (first.done) return;
        yield first.value;
        yield* source;
      } finally {
        await source.return(undefined);
      }
    },
  };
}

/** What went wrong on the way to an upstream, in words a client can act on (never a secret: no URL, no header). */
function unreachableReason(code: string): string {
  if (code === 'ECONNREFUSED') return 'the connection was refused (nothing listens at its address)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') return 'its host name was not found (DNS)';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED') return 'the connection was closed before an answer';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'its address cannot be reached from this network';
  if (code === 'EPROTO' || /CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) return `the TLS handshake failed (${code})`;
  return code ? `the connection failed (${code})` : 'the connection failed';
}

/**
 * Network failures (refused, reset, DNS, TLS, timeouts) as retryable gateway
 * errors that say what happened; aborts pass through. The upstream's origin
 * goes to the log (context), not to the client.
 */
export function mapTransportError(err: unknown, provider: string, signal: AbortSignal, origin?: string): unknown {
  if (signal.aborted) return signal.reason ?? err;
  const code = transportCode(err);
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new TollgateError('upstream_timeout', { message: `The upstream provider ${provider} did not answer in time.`, context: { code, origin } });
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') {
    return new TollgateError('upstream_timeout', { message: `The upstream provider ${provider} could not be reached: connecting timed out.`, context: { code, origin } });
  }
  return new TollgateError('upstream_error', {
    message: `Could not reach the upstream provider ${provider}: ${unreachableReason(code)}.`,
    status: 502,
    retryable: true,
    context: { code, origin },
    cause: err,
  });
}

/** The error code of a network failure, looking through undici's wrappers (`cause`, AggregateError). */
function transportCode(err: unknown): string {
  let current = err as { code?: unknown; cause?: unknown; errors?: unknown[] } | undefined;
  for (let depth = 0; current && depth < 4; depth++) {
    if (typeof current.code === 'string' && current.code !== 'UND_ERR') return current.code;
    current = (current.cause ?? current.errors?.[0]) as typeof current;
  }
  return '';
}

/** An upstream answer (a body, an event) that could not be read: retryable, it may be transient. */
export function malformedUpstream(provider: string, what: string): TollgateError {
  return new TollgateError('upstream_error', { message: `The upstream provider ${provider} sent ${what} Tollgate could not read.`, retryable: true });
}
