import { TollgateError } from '../../common/errors.js';
import { retryHeaders } from '../transport.js';
import { errorBodySchema } from './wire-types.js';

type Headers = Parameters<typeof retryHeaders>[0];

/** Anthropic's error `type` for bodies that come without a usable status (stream `error` events). */
const STATUS_OF_TYPE: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 529,
};

function describe(bodyText: string): { type: string | null; message: string } {
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(bodyText));
    if (parsed.success) return { type: parsed.data.error.type, message: parsed.data.error.message.slice(0, 1000) };
  } catch {
    // not JSON: fall through
  }
  return { type: null, message: bodyText.slice(0, 300) || 'no body' };
}

/**
 * An Anthropic error as Tollgate answers it (docs.claude.com/en/api/errors).
 * Client mistakes keep Anthropic's text; the gateway's own credentials
 * (401/403) are not the caller's fault: 502, not worth retrying on this
 * deployment (routing may move to another); 429, 500 and 529 stay
 * retryable so routing may retry or fall back; 529 is OpenAI's 503.
 */
export function mapAnthropicError(status: number, bodyText: string, headers: Headers, provider: string): TollgateError {
  const { type, message } = describe(bodyText);
  const context = { upstreamStatus: status, upstreamType: type, provider };
  const text = `Upstream ${provider} error: ${message}`;
  switch (status) {
    case 400:
      if (/prompt is too long|context window/i.test(message)) return new TollgateError('context_length_exceeded', { message: text, context });
      return new TollgateError('invalid_request', { message: text, context });
    case 401:
    case 403:
      return new TollgateError('upstream_error', { message: `The upstream provider ${provider} rejected the gateway's credentials.`, retryable: false, context });
    case 404:
      return new TollgateError('model_not_found', { message: text, context });
    case 413:
      return new TollgateError('request_too_large', { message: text, context });
    case 429:
      return new TollgateError('rate_limit_exceeded', { message: text, headers: retryHeaders(headers), retryable: true, context });
    case 503:
    case 529:
      return new TollgateError('overloaded', { message: text, headers: retryHeaders(headers), retryable: true, context });
    case 504:
      return new TollgateError('upstream_timeout', { message: text, context });
    default:
      if (status >= 400 && status < 500) return new TollgateError('invalid_request', { message: text, context });
      return new TollgateError('upstream_error', { message: text, status: status === 500 ? 500 : 502, retryable: true, context });
  }
}

/** A mid-stream `error` event (e.g. overloaded_error) mapped as its HTTP twin would be. */
export function mapErrorEvent(error: { type: string; message: string }, provider: string): TollgateError {
  const status = STATUS_OF_TYPE[error.type] ?? 500;
  return mapAnthropicError(status, JSON.stringify({ type: 'error', error }), {}, provider);
}
