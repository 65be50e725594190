import { TollgateError } from './errors.js';
import { ERRORS } from './error-codes.js';

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface ShapedError {
  status: number;
  body: OpenAIErrorBody;
  headers: Record<string, string>;
}

/** Fastify's own errors that carry a client mistake, mapped to our registry. */
function fromFastifyError(err: { code?: string; statusCode?: number; message?: string }): TollgateError | null {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new TollgateError('invalid_json');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new TollgateError('request_too_large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new TollgateError('unsupported_media_type');
    case 'FST_ERR_BAD_URL':
      return new TollgateError('invalid_url');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new TollgateError('uri_too_long');
    default:
      break;
  }
  // secure-json-parse and other body parser failures arrive as plain 400s.
  if (err.statusCode === 400 && /JSON/i.test(err.message ?? '')) return new TollgateError('invalid_json');
  return null;
}

/**
 * PostgreSQL refuses a NUL character in text (22021) or in JSON (22P05) where
 * SQLite stores it. Inputs are checked before they reach the store
 * (`server/text-inputs.ts`); should one slip through, it is still the
 * client's 400 and not a 500.
 */
const STORE_TEXT_ERRORS = new Set(['22021', '22P05']);

function fromStoreError(err: { code?: unknown }): TollgateError | null {
  if (typeof err.code !== 'string' || !STORE_TEXT_ERRORS.has(err.code)) return null;
  return new TollgateError('invalid_value', { message: 'Invalid value: text may not contain the NUL character (\\u0000).' });
}

/**
 * The single place where any error becomes OpenAI's `{error:{message,type,param,code}}`.
 * Unknown errors never leak their message: the client gets a generic text and
 * the request id to quote.
 */
export function toOpenAIError(err: unknown, requestId: string): ShapedError {
  const known =
    err instanceof TollgateError
      ? err
      : (fromFastifyError((err ?? {}) as { code?: string; statusCode?: number; message?: string }) ?? fromStoreError((err ?? {}) as { code?: unknown }));
  if (known) {
    return {
      status: known.status,
      body: { error: { message: known.message, type: known.type, param: known.param, code: known.code } },
      headers: known.headers,
    };
  }
  const spec = ERRORS.server_error;
  return {
    status: spec.status,
    body: {
      error: {
        message: `${spec.message} (Please include the request ID ${requestId} if you contact support.)`,
        type: spec.type,
        param: null,
        code: null,
      },
    },
    headers: {},
  };
}
