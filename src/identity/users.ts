import type { Kysely, Selectable } from 'kysely';
import type { Clock } from '../common/clock.js';
import { TollgateError } from '../common/errors.js';
import { newId } from '../common/ids.js';
import { toNumber, type Database, type UsersTable } from '../store/index.js';

export interface UserRecord {
  id: string;
  email: string;
  name: string | null;
  hasPassword: boolean;
  emailVerifiedAt: number | null;
  phoneNumber: string | null;
  phoneVerifiedAt: number | null;
  operator: boolean;
  status: 'active' | 'disabled';
  createdAt: number;
}

export function toUserRecord(row: Selectable<UsersTable>): UserRecord {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    hasPassword: row.password_hash !== null,
    emailVerifiedAt: toNumber(row.email_verified_at),
    phoneNumber: row.phone_number,
    phoneVerifiedAt: toNumber(row.phone_verified_at),
    operator: Number(row.operator) === 1,
    status: row.status === 'disabled' ? 'disabled' : 'active',
    createdAt: toNumber(row.created_at)!,
  };
}

/** Addresses compare case-insensitively; they are stored lower-cased and trimmed. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

// Deliberately plain: one @, a dot in the domain, no spaces or control characters. Real validation is the link we mail.
const EMAIL = /^[^\s@\u0000-\u001f\u007f]{1,64}@[^\s@\u0000-\u001f\u007f]+\.[^\s@\u0000-\u001f\u007f]{2,}$/;

export function checkEmail(email: unknown, param = 'email'): string {
  if (typeof email !== 'string') throw new TollgateError('invalid_type', { param, message: `Invalid type for '${param}': expected a string.` });
  const normal = normaliseEmail(email);
  if (normal.length > 254 || !EMAIL.test(normal)) throw new TollgateError('invalid_value', { param, message: `Invalid '${param}': expected an email address such as ada@example.com.` });
  return normal;
}

export async function findUserRowByEmail(db: Kysely<Database>, email: string): Promise<Selectable<UsersTable> | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', normaliseEmail(email)).executeTakeFirst();
}

export async function getUserRow(db: Kysely<Database>, id: string): Promise<Selectable<UsersTable> | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function getUser(db: Kysely<Database>, id: string): Promise<UserRecord> {
  const row = await getUserRow(db, id);
  if (!row) throw new TollgateError('not_found', { param: 'user_id', message: `No user found with id '${id.slice(0, 100)}'.` });
  return toUserRecord(row);
}

export interface NewUser {
  email: string;
  name?: string | null;
  passwordHash: string | null;
  emailVerified?: boolean;
  operator?: boolean;
}

/** Inserts an account; an address that already has one is a 409 (callers that must not reveal it check first). */
export async function insertUser(db: Kysely<Database>, clock: Clock, input: NewUser): Promise<UserRecord> {
  const now = clock.now();
  const id = newId('usr', now);
  const result = await db
    .insertInto('users')
    .values({
      id,
      email: normaliseEmail(input.email),
      name: input.name ?? null,
      password_hash: input.passwordHash,
      email_verified_at: input.emailVerified ? now : null,
      phone_number: null,
      phone_verified_at: null,
      operator: input.operator ? 1 : 0,
      status: 'active',
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('email').doNothing())
    .executeTakeFirst();
  if (Number(result.numInsertedOrUpdatedRows ?? 0n) === 0) {
    throw new TollgateError('conflict', { param: 'email', message: `An account with the address ${normaliseEmail(input.email)} already exists.` });
  }
  return getUser(db, id);
}

/** The account as its owner (and the dashboard) sees it: never the password hash. */
export function userObject(u: UserRecord): Record<string, unknown> {
  return {
    object: 'user',
    id: u.id,
    email: u.email,
    name: u.name,
    email_verified: u.emailVerifiedAt !== null,
    phone_number: u.phoneNumber,
    phone_verified: u.phoneVerifiedAt !== null,
    has_password: u.hasPassword,
    operator: u.operator,
    status: u.status,
    created_at: Math.floor(u.createdAt / 1000),
  };
}
