import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../common/clock.js';
import { TollgateError } from '../common/errors.js';
import type { ServerSecret } from '../secrets/index.js';
import type { Database } from '../store/index.js';

/** What a single-use token is for; a token of one purpose never serves another. */
export type TokenPurpose = 'email_verification' | 'password_reset' | 'setup' | 'second_factor';

export const TOKEN_LIFETIMES_MS: Record<TokenPurpose, number> = {
  email_verification: 24 * 3600_000,
  password_reset: 3600_000,
  setup: 7 * 24 * 3600_000,
  second_factor: 5 * 60_000,
};

/** 32 random bytes, base64url: the secret part of a link. */
export function newSecretToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Tokens and codes are stored as keyed hashes, bound to their purpose. */
export function tokenHash(secret: ServerSecret, purpose: string, token: string): string {
  return secret.hash(`${purpose}:${token}`);
}

export interface TokenDeps {
  db: Kysely<Database>;
  clock: Clock;
  secret: ServerSecret;
}

/** Issues a single-use token; returns the secret, which only its link carries. */
export async function issueToken(deps: TokenDeps, input: { purpose: TokenPurpose; userId: string | null; email?: string | null; ttlMs?: number }, db = deps.db): Promise<string> {
  const token = newSecretToken();
  const now = deps.clock.now();
  await db
    .insertInto('user_tokens')
    .values({
      token_hash: tokenHash(deps.secret, input.purpose, token),
      purpose: input.purpose,
      user_id: input.userId,
      email: input.email ?? null,
      created_at: now,
      expires_at: now + (input.ttlMs ?? TOKEN_LIFETIMES_MS[input.purpose]),
      used_at: null,
    })
    .execute();
  return token;
}

export interface ConsumedToken {
  userId: string | null;
  email: string | null;
}

/**
 * Uses a token up: one conditional update, so two requests racing with the
 * same link cannot both succeed. Unknown, used and expired tokens get the
 * same 400.
 */
export async function consumeToken(deps: TokenDeps, purpose: TokenPurpose, token: unknown, db = deps.db): Promise<ConsumedToken> {
  if (typeof token !== 'string' || token.length < 20 || token.length > 200) throw new TollgateError('invalid_token', { param: 'token' });
  const hash = tokenHash(deps.secret, purpose, token);
  const now = deps.clock.now();
  const used = await db
    .updateTable('user_tokens')
    .set({ used_at: now })
    .where('token_hash', '=', hash)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', BigInt(now))
    .executeTakeFirst();
  if (Number(used.numUpdatedRows) !== 1) throw new TollgateError('invalid_token', { param: 'token' });
  const row = await db.selectFrom('user_tokens').select(['user_id', 'email']).where('token_hash', '=', hash).executeTakeFirstOrThrow();
  return { userId: row.user_id, email: row.email };
}

/** Ends every unused token of a purpose for a user (a newer link replaces older ones; a reset ends pending resets). */
export async function revokeTokens(deps: TokenDeps, userId: string, purpose: TokenPurpose, db = deps.db): Promise<void> {
  await db.updateTable('user_tokens').set({ used_at: deps.clock.now() }).where('user_id', '=', userId).where('purpose', '=', purpose).where('used_at', 'is', null).execute();
}
