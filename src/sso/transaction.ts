import type { FastifyReply, FastifyRequest } from 'fastify';
import * as oidc from 'openid-client';
import { clearCookie, isSecure, readCookies, setCookie, type IdentityDeps } from '../identity/index.js';
import type { AuthorizationChecks } from './provider.js';

export const SSO_COOKIE = 'tollgate_sso';
// Only the SSO routes ever receive it.
const COOKIE_PATH = '/v1/auth/sso';
/** A sign-in must come back from the provider within this. */
export const TRANSACTION_TTL_MS = 10 * 60_000;

/** One sign-in in progress, bound to the browser that started it. */
export interface Transaction extends AuthorizationChecks {
  provider: string;
  /** Where the browser goes once signed in: a path of this site. */
  returnTo: string;
  expiresAt: number;
}

export function newTransaction(deps: Pick<IdentityDeps, 'clock'>, provider: string, returnTo: string): Transaction {
  return { provider, returnTo, state: oidc.randomState(), nonce: oidc.randomNonce(), verifier: oidc.randomPKCECodeVerifier(), expiresAt: deps.clock.now() + TRANSACTION_TTL_MS };
}

/**
 * The transaction travels in a short-lived HttpOnly cookie, sealed with the
 * server secret (AES-GCM: the browser can neither read nor change it), so any
 * instance can finish a sign-in another started, and nothing is stored until
 * it succeeds. A provider that posts its answer from its own site (form_post)
 * needs SameSite=None for the cookie to come along, which browsers allow only
 * with Secure: over plain http such a provider cannot finish (Apple requires
 * https redirect URLs anyway).
 */
export function setTransactionCookie(deps: IdentityDeps, request: FastifyRequest, reply: FastifyReply, tx: Transaction, crossSitePost: boolean): void {
  const secure = isSecure(request, deps.config.public_url);
  const sealed = deps.secret.encrypt(JSON.stringify({ purpose: 'sso_transaction', ...tx }));
  setCookie(reply, SSO_COOKIE, sealed, { maxAgeSeconds: TRANSACTION_TTL_MS / 1000, httpOnly: true, secure, path: COOKIE_PATH, sameSite: crossSitePost && secure ? 'None' : 'Lax' });
}

export function clearTransactionCookie(deps: IdentityDeps, request: FastifyRequest, reply: FastifyReply): void {
  clearCookie(reply, SSO_COOKIE, isSecure(request, deps.config.public_url), COOKIE_PATH);
}

/** The request's live transaction, or null (no cookie, a forged or foreign one, or expired). */
export function readTransaction(deps: IdentityDeps, request: FastifyRequest): Transaction | null {
  const sealed = readCookies(request)[SSO_COOKIE];
  if (!sealed || sealed.length > 4096) return null;
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(deps.secret.decrypt(sealed)) as Record<string, unknown>;
  } catch {
    return null;
  }
  const strings = ['provider', 'returnTo', 'state', 'nonce', 'verifier'].every((k) => typeof value[k] === 'string');
  if (value.purpose !== 'sso_transaction' || !strings || typeof value.expiresAt !== 'number' || value.expiresAt <= deps.clock.now()) return null;
  const { provider, returnTo, state, nonce, verifier, expiresAt } = value as unknown as Transaction;
  return { provider, returnTo, state, nonce, verifier, expiresAt };
}
