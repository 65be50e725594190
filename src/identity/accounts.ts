import type { FastifyReply, FastifyRequest } from 'fastify';
import { TollgateError } from '../common/errors.js';
import { auditAccount, link, sendMail, type IdentityDeps } from './context.js';
import { existingAccountMail, resetMail, verificationMail } from './messages.js';
import { checkPasswordPolicy, hashPassword, verifyPassword } from './passwords.js';
import { revokeUserSessions, type ActiveSession } from './sessions.js';
import { beginSignIn } from './sign-in.js';
import { consumeToken, issueToken, revokeTokens, tokenHash } from './tokens.js';
import { checkEmail, findUserRowByEmail, getUser, getUserRow, insertUser, toUserRecord, userObject, type UserRecord } from './users.js';

/** Mails of one kind to one address per 15 minutes: enough for a person, too few to bomb a mailbox with. */
const MAILS_PER_WINDOW = 3;

/** Paths of the pages (the dashboard's) that links in mails open; each page posts the token back to the API. */
export const LINK_PATHS = { verifyEmail: '/verify-email', resetPassword: '/reset-password', signIn: '/sign-in', forgotPassword: '/forgot-password', invite: '/invite', setup: '/setup' } as const;

export function checkName(name: unknown): string | null {
  if (name === undefined || name === null) return null;
  if (typeof name !== 'string') throw new TollgateError('invalid_type', { param: 'name', message: "Invalid type for 'name': expected a string." });
  const trimmed = name.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  if (trimmed.length > 256) throw new TollgateError('invalid_value', { param: 'name', message: "Invalid 'name': at most 256 characters." });
  return trimmed || null;
}

/** Sends a verification link for the account's current address. */
export async function sendVerification(deps: IdentityDeps, user: UserRecord): Promise<void> {
  if (await deps.throttle.over(`verify:${user.email}`, MAILS_PER_WINDOW)) return;
  const token = await issueToken(deps, { purpose: 'email_verification', userId: user.id, email: user.email });
  sendMail(deps, verificationMail(user.email, link(deps, LINK_PATHS.verifyEmail, token)));
}

/** Decides whether an address may create an account by itself (the sign-up policy); set by the organizations layer. */
export type SignupGate = (email: string, options?: { invited?: boolean }) => Promise<void>;

/**
 * Sign-up answers the same whether or not the address has an account: a new
 * address gets a verification link, a known one a mail saying so (with a
 * sign-in and a reset link). No session is created here: the page signs in
 * next with the same password, which reveals nothing to whoever lacks it.
 */
export async function signUp(deps: IdentityDeps & { signupGate: SignupGate }, request: FastifyRequest, body: { email?: unknown; password?: unknown; name?: unknown }): Promise<Record<string, unknown>> {
  const email = checkEmail(body.email);
  const name = checkName(body.name);
  if (body.password === undefined) throw new TollgateError('missing_required_parameter', { param: 'password', message: "Missing required parameter: 'password'." });
  checkPasswordPolicy(body.password as string, { email, name });
  await deps.signupGate(email);
  const passwordHash = await hashPassword(body.password as string);
  const existing = await findUserRowByEmail(deps.db, email);
  let created: UserRecord | null = null;
  if (!existing) {
    created = await insertUser(deps.db, deps.clock, { email, name, passwordHash }).catch((err: unknown) => {
      if (err instanceof TollgateError && err.errorName === 'conflict') return null; // the same address signed up a moment ago
      throw err;
    });
  }
  if (created) {
    await auditAccount(deps, request, created.id, 'user.signed_up', { email });
    await sendVerification(deps, created);
  } else if (!(await deps.throttle.over(`exists:${email}`, MAILS_PER_WINDOW))) {
    const base = deps.baseUrl().replace(/\/+$/, '');
    sendMail(deps, existingAccountMail(email, `${base}${LINK_PATHS.signIn}`, `${base}${LINK_PATHS.forgotPassword}`));
  }
  return { object: 'sign_up', email, status: 'verification_sent', message: 'If this address can sign up, a link to verify it is on its way. Then sign in with your password.' };
}

/** Follows a verification link: the address it was sent to becomes verified, if it is still the account's. */
export async function verifyEmail(deps: IdentityDeps, request: FastifyRequest, token: unknown): Promise<Record<string, unknown>> {
  const used = await consumeToken(deps, 'email_verification', token);
  const row = used.userId ? await getUserRow(deps.db, used.userId) : undefined;
  if (!row || row.email !== used.email) throw new TollgateError('invalid_token', { param: 'token' });
  if (row.email_verified_at === null) {
    const now = deps.clock.now();
    await deps.db.updateTable('users').set({ email_verified_at: now, updated_at: now }).where('id', '=', row.id).execute();
    await auditAccount(deps, request, row.id, 'user.email_verified', { email: row.email });
  }
  return userObject(await getUser(deps.db, row.id));
}

