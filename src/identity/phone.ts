import { randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../common/clock.js';
import { TollgateError } from '../common/errors.js';
import type { ServerSecret } from '../secrets/index.js';
import type { Database } from '../store/index.js';
import type { SmsSender } from './sms.js';
import type { SignInThrottle } from './throttle.js';

const CODE_LIFETIME_MS = 10 * 60_000;
const MAX_ATTEMPTS = 5;
/** Codes one account may ask for per 15 minutes (each costs an SMS). */
const MAX_CODES = 5;

export interface PhoneDeps {
  db: Kysely<Database>;
  clock: Clock;
  secret: ServerSecret;
  sms: SmsSender;
  throttle: SignInThrottle;
}

/** E.164: a plus, a country code and the number, digits only (spaces, dashes and brackets are dropped). */
export function checkPhoneNumber(value: unknown): string {
  if (typeof value !== 'string') throw new TollgateError('invalid_type', { param: 'phone_number', message: "Invalid type for 'phone_number': expected a string." });
  const compact = value.replace(/[\s().-]/g, '');
  if (!/^\+[1-9]\d{6,14}$/.test(compact)) {
    throw new TollgateError('invalid_value', { param: 'phone_number', message: "Invalid 'phone_number': expected an international number such as +15551234567." });
  }
  return compact;
}

const codeHash = (deps: PhoneDeps, userId: string, phone: string, code: string) => deps.secret.hash(`phone:${userId}:${phone}:${code}`);

/** Sends a fresh 6-digit code to `phone` (replacing any earlier one); the store keeps only its keyed hash. */
export async function sendPhoneCode(deps: PhoneDeps, userId: string, phoneNumber: unknown): Promise<{ phone: string; expiresAt: number }> {
  const phone = checkPhoneNumber(phoneNumber);
  if (await deps.throttle.over(`sms:${userId}`, MAX_CODES)) throw new TollgateError('too_many_codes', { headers: { 'retry-after': '900' } });
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const now = deps.clock.now();
  const row = { user_id: userId, phone_number: phone, code_hash: codeHash(deps, userId, phone, code), attempts: 0, created_at: now, expires_at: now + CODE_LIFETIME_MS };
  await deps.db
    .insertInto('phone_codes')
    .values(row)
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ phone_number: phone, code_hash: row.code_hash, attempts: 0, created_at: now, expires_at: row.expires_at }))
    .execute();
  await deps.sms.send(phone, `Your Tollgate verification code is ${code}. It expires in 10 minutes.`);
  return { phone, expiresAt: row.expires_at };
}

/**
 * Checks a code: at most five tries per code (each try is counted before the
 * comparison, so parallel guesses cannot exceed it), then the number is the
 * account's, verified.
 */
export async function confirmPhoneCode(deps: PhoneDeps, userId: string, code: unknown): Promise<string> {
  if (typeof code !== 'string' || !/^\d{6}$/.test(code)) throw new TollgateError('invalid_value', { param: 'code', message: "Invalid 'code': expected the 6 digits we sent." });
  const now = deps.clock.now();
  const counted = await deps.db
    .updateTable('phone_codes')
    .set((eb) => ({ attempts: eb('attempts', '+', 1n) }))
    .where('user_id', '=', userId)
    .where('attempts', '<', BigInt(MAX_ATTEMPTS))
    .where('expires_at', '>', BigInt(now))
    .executeTakeFirst();
  if (Number(counted.numUpdatedRows) !== 1) throw new TollgateError('invalid_token', { param: 'code', message: 'This code has expired or was tried too often. Ask for a new one.' });
  const row = await deps.db.selectFrom('phone_codes').selectAll().where('user_id', '=', userId).executeTakeFirstOrThrow();
  if (row.code_hash !== codeHash(deps, userId, row.phone_number, code)) throw new TollgateError('invalid_token', { param: 'code', message: 'This code is not the one we sent.' });
  await deps.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('phone_codes').where('user_id', '=', userId).execute();
    await trx.updateTable('users').set({ phone_number: row.phone_number, phone_verified_at: now, updated_at: now }).where('id', '=', userId).execute();
  });
  return row.phone_number;
}
