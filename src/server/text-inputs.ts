import type { FastifyRequest } from 'fastify';
import { TollgateError } from '../common/errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The body is text for a model, passed on to the provider and never
     * stored: a NUL character in it is the client's business, not ours.
     */
    modelInput?: boolean;
  }
}

const NUL = '\u0000';

/** The path of the first string (or object key) holding a NUL character, as `a.b[2]`; null when there is none. */
export function nulPath(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes(NUL) ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulPath(value[i], `${path}[${i}]`);
      if (found !== null) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      const child = path === '' ? key : `${path}.${key}`;
      if (key.includes(NUL)) return child;
      const found = nulPath(inner, child);
      if (found !== null) return found;
    }
  }
  return null;
}

/**
 * PostgreSQL cannot hold a NUL character in text, SQLite can: left alone, the
 * same request would be stored on one and answer 500 on the other. Every text
 * input (path parameters, query parameters, bodies) gets one rule on both
 * stores, decided here for every route: a 400 naming the parameter. Only
 * prompts passed on to a model (routes marked `modelInput`) may carry NUL.
 */
export function rejectNulInputs(request: FastifyRequest): void {
  const param =
    nulPath(request.params, '') ?? nulPath(request.query, '') ?? (request.routeOptions.config.modelInput ? null : nulPath(request.body, ''));
  if (param === null) return;
  const name = (param || 'body').replaceAll(NUL, '\\u0000').slice(0, 200);
  throw new TollgateError('invalid_value', { param: name, message: `Invalid value for '${name}': text may not contain the NUL character (\\u0000).` });
}
