import type { FastifyRequest } from 'fastify';
import { TollgateError } from '../common/errors.js';
import { auditAccount, createSignInThrottle, DEVICE_COOKIE, isKnownDevice, readCookies, type IdentityDeps, type SignInThrottle } from '../identity/index.js';
import { recoveryCodesLeft, useRecoveryCode } from './recovery-codes.js';
import { useTotpCode } from './totp.js';

/**
 * Wrong codes are throttled like wrong passwords, on counters of their own:
 * 5 per account from one address, 30 from one address over all accounts, and
 * 10 per account from everywhere, which only browsers the account never
 * signed in on must respect (so whoever knows the password cannot lock the
 * owner out of the browser they use). Per 15 minutes.
 */
export function createCodeThrottle(deps: IdentityDeps): SignInThrottle {
  return createSignInThrottle({ db: deps.db, clock: deps.clock, secret: deps.secret, limits: { perAccountAndAddress: 5, perAddress: 30, perAccount: 10 } });
}

export interface CodeInput {
  code?: string | undefined;
  recovery_code?: string | undefined;
}

export type CheckedWith = 'code' | 'recovery_code';

/** Which proof the input carries; exactly one of the two is required. */
export function proofKind(input: CodeInput): CheckedWith {
  if ((input.code === undefined) === (input.recovery_code === undefined)) {
    throw new TollgateError('missing_required_parameter', { param: 'code', message: "Send either 'code' (from the authenticator app) or 'recovery_code'." });
  }
  return input.code !== undefined ? 'code' : 'recovery_code';
}

/**
 * Checks the second factor a person presents: a current TOTP code of the
 * active factor, or one of their recovery codes (used up). Exactly one of the two.
 */
export async function checkSecondFactor(deps: IdentityDeps, throttle: SignInThrottle, request: FastifyRequest, userId: string, input: CodeInput): Promise<CheckedWith> {
  const used = proofKind(input);
  const attempt = { email: `second-factor:${userId}`, ip: request.ip, knownDevice: isKnownDevice(deps.secret, readCookies(request)[DEVICE_COOKIE], userId) };
  try {
    await throttle.check(attempt);
  } catch (err) {
    if (err instanceof TollgateError && err.errorName === 'too_many_sign_in_attempts') throw new TollgateError('too_many_code_attempts', { headers: err.headers });
    throw err;
  }
  const ok = used === 'code' ? await useTotpCode(deps, userId, input.code!, 'active') : await useRecoveryCode(deps, userId, input.recovery_code!);
  if (!ok) {
    await throttle.failed(attempt);
    await auditAccount(deps, request, userId, 'login.failed', { reason: used === 'code' ? 'wrong_totp_code' : 'wrong_recovery_code' });
    throw new TollgateError('invalid_second_factor_code', { param: used });
  }
  await throttle.succeeded(attempt);
  if (used === 'recovery_code') await auditAccount(deps, request, userId, 'second_factor.recovery_code_used', { recovery_codes_left: await recoveryCodesLeft(deps.db, userId) });
  return used;
}
