import { hash, verify } from '@node-rs/argon2';
import { TollgateError } from '../common/errors.js';
import { COMMON_PASSWORDS } from './common-passwords.js';

/**
 * argon2id at OWASP's Password Storage Cheat Sheet recommendation: 19 MiB of
 * memory, 2 iterations, 1 lane (the parameters are stored in each hash, so
 * raising them later only affects new hashes).
 */
const ARGON2 = { algorithm: 2 /* Algorithm.Argon2id (a const enum) */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

// Compared against when an address has no account (or no password), so a
// sign-in takes as long whether or not the account exists.
let dummy: Promise<string> | undefined;

/** True when `password` matches `stored`; with no stored hash, spends the same time and answers false. */
export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (stored === null) {
    await verify(await (dummy ??= hashPassword('tollgate-no-such-account-password')), password).catch(() => false);
    return false;
  }
  return verify(stored, password).catch(() => false);
}

/** Common and breached passwords (and the words they are built on), one a line, lower case. */
const COMMON = new Set(COMMON_PASSWORDS);

function weak(message: string): TollgateError {
  return new TollgateError('weak_password', { param: 'password', message });
}

/**
 * NIST SP 800-63B's rules rather than composition rules: long enough, not a
 * known common or breached password (nor one with digits and symbols stuck
 * around one), not built from the account's own address or name.
 */
export function checkPasswordPolicy(password: string, context: { email?: string; name?: string | null } = {}): void {
  if (typeof password !== 'string') throw new TollgateError('invalid_type', { param: 'password', message: "Invalid type for 'password': expected a string." });
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) throw weak(`Your password must be at least ${MIN_PASSWORD_LENGTH} characters long.`);
  if (length > MAX_PASSWORD_LENGTH) throw weak(`Your password must be at most ${MAX_PASSWORD_LENGTH} characters long.`);
  const lower = password.toLowerCase();
  const core = lower.replace(/^[^a-z]+|[^a-z]+$/g, '');
  if (COMMON.has(lower) || (core.length >= 4 && COMMON.has(core)) || COMMON.has(lower.replace(/[^a-z0-9]/g, ''))) {
    throw weak('This password is too common: it appears in lists of breached passwords. Choose another one.');
  }
  if (new Set(lower).size <= 3) throw weak('Your password repeats too few characters. Choose a longer mix, such as a few unrelated words.');
  if (isSequence(lower)) throw weak('Your password is a keyboard or number sequence. Choose another one.');
  const local = context.email?.toLowerCase().split('@')[0] ?? '';
  const words = [local, ...(context.name ?? '').toLowerCase().split(/\s+/)].filter((w) => w.length >= 4);
  if (words.some((w) => core === w || lower.replace(/[^a-z]/g, '') === w.replace(/[^a-z]/g, ''))) {
    throw weak('Your password must not be your email address or name.');
  }
}

const SEQUENCES = ['abcdefghijklmnopqrstuvwxyz', '01234567890', 'qwertyuiopasdfghjklzxcvbnm', '1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p', 'qazwsxedcrfvtgbyhnujmikolp'];

function isSequence(text: string): boolean {
  const compact = text.replace(/[^a-z0-9]/g, '');
  if (compact.length < 8) return false;
  return SEQUENCES.some((seq) => seq.includes(compact) || [...seq].reverse().join('').includes(compact));
}