/** Always the same answer; a link goes out only to an active account (at most a few per 15 minutes). */
export async function forgotPassword(deps: IdentityDeps, body: { email?: unknown }): Promise<Record<string, unknown>> {
  const email = checkEmail(body.email);
  const row = await findUserRowByEmail(deps.db, email);
  if (row && row.status === 'active' && !(await deps.throttle.over(`reset:${email}`, MAILS_PER_WINDOW))) {
    const token = await issueToken(deps, { purpose: 'password_reset', userId: row.id, email });
    sendMail(deps, resetMail(email, link(deps, LINK_PATHS.resetPassword, token)));
  }
  return { object: 'password_reset_request', email, status: 'sent', message: 'If this address has an account, a link to reset its password is on its way.' };
}

/**
 * Follows a reset link: the new password replaces the old, every session of
 * the account ends (whoever knew the old password is out), the address is
 * verified (the link proved the mailbox), the throttle forgets the account,
 * and this browser gets a fresh session.
 */
export async function resetPassword(deps: IdentityDeps, request: FastifyRequest, reply: FastifyReply, body: { token?: unknown; password?: unknown }): Promise<Record<string, unknown>> {
  if (typeof body.password !== 'string') throw new TollgateError('missing_required_parameter', { param: 'password', message: "Missing required parameter: 'password'." });
  const password = body.password;
  // The policy first, so a weak password does not use the link up.
  const preview = typeof body.token === 'string' ? await previewToken(deps, body.token) : undefined;
  checkPasswordPolicy(password, { email: preview?.email, name: preview?.name });
  const used = await consumeToken(deps, 'password_reset', body.token);
  const row = used.userId ? await getUserRow(deps.db, used.userId) : undefined;
  if (!row || row.email !== used.email || row.status !== 'active') throw new TollgateError('invalid_token', { param: 'token' });
  const hash = await hashPassword(password);
  const now = deps.clock.now();
  const ended = await deps.db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ password_hash: hash, email_verified_at: row.email_verified_at ?? now, updated_at: now }).where('id', '=', row.id).execute();
    await revokeTokens(deps, row.id, 'password_reset', trx);
    return revokeUserSessions(deps, row.id, 'password_reset', undefined, trx);
  });
  await deps.db.deleteFrom('auth_attempts').where('key', 'like', `%${deps.secret.hash(`sign-in:${row.email}`).slice(0, 32)}%`).execute();
  await auditAccount(deps, request, row.id, 'user.password_reset', { sessions_ended: ended });
  // A reset proves the mailbox, not the second factor: an account that has one still needs it.
  return beginSignIn(deps, request, reply, row.id, 'password_reset');
}

async function previewToken(deps: IdentityDeps, token: string): Promise<{ email: string; name: string | null } | undefined> {
  const row = await deps.db
    .selectFrom('user_tokens')
    .innerJoin('users', 'users.id', 'user_tokens.user_id')
    .select(['users.email', 'users.name'])
    .where('user_tokens.token_hash', '=', tokenHash(deps.secret, 'password_reset', token))
    .executeTakeFirst();
  return row;
}

/** Changes the password of a signed-in account; every other session ends. */
export async function changePassword(deps: IdentityDeps, request: FastifyRequest, session: ActiveSession, body: { current_password?: unknown; password?: unknown }): Promise<Record<string, unknown>> {
  const user = toUserRecord(session.user);
  if (typeof body.password !== 'string') throw new TollgateError('missing_required_parameter', { param: 'password', message: "Missing required parameter: 'password'." });
  if (user.hasPassword) {
    if (typeof body.current_password !== 'string' || !(await verifyPassword(session.user.password_hash, body.current_password.slice(0, 1024)))) {
      throw new TollgateError('invalid_credentials', { param: 'current_password', message: 'The current password is not correct.' });
    }
  }
  checkPasswordPolicy(body.password, { email: user.email, name: user.name });
  const hash = await hashPassword(body.password);
  const ended = await deps.db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ password_hash: hash, updated_at: deps.clock.now() }).where('id', '=', user.id).execute();
    return revokeUserSessions(deps, user.id, 'password_changed', session.id, trx);
  });
  await auditAccount(deps, request, user.id, 'user.password_changed', { other_sessions_ended: ended });
  return { object: 'password_change', status: 'changed', other_sessions_ended: ended };
}
