import { TollgateError } from '../../common/errors.js';
import { retryHeaders } from '../transport.js';
import { errorBodySchema } from './wire-types.js';

type Headers = Parameters<typeof retryHeaders>[0];

interface Described {
  status: string | null;
  message: string;
  reasons: string[];
  retryDelayMs: number | null;
}

/** `RetryInfo.retryDelay` is a protobuf Duration in JSON: "34.4s". */
function durationMs(value: string | null | undefined): number | null {
  const match = /^(\d+(?:\.\d+)?)s$/.exec(value ?? '');
  return match ? Math.round(Number(match[1]) * 1000) : null;
}

function describe(bodyText: string): Described {
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(bodyText));
    if (parsed.success) {
      const { error } = parsed.data;
      const details = error.details ?? [];
      const retry = details.find((d) => d['@type']?.endsWith('google.rpc.RetryInfo'));
      return {
        status: error.status ?? null,
        message: (error.message ?? 'no message').slice(0, 1000),
        reasons: details.map((d) => d.reason).filter((r): r is string => typeof r === 'string'),
        retryDelayMs: durationMs(retry?.retryDelay),
      };
    }
  } catch {
    // not JSON: fall through
  }
  return { status: null, message: bodyText.slice(0, 300) || 'no body', reasons: [], retryDelayMs: null };
}

function isKeyProblem(status: number, d: Described): boolean {
  if (status === 401 || status === 403 || d.status === 'UNAUTHENTICATED' || d.status === 'PERMISSION_DENIED') return true;
  return d.reasons.some((r) => r.startsWith('API_KEY')) || /api key/i.test(d.message);
}

function rateHeaders(d: Described, headers: Headers): Record<string, string> {
  const out = retryHeaders(headers);
  if (d.retryDelayMs !== null) {
    out['retry-after-ms'] ??= String(d.retryDelayMs);
    out['retry-after'] ??= String(Math.ceil(d.retryDelayMs / 1000));
  }
  return out;
}

/**
 * A Gemini error `{error:{code,message,status,details}}` as Tollgate answers
 * it. Key and permission problems are the gateway's (502, the key never
 * echoed); RESOURCE_EXHAUSTED is a retryable 429 whose RetryInfo delay
 * becomes retry-after(-ms); UNAVAILABLE is a retryable 503.
 */
export function mapGeminiError(status: number, bodyText: string, headers: Headers, provider: string): TollgateError {
  const d = describe(bodyText);
  const context = { upstreamStatus: status, upstreamCode: d.status, provider };
  const text = `Upstream ${provider} error: ${d.message}`;
  if (isKeyProblem(status, d)) {
    return new TollgateError('upstream_error', { message: `The upstream provider ${provider} rejected the gateway's credentials.`, retryable: false, context });
  }
  if (status === 429 || d.status === 'RESOURCE_EXHAUSTED') {
    return new TollgateError('rate_limit_exceeded', { message: text, headers: rateHeaders(d, headers), retryable: true, context });
  }
  if (status === 503 || d.status === 'UNAVAILABLE') return new TollgateError('overloaded', { message: text, headers: rateHeaders(d, headers), retryable: true, context });
  if (status === 504 || d.status === 'DEADLINE_EXCEEDED') return new TollgateError('upstream_timeout', { message: text, context });
  if (status === 404) return new TollgateError('model_not_found', { message: text, context });
  if (status === 413) return new TollgateError('request_too_large', { message: text, context });
  if (d.status === 'FAILED_PRECONDITION') return new TollgateError('upstream_error', { message: text, retryable: false, context });
  if (status >= 400 && status < 500) {
    if (/token count.*exceeds|exceeds the maximum number of tokens/i.test(d.message)) return new TollgateError('context_length_exceeded', { message: text, context });
    return new TollgateError('invalid_request', { message: text, context });
  }
  return new TollgateError('upstream_error', { message: text, status: status === 500 ? 500 : 502, retryable: true, context });
}

/** An `{error: ...}` object inside a stream, mapped as its HTTP twin would be. */
export function mapStreamError(body: unknown, provider: string): TollgateError {
  const code = (body as { error?: { code?: unknown } }).error?.code;
  return mapGeminiError(typeof code === 'number' ? code : 500, JSON.stringify(body), {}, provider);
}
