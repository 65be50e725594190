import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { TollgateError } from '../common/errors.js';
import {
  auditAccount,
  finishPendingSignIn,
  LINK_PATHS,
  readPendingSignIn,
  sendMail,
  type AccountRoute,
  type ActiveSession,
  type IdentityDeps,
  type SignInThrottle,
} from '../identity/index.js';
import { checkSecondFactor, proofKind, type CodeInput } from './check.js';
import { disabledMail, enabledMail } from './messages.js';
import { newRecoveryCodes, recoveryCodesLeft } from './recovery-codes.js';
import { getTotpFactor, otpauthUri, startEnrolment, TOTP_PARAMS, useTotpCode } from './totp.js';

/** Changing the second factor needs a sign-in this recent: a session cookie stolen yesterday cannot do it. */
export const RECENT_SIGN_IN_MS = 15 * 60_000;

const code = z.string().max(32);
const recoveryCode = z.string().max(64);
const signInBody = z.object({ pending_token: z.string().max(200), code: code.optional(), recovery_code: recoveryCode.optional() }).strict();
const confirmBody = z.object({ code }).strict();
const proofBody = z.object({ code: code.optional(), recovery_code: recoveryCode.optional() }).strict();

export interface TotpOptions {
  /** The otpauth:// issuer authenticator apps show. */
  issuer: string;
  throttle: SignInThrottle;
}

function requireRecentSignIn(deps: IdentityDeps, session: ActiveSession): void {
  if (deps.clock.now() - session.createdAt > RECENT_SIGN_IN_MS) throw new TollgateError('reauthentication_required');
}

