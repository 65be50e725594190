import { timingSafeEqual } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Clock } from '../common/clock.js';
import { TollgateError } from '../common/errors.js';
import type { ServerSecret } from '../secrets/index.js';
import type { Database } from '../store/index.js';

export const THROTTLE_WINDOW_MS = 15 * 60_000;

export interface ThrottleLimits {
  /** Failures to one account from one address. */
  perAccountAndAddress: number;
  /** Failures from one address, to any accounts (password spraying). */
  perAddress: number;
  /** Failures to one account from everywhere; only browsers that never signed in to it wait. */
  perAccount: number;
}

export interface ThrottleDeps {
  db: Kysely<Database>;
  clock: Clock;
  secret: ServerSecret;
  limits: ThrottleLimits;
}

/**
 * Sign-in throttling that one party cannot turn against another. Counters
 * live in the store (fixed 15-minute windows), so every instance shares them.
 * - one account from one address: that address waits (the usual guesser);
 * - one address over many accounts: that address waits (spraying);
 * - one account from many addresses: only browsers without the account's
 *   device cookie (set by an earlier successful sign-in there) wait, so an
 *   attacker spread over many addresses cannot lock the owner out of the
 *   browser they use, and a password reset (which proves the mailbox) always works.
 * Unknown addresses are counted exactly like known ones (no enumeration).
 */
export interface SignInThrottle {
  /** Throws 429 (with retry-after) when this attempt must wait. */
  check(attempt: Attempt): Promise<void>;
  failed(attempt: Attempt): Promise<void>;
  succeeded(attempt: Attempt): Promise<void>;
  /** Counts one event against a key (mails sent, codes sent) and says whether it is over `limit` in this window. */
  over(key: string, limit: number): Promise<boolean>;
}

export interface Attempt {
  email: string;
  ip: string;
  /** The browser holds a device cookie of this very account. */
  knownDevice: boolean;
}

export function createSignInThrottle(deps: ThrottleDeps): SignInThrottle {
  const { db, clock, limits } = deps;
  let lastSweep = 0;
  const account = (email: string) => deps.secret.hash(`sign-in:${email}`).slice(0, 32);
  const keys = (a: Attempt) => ({ pair: `p:${account(a.email)}:${a.ip}`, address: `a:${a.ip}`, account: `u:${account(a.email)}` });

  async function counts(list: string[]): Promise<Map<string, { count: number; start: number }>> {
    const since = clock.now() - THROTTLE_WINDOW_MS;
    const rows = await db.selectFrom('auth_attempts').selectAll().where('key', 'in', list).where('window_start', '>', BigInt(since)).execute();
    return new Map(rows.map((r) => [r.key, { count: Number(r.count), start: Number(r.window_start) }]));
  }

  async function bump(key: string): Promise<number> {
    const now = clock.now();
    const stale = BigInt(now - THROTTLE_WINDOW_MS);
    await sql`insert into auth_attempts (key, window_start, count) values (${key}, ${BigInt(now)}, 1)
      on conflict (key) do update set
        count = case when auth_attempts.window_start <= ${stale} then 1 else auth_attempts.count + 1 end,
        window_start = case when auth_attempts.window_start <= ${stale} then ${BigInt(now)} else auth_attempts.window_start end`.execute(db);
    if (now - lastSweep > THROTTLE_WINDOW_MS) {
      lastSweep = now;
      await db.deleteFrom('auth_attempts').where('window_start', '<=', stale).execute();
    }
    const row = await db.selectFrom('auth_attempts').select('count').where('key', '=', key).executeTakeFirst();
    return Number(row?.count ?? 1);
  }

  return {
    async check(attempt) {
      const k = keys(attempt);
      const seen = await counts([k.pair, k.address, k.account]);
      const blocked = [
        [k.pair, limits.perAccountAndAddress],
        [k.address, limits.perAddress],
        ...(attempt.knownDevice ? [] : [[k.account, limits.perAccount] as const]),
      ] as const;
      let until = 0;
      for (const [key, limit] of blocked) {
        const c = seen.get(key);
        if (c && c.count >= limit) until = Math.max(until, c.start + THROTTLE_WINDOW_MS);
      }
      if (until > 0) {
        throw new TollgateError('too_many_sign_in_attempts', { headers: { 'retry-after': String(Math.max(1, Math.ceil((until - clock.now()) / 1000))) } });
      }
    },
    async failed(attempt) {
      const k = keys(attempt);
      await bump(k.pair);
      await bump(k.address);
      await bump(k.account);
    },
    async succeeded(attempt) {
      await db.deleteFrom('auth_attempts').where('key', '=', keys(attempt).pair).execute();
    },
    async over(key, limit) {
      return (await bump(`x:${key}`)) > limit;
    },
  };
}

/** The device cookie: the account id, signed. It marks a browser this account signed in on. */
export function deviceCookieValue(secret: ServerSecret, userId: string): string {
  return `${userId}.${secret.hash(`device:${userId}`).slice(0, 32)}`;
}

export function isKnownDevice(secret: ServerSecret, cookie: string | undefined, userId: string | undefined): boolean {
  if (!cookie || !userId) return false;
  const expected = Buffer.from(deviceCookieValue(secret, userId));
  const given = Buffer.from(cookie);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
