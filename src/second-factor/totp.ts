import { Secret, TOTP } from 'otpauth';
import { TollgateError } from '../common/errors.js';
import type { IdentityDeps } from '../identity/index.js';
import { toNumber } from '../store/index.js';

/**
 * TOTP as every authenticator app reads it (RFC 6238 defaults): SHA-1,
 * 6 digits, 30-second steps. A code is accepted within one step either side
 * of now (clock drift), and a step once used, or any earlier one, is never
 * accepted again: a code seen over a shoulder or in a log is worthless.
 */
export const TOTP_PARAMS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;
const WINDOW_STEPS = 1;

export interface TotpFactor {
  status: 'pending' | 'active';
  enabledAt: number | null;
}

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The otpauth:// URI an authenticator app scans (as a QR code) or takes pasted. */
export function otpauthUri(secret: string, issuer: string, account: string): string {
  return new TOTP({ ...TOTP_PARAMS, issuer, label: account, secret: Secret.fromBase32(secret) }).toString();
}

/** The time step of a correct code near `now`, or null. */
export function codeStep(secret: string, code: string, now: number): number | null {
  const delta = TOTP.validate({ ...TOTP_PARAMS, token: code, secret: Secret.fromBase32(secret), timestamp: now, window: WINDOW_STEPS });
  return delta === null ? null : Math.floor(now / 1000 / TOTP_PARAMS.period) + delta;
}

/** Six digits, spaces and dashes people type between them removed; anything else is not a code. */
export function normaliseCode(code: string): string | null {
  const digits = code.replace(/[\s-]/g, '');
  return /^\d{6}$/.test(digits) ? digits : null;
}

export async function getTotpFactor(deps: Pick<IdentityDeps, 'db'>, userId: string): Promise<TotpFactor | null> {
  const row = await deps.db.selectFrom('totp_factors').select(['status', 'enabled_at']).where('user_id', '=', userId).executeTakeFirst();
  if (!row) return null;
  return { status: row.status === 'active' ? 'active' : 'pending', enabledAt: toNumber(row.enabled_at) };
}

/** Starts (or starts over) an enrolment: a new secret, pending until a first code confirms it. */
export async function startEnrolment(deps: IdentityDeps, userId: string): Promise<string> {
  const existing = await getTotpFactor(deps, userId);
  if (existing?.status === 'active') {
    throw new TollgateError('conflict', { message: 'An authenticator app is already set up for this account: turn it off first to set up another.' });
  }
  const secret = newTotpSecret();
  const sealed = deps.secret.encrypt(secret);
  const now = deps.clock.now();
  await deps.db
    .insertInto('totp_factors')
    .values({ user_id: userId, secret_sealed: sealed, status: 'pending', last_used_step: null, created_at: now, enabled_at: null })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ secret_sealed: sealed, status: 'pending', last_used_step: null, created_at: now, enabled_at: null }))
    .execute();
  return secret;
}

/**
 * Checks a code against the account's factor in the given state and, when it
 * is right, records its step: one conditional update, so two requests racing
 * with the same code cannot both pass. Confirming a pending factor activates it.
 */
export async function useTotpCode(deps: IdentityDeps, userId: string, code: string, status: TotpFactor['status']): Promise<boolean> {
  const digits = normaliseCode(code);
  if (!digits) return false;
  const row = await deps.db.selectFrom('totp_factors').selectAll().where('user_id', '=', userId).where('status', '=', status).executeTakeFirst();
  if (!row) return false;
  const now = deps.clock.now();
  const step = codeStep(deps.secret.decrypt(row.secret_sealed), digits, now);
  if (step === null) return false;
  const result = await deps.db
    .updateTable('totp_factors')
    .set({ last_used_step: step, ...(status === 'pending' ? { status: 'active', enabled_at: now } : {}) })
    .where('user_id', '=', userId)
    .where('status', '=', status)
    .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', BigInt(step))]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
