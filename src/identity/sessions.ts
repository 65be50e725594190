import { timingSafeEqual } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { Clock } from '../common/clock.js';
import { newId } from '../common/ids.js';
import type { ServerSecret } from '../secrets/index.js';
import { toNumber, type Database, type SessionsTable, type UsersTable } from '../store/index.js';
import { newSecretToken, tokenHash } from './tokens.js';

/** How a session was established (listed to its owner). */
export type SessionMethod = 'password' | 'sso' | 'invite' | 'password_reset' | 'setup' | 'second_factor';

export interface SessionTimeouts {
  idleMs: number;
  absoluteMs: number;
}

export interface SessionDeps {
  db: Kysely<Database>;
  clock: Clock;
  secret: ServerSecret;
  timeouts: SessionTimeouts;
}

export interface SessionRecord {
  id: string;
  userId: string;
  method: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  ip: string | null;
  userAgent: string | null;
}

/** A live session with its account, as a request sees it. */
export interface ActiveSession extends SessionRecord {
  user: Selectable<UsersTable>;
}

// A session's last use is written at most this often: the idle timeout is days, a write per request is waste.
const TOUCH_EVERY_MS = 60_000;

function toRecord(row: Selectable<SessionsTable>): SessionRecord {
  return {
    id: row.id,
    userId: row.user_id,
    method: row.method,
    createdAt: toNumber(row.created_at)!,
    lastSeenAt: toNumber(row.last_seen_at)!,
    expiresAt: toNumber(row.expires_at)!,
    ip: row.ip,
    userAgent: row.user_agent,
  };
}

/** The idle or absolute end, whichever comes first. */
export function sessionEnd(session: SessionRecord, timeouts: SessionTimeouts): number {
  return Math.min(session.expiresAt, session.lastSeenAt + timeouts.idleMs);
}

/** Creates a session; returns its record and the cookie's token (the store keeps only its hash). */
export async function createSession(
  deps: SessionDeps,
  input: { userId: string; method: SessionMethod; ip: string | null; userAgent: string | null },
): Promise<{ session: SessionRecord; token: string }> {
  const now = deps.clock.now();
  const token = newSecretToken();
  const row = {
    id: newId('ses', now),
    token_hash: tokenHash(deps.secret, 'session', token),
    user_id: input.userId,
    method: input.method,
    created_at: now,
    last_seen_at: now,
    expires_at: now + deps.timeouts.absoluteMs,
    ip: input.ip,
    user_agent: input.userAgent?.slice(0, 512) ?? null,
    revoked_at: null,
    revoked_reason: null,
  };
  await deps.db.insertInto('sessions').values(row).execute();
  return { session: toRecord(row as unknown as Selectable<SessionsTable>), token };
}

/**
 * The session a cookie's token names, if it is live: not revoked, within both
 * timeouts, its account active. Looked up in the store on every request, so a
 * revocation on any instance applies to the very next request everywhere.
 */
export async function findSession(deps: SessionDeps, token: string | undefined): Promise<ActiveSession | null> {
  if (!token || token.length > 200) return null;
  const row = await deps.db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .selectAll('sessions')
    .select(['users.status as user_status'])
    .where('sessions.token_hash', '=', tokenHash(deps.secret, 'session', token))
    .where('sessions.revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row || row.user_status !== 'active') return null;
  const session = toRecord(row);
  const now = deps.clock.now();
  if (sessionEnd(session, deps.timeouts) <= now) return null;
  if (now - session.lastSeenAt >= TOUCH_EVERY_MS) {
    await deps.db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', session.id).execute();
    session.lastSeenAt = now;
  }
  const user = await deps.db.selectFrom('users').selectAll().where('id', '=', session.userId).executeTakeFirstOrThrow();
  return { ...session, user };
}

export async function listSessions(deps: SessionDeps, userId: string): Promise<SessionRecord[]> {
  const now = deps.clock.now();
  const rows = await deps.db.selectFrom('sessions').selectAll().where('user_id', '=', userId).where('revoked_at', 'is', null).where('expires_at', '>', BigInt(now)).orderBy('id', 'desc').execute();
  return rows.map(toRecord).filter((s) => sessionEnd(s, deps.timeouts) > now);
}

/** Ends one session of a user; false when it was not theirs or already ended. */
export async function revokeSession(deps: SessionDeps, userId: string, sessionId: string, reason: string): Promise<boolean> {
  const result = await deps.db
    .updateTable('sessions')
    .set({ revoked_at: deps.clock.now(), revoked_reason: reason })
    .where('id', '=', sessionId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Ends every session of a user but `keep` (none: all of them); returns how many ended. */
export async function revokeUserSessions(deps: Pick<SessionDeps, 'db' | 'clock'>, userId: string, reason: string, keep?: string, db = deps.db): Promise<number> {
  let q = db.updateTable('sessions').set({ revoked_at: deps.clock.now(), revoked_reason: reason }).where('user_id', '=', userId).where('revoked_at', 'is', null);
  if (keep) q = q.where('id', '!=', keep);
  return Number((await q.executeTakeFirst()).numUpdatedRows);
}

/**
 * The CSRF token of a session: derived (HMAC of its id), so nothing more is
 * stored; a page can read it from the sign-in answer, GET /v1/me or the
 * `tollgate_csrf` cookie, and a cross-site form cannot.
 */
export function csrfToken(secret: ServerSecret, sessionId: string): string {
  return secret.hash(`csrf:${sessionId}`).slice(0, 43);
}

export function csrfMatches(secret: ServerSecret, sessionId: string, presented: unknown): boolean {
  if (typeof presented !== 'string') return false;
  const expected = Buffer.from(csrfToken(secret, sessionId));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function sessionObject(s: SessionRecord, timeouts: SessionTimeouts, currentId: string | null): Record<string, unknown> {
  return {
    object: 'session',
    id: s.id,
    method: s.method,
    created_at: Math.floor(s.createdAt / 1000),
    last_active_at: Math.floor(s.lastSeenAt / 1000),
    expires_at: Math.floor(sessionEnd(s, timeouts) / 1000),
    ip_address: s.ip,
    user_agent: s.userAgent,
    current: s.id === currentId,
  };
}
