import { ERRORS, type ErrorName } from './error-codes.js';

export interface TollgateErrorOptions {
  message?: string;
  param?: string | null;
  /** Extra response headers (retry-after, x-ratelimit-*, ...). */
  headers?: Record<string, string>;
  /** Whether a retry by the gateway (towards an upstream) may succeed. */
  retryable?: boolean;
  /** Internal details for logs; never sent to the client. */
  context?: Record<string, unknown>;
  /**
   * The failure was asked for by the caller (a fault drill through a request
   * header): retry it like any other, but it says nothing about the upstream's
   * health, so one client cannot open a circuit for everyone.
   */
  requestedByClient?: boolean;
  cause?: unknown;
  /** Overrides of the registry entry, for errors mapped from an upstream. */
  status?: number;
  type?: string;
  code?: string | null;
}

/**
 * The one error type domain code throws. It names an entry of the registry in
 * `error-codes.ts`; `toOpenAIError` turns it into OpenAI's envelope.
 */
export class TollgateError extends Error {
  override readonly name = 'TollgateError';
  readonly errorName: ErrorName;
  readonly status: number;
  readonly type: string;
  readonly code: string | null;
  readonly param: string | null;
  readonly headers: Record<string, string>;
  readonly retryable: boolean;
  readonly context: Record<string, unknown>;
  readonly requestedByClient: boolean;

  constructor(name: ErrorName, options: TollgateErrorOptions = {}) {
    const spec = ERRORS[name];
    super(options.message ?? spec.message, { cause: options.cause });
    this.errorName = name;
    this.status = options.status ?? spec.status;
    this.type = options.type ?? spec.type;
    this.code = options.code !== undefined ? options.code : spec.code;
    this.param = options.param ?? null;
    this.headers = options.headers ?? {};
    this.retryable = options.retryable ?? spec.retryable ?? false;
    this.context = options.context ?? {};
    this.requestedByClient = options.requestedByClient ?? false;
  }
}

export function isTollgateError(err: unknown): err is TollgateError {
  return err instanceof TollgateError;
}
