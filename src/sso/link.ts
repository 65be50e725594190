import type { FastifyRequest } from 'fastify';
import { TollgateError } from '../common/errors.js';
import { newId } from '../common/ids.js';
import {
  auditAccount,
  checkEmail,
  checkName,
  findUserRowByEmail,
  insertUser,
  revokeUserSessions,
  type IdentityDeps,
} from '../identity/index.js';
import type { IdentityClaims } from './presets.js';
import type { SsoProvider } from './provider.js';

/** Decides whether a new address may get an account (the sign-up policy). */
export type SignupGate = (email: string) => Promise<void>;

export interface LinkDeps extends IdentityDeps {
  signupGate: SignupGate;
}

function nameOf(claims: IdentityClaims, extra: string | null): string | null {
  const joined = [claims.given_name, claims.family_name].filter((p) => typeof p === 'string' && p).join(' ');
  const candidate = typeof claims.name === 'string' && claims.name ? claims.name : joined || extra;
  try {
    return checkName(candidate);
  } catch {
    return null;
  }
}

/**
 * The account an identity signs in to:
 * - one already linked to it (issuer and subject) signs in, whatever its email says today;
 * - else the provider must vouch for the email (email_verified, or its preset's
 *   equivalent): an unverified address is refused, never linked, since anyone
 *   can type anyone's address into some identity provider;
 * - an account with that address gets the identity linked. If the account had
 *   never verified its address, whoever set its password never proved the
 *   mailbox (an account made in advance to hijack the real owner's later
 *   sign-in): the password is removed and its sessions end;
 * - no account: one is made when the sign-up policy lets the address in.
 */
export async function accountForIdentity(deps: LinkDeps, request: FastifyRequest, provider: SsoProvider, claims: IdentityClaims, nameHint: string | null): Promise<string> {
  const now = deps.clock.now();
  const linked = await deps.db.selectFrom('sso_identities').select(['id', 'user_id']).where('issuer', '=', claims.iss).where('subject', '=', claims.sub).executeTakeFirst();
  if (linked) {
    await deps.db.updateTable('sso_identities').set({ last_used_at: now }).where('id', '=', linked.id).execute();
    return linked.user_id;
  }
  if (typeof claims.email !== 'string' || claims.email === '') throw new TollgateError('sso_email_missing');
  let email: string;
  try {
    email = checkEmail(claims.email);
  } catch {
    throw new TollgateError('sso_email_missing', { context: { reason: 'not an email address' } });
  }
  if (!provider.preset.emailVerified(claims)) throw new TollgateError('sso_email_unverified', { context: { provider: provider.id } });

  let row = await findUserRowByEmail(deps.db, email);
  let created = false;
  if (!row) {
    await deps.signupGate(email);
    const user = await insertUser(deps.db, deps.clock, { email, name: nameOf(claims, nameHint), passwordHash: null, emailVerified: true }).catch(async (err: unknown) => {
      if (err instanceof TollgateError && err.errorName === 'conflict') return null; // the same address signed up a moment ago
      throw err;
    });
    created = user !== null;
    row = await findUserRowByEmail(deps.db, email);
    if (!row) throw new TollgateError('server_error');
    if (created) await auditAccount(deps, request, row.id, 'user.signed_up', { email, method: 'sso', provider: provider.id });
  }
  if (row.status !== 'active') throw new TollgateError('account_disabled');

  const unproven = row.email_verified_at === null;
  const inserted = await deps.db.transaction().execute(async (trx) => {
    const result = await trx
      .insertInto('sso_identities')
      .values({ id: newId('sso', now), user_id: row.id, provider: provider.id, issuer: claims.iss, subject: claims.sub, email, created_at: now, last_used_at: now })
      .onConflict((oc) => oc.columns(['issuer', 'subject']).doNothing())
      .executeTakeFirst();
    if (Number(result.numInsertedOrUpdatedRows ?? 0n) === 0) return false;
    if (unproven) {
      await trx.updateTable('users').set({ email_verified_at: now, password_hash: null, updated_at: now }).where('id', '=', row.id).execute();
      await revokeUserSessions(deps, row.id, 'sso_linked_unverified_account', undefined, trx);
    }
    return true;
  });
  if (!inserted) {
    // Linked by a sign-in racing this one: use what it linked.
    const winner = await deps.db.selectFrom('sso_identities').select('user_id').where('issuer', '=', claims.iss).where('subject', '=', claims.sub).executeTakeFirstOrThrow();
    return winner.user_id;
  }
  await auditAccount(deps, request, row.id, 'sso.linked', {
    provider: provider.id,
    issuer: claims.iss,
    subject: claims.sub,
    email,
    account_created: created,
    ...(unproven && !created ? { unverified_account_password_removed: true } : {}),
  });
  return row.id;
}
