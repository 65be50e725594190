import createClient, { type Middleware } from 'openapi-fetch';
import { csrfCookie } from './account';
import { ApiError } from './errors';
import type { paths } from './schema.gen';
import { sessionState } from './session-state';

export { ApiError } from './errors';

/**
 * The one admin API client: typed from the server's OpenAPI document
 * (schema.gen.ts), same origin only, authenticated by the session cookie.
 * Writes carry the session's CSRF token; every request names the
 * organization the person acts in. Pages use it through TanStack Query.
 */
export const api = createClient<paths>({ baseUrl: '/', credentials: 'same-origin' });

const session: Middleware = {
  onRequest({ request }) {
    const organization = sessionState.organization();
    // A page may name another organization itself (the operator granting credit to one).
    if (organization && !request.headers.has('OpenAI-Organization')) request.headers.set('OpenAI-Organization', organization);
    if (request.method !== 'GET') {
      const csrf = csrfCookie();
      if (csrf) request.headers.set('X-CSRF-Token', csrf);
    }
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) sessionState.expired();
    return response;
  },
};
api.use(session);

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of a 2xx answer, or an ApiError carrying the server's own message. */
export async function unwrap<T>(call: Promise<Answer<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok && data !== undefined) return data;
  const shaped = (error as { error?: { message?: string; param?: string | null; code?: string | null } } | undefined)?.error;
  throw new ApiError(response.status, shaped?.message ?? `The server answered ${response.status}.`, shaped?.param ?? null, shaped?.code ?? null);
}
