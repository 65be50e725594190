import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import { TollgateError } from '../common/errors.js';
import { listPage } from '../control/index.js';
import { auditAccount, beginSignIn, LINK_PATHS, type AccountRoute, type IdentityDeps } from '../identity/index.js';
import { accountForIdentity, type LinkDeps } from './link.js';
import type { SsoProvider } from './provider.js';
import { clearTransactionCookie, newTransaction, readTransaction, setTransactionCookie } from './transaction.js';

// A path of this site: one leading slash (never `//host` or `/\host`, which browsers read as another site).
const localPath = z
  .string()
  .max(512)
  .regex(/^\/(?![/\\])[^\s\\]*$/, 'a path of this site, such as /projects');
const startQuery = z.object({ return_to: localPath.optional(), login_hint: z.string().max(320).optional() }).strict();
// What providers send back; other parameters (session_state, scope, authuser, ...) are ignored.
const answer = {
  code: z.string().max(4096).optional(),
  state: z.string().max(512).optional(),
  iss: z.string().max(2048).optional(),
  error: z.string().max(256).optional(),
  error_description: z.string().max(2048).optional(),
};
const callbackQuery = z.object(answer);
// Apple adds `user` (JSON with the name, on the first sign-in only) to its form post.
const callbackForm = z.object({ ...answer, user: z.string().max(4096).optional() });

export interface SsoRouteDeps extends LinkDeps {
  providers: Map<string, SsoProvider>;
  logger: Logger;
}

function providerOf(deps: SsoRouteDeps, request: FastifyRequest): SsoProvider {
  const { provider } = request.params as { provider: string };
  const found = deps.providers.get(provider);
  if (!found) throw new TollgateError('not_found', { param: 'provider', message: `No SSO provider '${provider.slice(0, 64)}' is configured.` });
  return found;
}

function callbackUrl(deps: IdentityDeps, provider: SsoProvider): string {
  return `${deps.baseUrl().replace(/\/+$/, '')}/v1/auth/sso/${provider.id}/callback`;
}

/** The name Apple's form post carries on a first sign-in ({"name":{"firstName","lastName"}}), for a new account. */
function appleName(user: string | undefined): string | null {
  if (!user) return null;
  try {
    const name = (JSON.parse(user) as { name?: { firstName?: unknown; lastName?: unknown } }).name;
    const parts = [name?.firstName, name?.lastName].filter((p): p is string => typeof p === 'string' && p !== '');
    return parts.length > 0 ? parts.join(' ') : null;
  } catch {
    return null;
  }
}

/** A refused sign-in goes back to the sign-in page with a code the page explains (never the provider's own text: it could be anything). */
function refuse(deps: SsoRouteDeps, reply: FastifyReply, provider: SsoProvider, err: unknown): FastifyReply {
  const known = err instanceof TollgateError;
  const code = known ? (err.code ?? err.errorName) : 'server_error';
  const level = known && err.status < 500 ? 'warn' : 'error';
  const context = known ? err.context : { message: (err as Error).message };
  deps.logger[level]({ provider: provider.id, code, context }, 'sso sign-in refused');
  return reply.redirect(`${LINK_PATHS.signIn}?sso_error=${encodeURIComponent(code)}`, 303);
}

/**
 * The provider's answer, in the browser that started the sign-in: its state
 * must be the transaction cookie's (set by this browser, unused, not
 * expired), then the code is exchanged with PKCE and the ID token's nonce
 * checked. The cookie is cleared whatever happens, so an answer works once.
 */
async function callback(deps: SsoRouteDeps, request: FastifyRequest, reply: FastifyReply, params: z.infer<typeof callbackForm>): Promise<FastifyReply> {
  const provider = providerOf(deps, request);
  const tx = readTransaction(deps, request);
  clearTransactionCookie(deps, request, reply);
  try {
    if (!tx || tx.provider !== provider.id || params.state === undefined || params.state !== tx.state) throw new TollgateError('sso_state_invalid');
    if (params.error !== undefined) throw new TollgateError('sso_denied', { context: { error: params.error.slice(0, 64) } });
    const { user, ...answerParams } = params;
    const claims = await provider.finish(callbackUrl(deps, provider), answerParams as Record<string, string>, tx);
    const userId = await accountForIdentity(deps, request, provider, claims, appleName(user));
    const result = await beginSignIn(deps, request, reply, userId, 'sso');
    if (result.second_factor_required) {
      // The page finishes with POST /v1/auth/signin/totp. A fragment never reaches a server log or a Referer.
      const fragment = new URLSearchParams({ pending_token: String(result.pending_token), factors: (result.factors as string[]).join(','), return_to: tx.returnTo });
      return reply.redirect(`${LINK_PATHS.signIn}#${fragment}`, 303);
    }
    return reply.redirect(tx.returnTo, 303);
  } catch (err) {
    return refuse(deps, reply, provider, err);
  }
}

