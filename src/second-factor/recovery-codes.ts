import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { IdentityDeps } from '../identity/index.js';
import type { Database } from '../store/index.js';

/** Ten codes of ten characters (50 bits each), shown once; each signs in once in place of a TOTP code. */
export const RECOVERY_CODE_COUNT = 10;
// Lower-case Crockford base32: no i, l, o or u to misread when copied from paper.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

function newCode(): string {
  const bytes = randomBytes(10);
  let code = '';
  for (const byte of bytes) code += ALPHABET[byte & 31];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/** What people type: case, spaces and dashes do not matter. */
function normalise(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

function codeHash(deps: Pick<IdentityDeps, 'secret'>, userId: string, code: string): string {
  return deps.secret.hash(`recovery_code:${userId}:${normalise(code)}`);
}

/** Replaces the account's recovery codes with a new set; returns the codes, which only this answer carries. */
export async function newRecoveryCodes(deps: IdentityDeps, userId: string, db: Kysely<Database> = deps.db): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newCode);
  const now = deps.clock.now();
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  await db
    .insertInto('recovery_codes')
    .values(codes.map((code) => ({ user_id: userId, code_hash: codeHash(deps, userId, code), created_at: now, used_at: null })))
    .execute();
  return codes;
}

/** Uses a recovery code up: one conditional update, so a code works exactly once. */
export async function useRecoveryCode(deps: IdentityDeps, userId: string, code: string): Promise<boolean> {
  if (code.length > 64) return false;
  const result = await deps.db
    .updateTable('recovery_codes')
    .set({ used_at: deps.clock.now() })
    .where('user_id', '=', userId)
    .where('code_hash', '=', codeHash(deps, userId, code))
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function recoveryCodesLeft(db: Kysely<Database>, userId: string): Promise<number> {
  const row = await db.selectFrom('recovery_codes').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).where('used_at', 'is', null).executeTakeFirst();
  return Number(row?.n ?? 0);
}
