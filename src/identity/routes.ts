import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { TollgateError } from '../common/errors.js';
import { parseRequest } from '../contract/index.js';
import { changePassword, checkName, forgotPassword, resetPassword, sendVerification, signUp, verifyEmail, type SignupGate } from './accounts.js';
import { auditAccount, type IdentityDeps } from './context.js';
import { confirmPhoneCode, sendPhoneCode } from './phone.js';
import { checkOrigin, requireSession } from './session-auth.js';
import { csrfToken, listSessions, revokeSession, revokeUserSessions, sessionObject, type ActiveSession } from './sessions.js';
import { clearSessionCookies, signInWithPassword } from './sign-in.js';
import { getUser, toUserRecord, userObject } from './users.js';

/** One route of the account and session API: the plugin registers it, /openapi.json documents it. */
export interface AccountRoute {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  id: string;
  summary: string;
  returns: string;
  /** Needs a signed-in session (cookie); writes then need the CSRF token. */
  session: boolean;
  body?: z.ZodType;
  /** Query parameters, parsed like a body. */
  query?: z.ZodType;
  status?: number;
  /** A browser navigation, answered with a redirect (the handler sets it) instead of JSON. */
  redirect?: boolean;
  /**
   * An identity provider's form post (OpenID Connect `response_mode=form_post`):
   * a form-encoded body from another site, so Origin is not checked; the
   * route's own state check binds it to the browser instead.
   */
  formPost?: boolean;
  /** The error answers /openapi.json lists (status: when), where they are not the account API's usual ones. */
  errors?: Record<number, string>;
  handler(ctx: RouteContext): Promise<unknown>;
}

export interface RouteContext {
  request: FastifyRequest;
  reply: FastifyReply;
  /** Set on `session` routes. */
  session: ActiveSession;
  body: any;
  query: any;
}

/** The hooks other parts of Tollgate add to accounts: the sign-up policy and what `GET /v1/me` also lists. */
export interface AccountExtensions {
  signupGate: SignupGate;
  /** Extra fields of `GET /v1/me` (the account's organizations, for one). */
  describe?(userId: string): Promise<Record<string, unknown>>;
}

const email = z.string().max(320);
const password = z.string().max(1024);
const token = z.string().max(200);
const signupBody = z.object({ email, password, name: z.string().max(256).optional() }).strict();
const signinBody = z.object({ email, password }).strict();
const tokenBody = z.object({ token }).strict();
const resetBody = z.object({ token, password }).strict();
const emailBody = z.object({ email }).strict();
const profileBody = z.object({ name: z.string().max(256).nullable() }).strict();
const passwordBody = z.object({ current_password: password.optional(), password }).strict();
const phoneBody = z.object({ phone_number: z.string().max(32) }).strict();
const codeBody = z.object({ code: z.string().max(16) }).strict();