export function ssoRoutes(deps: SsoRouteDeps): AccountRoute[] {
  return [
    {
      method: 'GET', path: '/v1/auth/sso', id: 'listSsoProviders', session: false,
      summary: 'The identity providers this Tollgate signs in with (a button each on the sign-in page): id, kind, display name and the URL that starts a sign-in.',
      returns: 'list of sso_provider',
      errors: {},
      async handler() {
        return listPage([...deps.providers.values()].map((p) => ({ object: 'sso_provider', id: p.id, kind: p.kind, name: p.displayName, start_url: `/v1/auth/sso/${p.id}` })), false);
      },
    },
    {
      method: 'GET', path: '/v1/auth/sso/:provider', id: 'startSsoSignIn', session: false, query: startQuery, redirect: true,
      summary: "Start signing in with an identity provider (a browser navigation): sets the transaction cookie `tollgate_sso` and redirects to the provider (authorization code with PKCE, state and nonce). `return_to` is the page to land on afterwards; `login_hint` pre-fills the provider's account.",
      returns: "Redirect to the provider's sign-in page; to the sign-in page with `?sso_error=sso_provider_unavailable` when the provider cannot be reached.",
      errors: { 400: 'A `return_to` that is not a path of this site, or an unknown parameter; `error.param` names it.', 404: 'No provider with this id is configured.' },
      async handler({ request, reply, query }) {
        const provider = providerOf(deps, request);
        const tx = newTransaction(deps, provider.id, query.return_to ?? '/');
        try {
          const url = await provider.authorizationUrl(callbackUrl(deps, provider), tx, query.login_hint);
          setTransactionCookie(deps, request, reply, tx, provider.preset.responseMode === 'form_post');
          return reply.redirect(url.href, 303);
        } catch (err) {
          return refuse(deps, reply, provider, err);
        }
      },
    },
    {
      method: 'GET', path: '/v1/auth/sso/:provider/callback', id: 'finishSsoSignIn', session: false, query: callbackQuery, redirect: true,
      summary: "The provider's answer (its redirect URL to register: <public_url>/v1/auth/sso/<id>/callback). Signs in the account linked to the identity, or the account of its verified email, or creates one when the sign-up policy allows.",
      errors: { 400: 'Malformed answer parameters; `error.param` names the parameter.', 404: 'No provider with this id is configured.' },
      returns: "Redirect to `return_to` once signed in; to the sign-in page with `#pending_token=...&factors=totp` when the account has a second factor; or with `?sso_error=<code>` (sso_state_invalid, sso_denied, sso_failed, sso_email_unverified, sso_email_missing, signup_restricted, account_disabled, sso_provider_unavailable).",
      handler: ({ request, reply, query }) => callback(deps, request, reply, query),
    },
    {
      method: 'POST', path: '/v1/auth/sso/:provider/callback', id: 'finishSsoSignInFormPost', session: false, body: callbackForm, redirect: true, formPost: true,
      summary: "The provider's answer posted as a form (`response_mode=form_post`, as Apple does); the same as the GET callback.",
      returns: 'The same redirects as the GET callback.',
      errors: { 400: 'Malformed answer parameters; `error.param` names the parameter.', 404: 'No provider with this id is configured.' },
      handler: ({ request, reply, body }) => callback(deps, request, reply, body),
    },
    {
      method: 'GET', path: '/v1/me/sso_identities', id: 'listSsoIdentities', session: true,
      summary: "The identity providers' accounts linked to the signed-in account.",
      returns: 'list of sso_identity',
      errors: { 401: 'Not signed in, or the session ended (`not_signed_in`).' },
      async handler({ session }) {
        const rows = await deps.db.selectFrom('sso_identities').selectAll().where('user_id', '=', session.userId).orderBy('id').execute();
        const identities = rows.map((r) => ({
          object: 'sso_identity',
          id: r.id,
          provider: r.provider,
          provider_name: deps.providers.get(r.provider)?.displayName ?? r.provider,
          email: r.email,
          created_at: Math.floor(Number(r.created_at) / 1000),
          last_used_at: Math.floor(Number(r.last_used_at) / 1000),
        }));
        return listPage(identities, false);
      },
    },
    {
      method: 'DELETE', path: '/v1/me/sso_identities/:identity_id', id: 'unlinkSsoIdentity', session: true,
      summary: "Unlink an identity provider's account: it no longer signs in to this account (signing in with it again links it again, by its verified email).",
      returns: 'sso_identity.deleted',
      errors: { 401: 'Not signed in, or the session ended (`not_signed_in`).', 403: 'A write without the CSRF token (`csrf_token_invalid`), or from another site.', 404: 'No such identity linked to this account.' },
      async handler({ request, session }) {
        const { identity_id: id } = request.params as { identity_id: string };
        const row = await deps.db.selectFrom('sso_identities').selectAll().where('id', '=', id).where('user_id', '=', session.userId).executeTakeFirst();
        if (!row) throw new TollgateError('not_found', { param: 'identity_id', message: `No linked identity found with id '${id.slice(0, 100)}'.` });
        await deps.db.deleteFrom('sso_identities').where('id', '=', id).execute();
        await auditAccount(deps, request, session.userId, 'sso.unlinked', { identity_id: id, provider: row.provider, issuer: row.issuer, subject: row.subject });
        return { object: 'sso_identity.deleted', id, deleted: true };
      },
    },
  ];
}
