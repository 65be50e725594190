import { TollgateError } from '../../common/errors.js';
import { retryHeaders } from '../transport.js';

interface UpstreamErrorBody {
  error?: { message?: unknown; type?: unknown; param?: unknown; code?: unknown } | string;
  message?: unknown;
}


/** Reads what an OpenAI-compatible upstream said, without trusting its shape. */
function describe(text: string): { message: string; param: string | null; code: string | null } {
  try {
    const body = JSON.parse(text) as UpstreamErrorBody;
    const err = typeof body.error === 'object' && body.error !== null ? body.error : undefined;
    const message = typeof err?.message === 'string' ? err.message : typeof body.error === 'string' ? body.error : typeof body.message === 'string' ? body.message : text;
    return {
      message: message.slice(0, 1000),
      param: typeof err?.param === 'string' ? err.param : null,
      code: typeof err?.code === 'string' ? err.code : null,
    };
  } catch {
    return { message: text.slice(0, 300) || 'no body', param: null, code: null };
  }
}

/**
 * An upstream HTTP error as Tollgate answers it. Client mistakes keep their
 * status and the upstream's text; the upstream's own credential problems are
 * not the caller's fault and become 502; overload and rate limits stay
 * retryable so routing can retry or fall back.
 */
export function mapUpstreamError(status: number, bodyText: string, headers: Record<string, string | string[] | undefined>, provider: string): TollgateError {
  const { message, param, code } = describe(bodyText);
  const context = { upstreamStatus: status, provider };
  const text = `Upstream ${provider} error: ${message}`;
  if (status === 429) {
    if (code === 'insufficient_quota') return new TollgateError('upstream_error', { message: `${text} (the upstream account is out of quota)`, retryable: false, context });
    return new TollgateError('rate_limit_exceeded', { message: text, headers: retryHeaders(headers), retryable: true, context });
  }
  if (status === 401 || status === 403) {
    return new TollgateError('upstream_error', { message: `The upstream provider ${provider} rejected the gateway's credentials.`, retryable: false, context });
  }
  if (status === 404) return new TollgateError('model_not_found', { message: text, param, context });
  if (status === 408) return new TollgateError('upstream_timeout', { message: text, context });
  if (status === 413) return new TollgateError('request_too_large', { message: text, context });
  if (status >= 400 && status < 500 && status !== 409) {
    return new TollgateError('invalid_request', { message: text, param, code: code ?? null, status: 400, context });
  }
  if (status === 503 || status === 529) return new TollgateError('overloaded', { message: text, headers: retryHeaders(headers), retryable: true, context });
  if (status === 504) return new TollgateError('upstream_timeout', { message: text, context });
  return new TollgateError('upstream_error', { message: text, status: status === 500 ? 500 : 502, type: 'server_error', code: null, retryable: true, context });
}
