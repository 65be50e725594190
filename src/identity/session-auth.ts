import type { FastifyRequest } from 'fastify';
import { TollgateError } from '../common/errors.js';
import type { IdentityDeps } from './context.js';
import { csrfMatches, type ActiveSession } from './sessions.js';
import { currentSession } from './sign-in.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A browser names the page that sent a request in `Origin`. A cross-site
 * page cannot leave it out of a POST, nor fake it, so any other origin than
 * this server's (as the browser reached it, or `public_url`) is refused.
 */
export function checkOrigin(deps: IdentityDeps, request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (typeof origin !== 'string' || SAFE_METHODS.has(request.method)) return;
  const own = new Set([`${request.protocol}://${request.host}`]);
  if (deps.config.public_url) own.add(new URL(deps.config.public_url).origin);
  if (!own.has(origin)) throw new TollgateError('csrf_failed', { message: `Cross-site request refused: origin ${origin.slice(0, 100)} is not this server's.` });
}

/**
 * The session a cookie-authenticated request runs in. Every write (any
 * method but GET/HEAD/OPTIONS) must carry the session's CSRF token in
 * `X-CSRF-Token` and, when the browser sends one, a same-site Origin.
 */
export async function requireSession(deps: IdentityDeps, request: FastifyRequest): Promise<ActiveSession> {
  const session = await currentSession(deps, request);
  if (!session) throw new TollgateError('not_signed_in');
  if (!SAFE_METHODS.has(request.method)) {
    checkOrigin(deps, request);
    if (!csrfMatches(deps.secret, session.id, request.headers['x-csrf-token'])) throw new TollgateError('csrf_failed');
  }
  return session;
}
