import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema.gen';
import { credential } from './credential';

/**
 * The one API client: typed from the server's OpenAPI document
 * (schema.gen.ts), same origin only. Components never call fetch; pages use
 * it through TanStack Query.
 */
export const api = createClient<paths>({ baseUrl: '/', credentials: 'same-origin' });

const authorize: Middleware = {
  onRequest({ request }) {
    const key = credential.get();
    if (key) request.headers.set('Authorization', `Bearer ${key}`);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) credential.expire();
    return response;
  },
};
api.use(authorize);

/** An answer that was not 2xx, with OpenAI's error message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

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
