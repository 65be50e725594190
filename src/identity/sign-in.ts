import type { FastifyReply, FastifyRequest } from 'fastify';
import { TollgateError } from '../common/errors.js';
import { auditAccount, type IdentityDeps } from './context.js';
import { clearCookie, CSRF_COOKIE, DEVICE_COOKIE, isSecure, readCookies, SESSION_COOKIE, setCookie } from './cookies.js';
import { verifyPassword } from './passwords.js';
import { createSession, csrfToken, findSession, sessionObject, type ActiveSession, type SessionMethod } from './sessions.js';
import { deviceCookieValue, isKnownDevice } from './throttle.js';
import { consumeToken, issueToken, tokenHash, TOKEN_LIFETIMES_MS } from './tokens.js';
import { checkEmail, getUser, findUserRowByEmail, userObject } from './users.js';

const DEVICE_COOKIE_SECONDS = 365 * 24 * 3600;

/**
 * The one way a session begins, for a person already proven to be who they
 * are: by password (and second factor), SSO, an accepted invite, a password
 * reset or the operator's setup link. Sets the session cookie (HttpOnly,
 * SameSite=Lax, Secure over TLS), the CSRF cookie the page reads, and the
 * device cookie that exempts this browser from the per-account sign-in throttle.
 */
export async function establishSession(deps: IdentityDeps, request: FastifyRequest, reply: FastifyReply, userId: string, method: SessionMethod): Promise<Record<string, unknown>> {
  const user = await getUser(deps.db, userId);
  if (user.status !== 'active') throw new TollgateError('account_disabled');
  const { session, token } = await createSession(deps, { userId, method, ip: request.ip, userAgent: typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'] : null });
  const secure = isSecure(request, deps.config.public_url);
  const seconds = deps.timeouts.absoluteMs / 1000;
  const csrf = csrfToken(deps.secret, session.id);
  setCookie(reply, SESSION_COOKIE, token, { maxAgeSeconds: seconds, httpOnly: true, secure });
  setCookie(reply, CSRF_COOKIE, csrf, { maxAgeSeconds: seconds, httpOnly: false, secure });
  setCookie(reply, DEVICE_COOKIE, deviceCookieValue(deps.secret, userId), { maxAgeSeconds: DEVICE_COOKIE_SECONDS, httpOnly: true, secure });
  await auditAccount(deps, request, userId, 'login.succeeded', { method, session_id: session.id });
  return { ...sessionObject(session, deps.timeouts, session.id), user: userObject(user), csrf_token: csrf };
}

/** Clears the session and CSRF cookies (the device cookie stays: the browser is still known). */
export function clearSessionCookies(deps: IdentityDeps, request: FastifyRequest, reply: FastifyReply): void {
  const secure = isSecure(request, deps.config.public_url);
  clearCookie(reply, SESSION_COOKIE, secure);
  clearCookie(reply, CSRF_COOKIE, secure);
}

/** The live session of the request's cookie, or null. */
export function currentSession(deps: IdentityDeps, request: FastifyRequest): Promise<ActiveSession | null> {
  return findSession(deps, readCookies(request)[SESSION_COOKIE]);
}

/**
 * Password sign-in. Unknown addresses and wrong passwords get the same 401
 * after the same work (a dummy hash is verified), and both count against the
 * throttle. An account with a second factor gets a pending token instead of
 * a session: the factor's own route finishes with `finishPendingSignIn`.
 */
export async function signInWithPassword(deps: IdentityDeps, request: FastifyRequest, reply: FastifyReply, body: { email?: unknown; password?: unknown }): Promise<Record<string, unknown>> {
  const email = checkEmail(body.email);
  if (typeof body.password !== 'string' || body.password.length === 0) {
    throw new TollgateError('missing_required_parameter', { param: 'password', message: "Missing required parameter: 'password'." });
  }
  const row = await findUserRowByEmail(deps.db, email);
  const attempt = { email, ip: request.ip, knownDevice: isKnownDevice(deps.secret, readCookies(request)[DEVICE_COOKIE], row?.id) };
  await deps.throttle.check(attempt);
  const ok = await verifyPassword(row?.password_hash ?? null, body.password.slice(0, 1024));
  if (!ok || !row) {
    await deps.throttle.failed(attempt);
    if (row) await auditAccount(deps, request, row.id, 'login.failed', { reason: 'wrong_password' });
    throw new TollgateError('invalid_credentials');
  }
  await deps.throttle.succeeded(attempt);
  if (row.status !== 'active') throw new TollgateError('account_disabled');
  return beginSignIn(deps, request, reply, row.id, 'password');
}

/**
 * After a first factor (password, SSO, a reset link): a session, or, when the
 * account has a second factor enrolled, a pending token instead, which the
 * factor's own route finishes with `finishPendingSignIn`.
 */
export async function beginSignIn(deps: IdentityDeps, request: FastifyRequest, reply: FastifyReply, userId: string, method: SessionMethod): Promise<Record<string, unknown>> {
  const factors: string[] = [];
  for (const factor of deps.secondFactors) if (await factor.enrolled(userId)) factors.push(factor.name);
  if (factors.length > 0) {
    const pending = await issueToken(deps, { purpose: 'second_factor', userId });
    return {
      object: 'sign_in.second_factor_required',
      second_factor_required: true,
      factors,
      pending_token: pending,
      expires_at: Math.floor((deps.clock.now() + TOKEN_LIFETIMES_MS.second_factor) / 1000),
    };
  }
  return establishSession(deps, request, reply, userId, method);
}

/** The account a pending sign-in token belongs to, without using it up (a factor checks its code first). */
export async function readPendingSignIn(deps: IdentityDeps, token: unknown): Promise<string> {
  if (typeof token === 'string') {
    const row = await deps.db
      .selectFrom('user_tokens')
      .select(['user_id'])
      .where('token_hash', '=', tokenHash(deps.secret, 'second_factor', token))
      .where('purpose', '=', 'second_factor')
      .where('used_at', 'is', null)
      .where('expires_at', '>', BigInt(deps.clock.now()))
      .executeTakeFirst();
    if (row?.user_id) return row.user_id;
  }
  throw new TollgateError('invalid_token', { param: 'pending_token' });
}

/** Uses the pending token up and establishes the session, once the second factor has been checked. */
export async function finishPendingSignIn(deps: IdentityDeps, request: FastifyRequest, reply: FastifyReply, token: unknown): Promise<Record<string, unknown>> {
  const { userId } = await consumeToken(deps, 'second_factor', token);
  return establishSession(deps, request, reply, userId!, 'second_factor');
}