export function accountRoutes(deps: IdentityDeps, ext: AccountExtensions): AccountRoute[] {
  const withGate = { ...deps, signupGate: ext.signupGate };
  const me = async (session: ActiveSession) => ({
    ...userObject(toUserRecord(session.user)),
    ...(ext.describe ? await ext.describe(session.userId) : {}),
    // What this Tollgate asks of an account before it may create API keys.
    key_requirements: { verified_email: deps.config.accounts.require_verified_email, verified_phone: deps.config.accounts.require_verified_phone },
    session_id: session.id,
    csrf_token: csrfToken(deps.secret, session.id),
  });
  return [
    {
      method: 'POST', path: '/v1/auth/signup', id: 'signUp', session: false, body: signupBody, status: 202,
      summary: 'Create an account with email and password (the same answer whether or not the address has one: a verification link, or a note that it exists, goes to the address). Then sign in.',
      returns: 'sign_up',
      handler: ({ request, body }) => signUp(withGate, request, body),
    },
    {
      method: 'POST', path: '/v1/auth/signin', id: 'signIn', session: false, body: signinBody,
      summary: 'Sign in with email and password: a session (cookies `tollgate_session`, `tollgate_csrf`) and its csrf_token, or `sign_in.second_factor_required` with a pending_token when the account has a second factor.',
      returns: 'session with user and csrf_token | sign_in.second_factor_required',
      handler: ({ request, reply, body }) => signInWithPassword(deps, request, reply, body),
    },
    {
      method: 'POST', path: '/v1/auth/signout', id: 'signOut', session: true,
      summary: 'End this session.',
      returns: 'session.deleted',
      async handler({ request, reply, session }) {
        await revokeSession(deps, session.userId, session.id, 'signed_out');
        await auditAccount(deps, request, session.userId, 'logout.succeeded', { session_id: session.id });
        clearSessionCookies(deps, request, reply);
        return { object: 'session.deleted', id: session.id, deleted: true };
      },
    },
    {
      method: 'POST', path: '/v1/auth/verify_email', id: 'verifyEmail', session: false, body: tokenBody,
      summary: 'Verify an email address with the token of its link (single-use, 24 hours).',
      returns: 'user',
      handler: ({ request, body }) => verifyEmail(deps, request, body.token),
    },
    {
      method: 'POST', path: '/v1/auth/password/forgot', id: 'forgotPassword', session: false, body: emailBody, status: 202,
      summary: 'Mail a password reset link (single-use, 1 hour) to the address if it has an account; the answer is the same either way.',
      returns: 'password_reset_request',
      handler: ({ body }) => forgotPassword(deps, body),
    },
    {
      method: 'POST', path: '/v1/auth/password/reset', id: 'resetPassword', session: false, body: resetBody,
      summary: "Set a new password with a reset link's token: every session of the account ends, and this browser is signed in.",
      returns: 'session with user and csrf_token',
      handler: ({ request, reply, body }) => resetPassword(deps, request, reply, body),
    },
    {
      method: 'GET', path: '/v1/me', id: 'retrieveMe', session: true,
      summary: 'The signed-in account, its organizations and roles, and the CSRF token of this session.',
      returns: 'user with organizations, session_id and csrf_token',
      handler: ({ session }) => me(session),
    },
    {
      method: 'POST', path: '/v1/me', id: 'updateMe', session: true, body: profileBody,
      summary: "Change the account's name.",
      returns: 'user',
      async handler({ request, session, body }) {
        const name = checkName(body.name);
        await deps.db.updateTable('users').set({ name, updated_at: deps.clock.now() }).where('id', '=', session.userId).execute();
        await auditAccount(deps, request, session.userId, 'user.profile_updated', { name });
        return userObject(await getUser(deps.db, session.userId));
      },
    },
    {
      method: 'POST', path: '/v1/me/password', id: 'changePassword', session: true, body: passwordBody,
      summary: 'Change the password (current_password needed when the account has one); every other session ends.',
      returns: 'password_change',
      handler: ({ request, session, body }) => changePassword(deps, request, session, body),
    },
    {
      method: 'POST', path: '/v1/me/verify_email', id: 'resendVerification', session: true, status: 202,
      summary: 'Send a new verification link to the account address.',
      returns: 'user',
      async handler({ session }) {
        const user = toUserRecord(session.user);
        if (user.emailVerifiedAt === null) await sendVerification(deps, user);
        return userObject(user);
      },
    },
    {
      method: 'GET', path: '/v1/me/sessions', id: 'listSessions', session: true,
      summary: "The account's live sessions (this one has `current: true`).",
      returns: 'list of session',
      async handler({ session }) {
        const data = (await listSessions(deps, session.userId)).map((s) => sessionObject(s, deps.timeouts, session.id));
        return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: false };
      },
    },
    {
      method: 'DELETE', path: '/v1/me/sessions', id: 'signOutEverywhere', session: true,
      summary: 'Sign out everywhere: every session of the account ends, this one included.',
      returns: 'session.deleted list',
      async handler({ request, reply, session }) {
        const ended = await revokeUserSessions(deps, session.userId, 'signed_out_everywhere');
        await auditAccount(deps, request, session.userId, 'session.revoked', { all: true, sessions_ended: ended });
        clearSessionCookies(deps, request, reply);
        return { object: 'session.deleted', all: true, deleted: ended };
      },
    },
    {
      method: 'DELETE', path: '/v1/me/sessions/:session_id', id: 'revokeSession', session: true,
      summary: 'End one session of the account.',
      returns: 'session.deleted',
      async handler({ request, reply, session }) {
        const { session_id: id } = request.params as { session_id: string };
        if (!(await revokeSession(deps, session.userId, id, 'revoked'))) {
          throw new TollgateError('not_found', { param: 'session_id', message: `No session found with id '${id.slice(0, 100)}'.` });
        }
        await auditAccount(deps, request, session.userId, 'session.revoked', { session_id: id });
        if (id === session.id) clearSessionCookies(deps, request, reply);
        return { object: 'session.deleted', id, deleted: true };
      },
    },
    {
      method: 'POST', path: '/v1/me/phone', id: 'sendPhoneCode', session: true, body: phoneBody, status: 202,
      summary: 'Send a 6-digit code (10 minutes, 5 tries) to a phone number by SMS, to verify it.',
      returns: 'phone_verification',
      async handler({ session, body }) {
        const sent = await sendPhoneCode({ ...deps, sms: deps.sms }, session.userId, body.phone_number);
        return { object: 'phone_verification', phone_number: sent.phone, status: 'code_sent', expires_at: Math.floor(sent.expiresAt / 1000) };
      },
    },
    {
      method: 'POST', path: '/v1/me/phone/verify', id: 'verifyPhone', session: true, body: codeBody,
      summary: 'Check the code: the phone number becomes the verified number of the account.',
      returns: 'user',
      async handler({ request, session, body }) {
        const phone = await confirmPhoneCode(deps, session.userId, body.code);
        await auditAccount(deps, request, session.userId, 'user.phone_verified', { phone_number: phone });
        return userObject(await getUser(deps.db, session.userId));
      },
    },
  ];
}

/**
 * The account and session API (`/v1/auth/*`, `/v1/me*`): JSON in, JSON out,
 * errors in OpenAI's shape. Writes from a browser must come from this site
 * (Origin), and writes in a session carry its CSRF token.
 */
export function accountPlugin(deps: IdentityDeps, routes: AccountRoute[]): FastifyPluginAsync {
  const add = (app: FastifyInstance, route: AccountRoute) =>
    app.route({
      method: route.method,
      url: route.path,
      handler: async (request, reply) => {
        let session: ActiveSession | null = null;
        if (route.session) session = await requireSession(deps, request);
        else if (!route.formPost) checkOrigin(deps, request);
        const body = route.body ? parseRequest(route.body, request.body ?? {}) : undefined;
        const query = route.query ? parseRequest(route.query, request.query ?? {}) : undefined;
        const answer = await route.handler({ request, reply, session: session!, body, query });
        if (route.status) reply.code(route.status);
        return answer;
      },
    });
  return async (app: FastifyInstance) => {
    for (const route of routes.filter((r) => !r.formPost)) add(app, route);
    const posts = routes.filter((r) => r.formPost);
    if (posts.length === 0) return;
    // Form bodies only here: everywhere else a body is JSON whatever its Content-Type says.
    await app.register(async (forms) => {
      forms.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, text, done) => {
        done(null, Object.fromEntries(new URLSearchParams(text as string)));
      });
      for (const route of posts) add(forms, route);
    });
  };
}