export function totpRoutes(deps: IdentityDeps, options: TotpOptions): AccountRoute[] {
  const base = () => deps.baseUrl().replace(/\/+$/, '');
  const status = async (userId: string) => {
    const factor = await getTotpFactor(deps, userId);
    const active = factor?.status === 'active';
    return {
      object: 'totp',
      enabled: active,
      enabled_at: active && factor.enabledAt !== null ? Math.floor(factor.enabledAt / 1000) : null,
      enrollment_pending: factor?.status === 'pending',
      recovery_codes_left: active ? await recoveryCodesLeft(deps.db, userId) : 0,
    };
  };
  /** Changing an active factor: a recent sign-in, and a current code or a recovery code. */
  const proveFactor = async (request: FastifyRequest, session: ActiveSession, body: CodeInput) => {
    requireRecentSignIn(deps, session);
    if ((await getTotpFactor(deps, session.userId))?.status !== 'active') throw new TollgateError('not_found', { message: 'No authenticator app is set up for this account.' });
    return checkSecondFactor(deps, options.throttle, request, session.userId, body);
  };
  return [
    {
      method: 'POST', path: '/v1/auth/signin/totp', id: 'signInWithTotp', session: false, body: signInBody,
      summary: "Finish a sign-in that answered `sign_in.second_factor_required`: its pending_token with the authenticator app's current code, or with one of the recovery codes (each works once).",
      returns: 'session with user and csrf_token (and recovery_codes_left when a recovery code was used)',
      errors: {
        400: 'A wrong or already used code (`invalid_code`), neither or both of code and recovery_code, or a used or expired pending_token (`invalid_token`).',
        403: 'A cross-site request, or a disabled account.',
        429: 'Too many wrong codes; `retry-after` says when to try again.',
      },
      async handler({ request, reply, body }) {
        proofKind(body);
        const userId = await readPendingSignIn(deps, body.pending_token);
        const used = await checkSecondFactor(deps, options.throttle, request, userId, body);
        const session = await finishPendingSignIn(deps, request, reply, body.pending_token);
        return used === 'recovery_code' ? { ...session, recovery_codes_left: await recoveryCodesLeft(deps.db, userId) } : session;
      },
    },
    {
      method: 'GET', path: '/v1/me/totp', id: 'retrieveTotp', session: true,
      summary: 'Whether an authenticator app (TOTP) is set up for the account, and how many recovery codes are left.',
      returns: 'totp',
      errors: { 401: 'Not signed in, or the session ended (`not_signed_in`).' },
      handler: ({ session }) => status(session.userId),
    },
    {
      method: 'POST', path: '/v1/me/totp', id: 'startTotpEnrollment', session: true,
      summary: 'Start setting up an authenticator app: a new secret, shown once as an otpauth:// URI (for a QR code) and in base32. It is off until confirmed with a first code. Needs a sign-in in the last 15 minutes.',
      returns: 'totp.enrollment',
      errors: { 401: 'Not signed in, or the session ended (`not_signed_in`).', 403: 'A write without the CSRF token (`csrf_token_invalid`), or from another site; `reauthentication_required` when the sign-in is older than 15 minutes.', 409: 'An authenticator app is already on: turn it off first.' },
      async handler({ session }) {
        requireRecentSignIn(deps, session);
        const secret = await startEnrolment(deps, session.userId);
        return {
          object: 'totp.enrollment',
          secret,
          otpauth_url: otpauthUri(secret, options.issuer, session.user.email),
          issuer: options.issuer,
          account_name: session.user.email,
          ...TOTP_PARAMS,
        };
      },
    },
    {
      method: 'POST', path: '/v1/me/totp/confirm', id: 'confirmTotpEnrollment', session: true, body: confirmBody,
      summary: "Confirm the authenticator app with its current code: signing in then asks for a code. Answers the ten recovery codes, shown once.",
      returns: 'totp with recovery_codes',
      errors: { 401: 'Not signed in, or the session ended (`not_signed_in`).', 403: 'A write without the CSRF token (`csrf_token_invalid`), or from another site; `reauthentication_required` when the sign-in is older than 15 minutes.', 400: 'A wrong code (`invalid_code`).', 409: 'No enrolment to confirm (start with POST /v1/me/totp), or already on.' },
      async handler({ request, session, body }) {
        requireRecentSignIn(deps, session);
        const factor = await getTotpFactor(deps, session.userId);
        if (factor?.status !== 'pending') throw new TollgateError('conflict', { message: factor ? 'The authenticator app is already set up.' : 'Start with POST /v1/me/totp.' });
        if (!(await useTotpCode(deps, session.userId, body.code, 'pending'))) throw new TollgateError('invalid_second_factor_code', { param: 'code' });
        const codes = await newRecoveryCodes(deps, session.userId);
        await auditAccount(deps, request, session.userId, 'second_factor.enabled', { factor: 'totp', recovery_codes: codes.length });
        sendMail(deps, enabledMail(session.user.email, `${base()}${LINK_PATHS.signIn}`));
        return { ...(await status(session.userId)), recovery_codes: codes };
      },
    },
    {
      method: 'POST', path: '/v1/me/totp/recovery_codes', id: 'regenerateRecoveryCodes', session: true, body: proofBody,
      summary: 'Replace the recovery codes with ten new ones (shown once; the old ones stop working), proven with a current code or a recovery code. Needs a sign-in in the last 15 minutes.',
      returns: 'totp with recovery_codes',
      errors: { 401: 'Not signed in, or the session ended (`not_signed_in`).', 403: 'A write without the CSRF token (`csrf_token_invalid`), or from another site; `reauthentication_required` when the sign-in is older than 15 minutes.', 400: 'A wrong or used code or recovery code (`invalid_code`), or neither.', 404: 'No authenticator app is on.', 429: 'Too many wrong codes.' },
      async handler({ request, session, body }) {
        await proveFactor(request, session, body);
        const codes = await newRecoveryCodes(deps, session.userId);
        await auditAccount(deps, request, session.userId, 'second_factor.recovery_codes_regenerated', { factor: 'totp', recovery_codes: codes.length });
        return { ...(await status(session.userId)), recovery_codes: codes };
      },
    },
    {
      method: 'POST', path: '/v1/me/totp/disable', id: 'disableTotp', session: true, body: proofBody,
      summary: 'Turn the authenticator app off, proven with a current code or a recovery code; its recovery codes end too. Needs a sign-in in the last 15 minutes.',
      returns: 'totp',
      errors: { 401: 'Not signed in, or the session ended (`not_signed_in`).', 403: 'A write without the CSRF token (`csrf_token_invalid`), or from another site; `reauthentication_required` when the sign-in is older than 15 minutes.', 400: 'A wrong or used code or recovery code (`invalid_code`), or neither.', 404: 'No authenticator app is on.', 429: 'Too many wrong codes.' },
      async handler({ request, session, body }) {
        const used = await proveFactor(request, session, body);
        await deps.db.transaction().execute(async (trx) => {
          await trx.deleteFrom('recovery_codes').where('user_id', '=', session.userId).execute();
          await trx.deleteFrom('totp_factors').where('user_id', '=', session.userId).execute();
        });
        await auditAccount(deps, request, session.userId, 'second_factor.disabled', { factor: 'totp', proven_with: used });
        sendMail(deps, disabledMail(session.user.email, `${base()}${LINK_PATHS.forgotPassword}`));
        return status(session.userId);
      },
    },
  ];
}
