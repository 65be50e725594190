import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Selectable } from 'kysely';
import { TollgateError } from '../common/errors.js';
import { newId } from '../common/ids.js';
import { recordAudit, type Actor } from '../control/index.js';
import { toNumber, type InvitesTable } from '../store/index.js';
import { checkName, LINK_PATHS, type SignupGate } from './accounts.js';
import { link, sendMail, type IdentityDeps } from './context.js';
import { addOrgMember, addProjectMember, orgRoleOf, type OrgRole, type ProjectRole } from './members.js';
import { inviteMail } from './messages.js';
import { checkPasswordPolicy, hashPassword } from './passwords.js';
import { currentSession, establishSession } from './sign-in.js';
import { newSecretToken, tokenHash } from './tokens.js';
import { checkEmail, findUserRowByEmail, insertUser } from './users.js';

export const INVITE_LIFETIME_DAYS = 7;

export interface InviteRecord {
  id: string;
  organizationId: string;
  email: string;
  role: OrgRole;
  projects: { id: string; role: ProjectRole }[];
  status: 'pending' | 'accepted' | 'expired' | 'revoked';
  createdAt: number;
  expiresAt: number;
  acceptedAt: number | null;
}

function toRecord(row: Selectable<InvitesTable>, now: number): InviteRecord {
  const expiresAt = toNumber(row.expires_at)!;
  const status = row.status === 'pending' && expiresAt <= now ? 'expired' : (row.status as InviteRecord['status']);
  return {
    id: row.id,
    organizationId: row.organization_id,
    email: row.email,
    role: row.role as OrgRole,
    projects: JSON.parse(row.projects) as InviteRecord['projects'],
    status,
    createdAt: toNumber(row.created_at)!,
    expiresAt,
    acceptedAt: toNumber(row.accepted_at),
  };
}

/** OpenAI's `organization.invite`. */
export function inviteObject(i: InviteRecord): Record<string, unknown> {
  return {
    object: 'organization.invite',
    id: i.id,
    email: i.email,
    role: i.role,
    status: i.status,
    created_at: Math.floor(i.createdAt / 1000),
    expires_at: Math.floor(i.expiresAt / 1000),
    accepted_at: i.acceptedAt === null ? null : Math.floor(i.acceptedAt / 1000),
    projects: i.projects,
  };
}

function inviteNotFound(id: string): TollgateError {
  return new TollgateError('not_found', { param: 'invite_id', message: `No invite found with id '${id.slice(0, 100)}'.` });
}

export async function getInvite(deps: IdentityDeps, actor: Actor, id: string): Promise<InviteRecord> {
  const row = await deps.db.selectFrom('invites').selectAll().where('id', '=', id).where('organization_id', '=', actor.organizationId).executeTakeFirst();
  if (!row) throw inviteNotFound(id);
  return toRecord(row, deps.clock.now());
}

export async function listInvites(deps: IdentityDeps, actor: Actor, page: { limit: number; after?: string | undefined }) {
  let q = deps.db.selectFrom('invites').selectAll().where('organization_id', '=', actor.organizationId).where('status', '!=', 'revoked');
  if (page.after) q = q.where('id', '>', page.after);
  const rows = await q.orderBy('id').limit(page.limit + 1).execute();
  return { records: rows.slice(0, page.limit).map((r) => toRecord(r, deps.clock.now())), hasMore: rows.length > page.limit };
}

/**
 * Invites an address into the organization. Projects: as OpenAI does, none
 * given means the organization's default (oldest active) project as a
 * member, `[]` means none. The mail carries a single-use link bound to the
 * address; it expires after 7 days and can be revoked.
 */
export async function createInvite(deps: IdentityDeps, actor: Actor, input: { email: string; role: OrgRole; projects?: { id: string; role: ProjectRole }[] | undefined }): Promise<InviteRecord> {
  const email = checkEmail(input.email);
  const now = deps.clock.now();
  let projects = input.projects;
  if (projects === undefined) {
    const first = await deps.db.selectFrom('projects').select('id').where('organization_id', '=', actor.organizationId).where('status', '=', 'active').orderBy('id').limit(1).executeTakeFirst();
    projects = first ? [{ id: first.id, role: 'member' }] : [];
  }
  for (const [i, p] of projects.entries()) {
    const found = await deps.db.selectFrom('projects').select('id').where('id', '=', p.id).where('organization_id', '=', actor.organizationId).where('status', '=', 'active').executeTakeFirst();
    if (!found) throw new TollgateError('invalid_value', { param: `projects[${i}].id`, message: `No active project '${p.id.slice(0, 100)}' in this organization.` });
  }
  const existing = await findUserRowByEmail(deps.db, email);
  if (existing && (await orgRoleOf(deps.db, actor.organizationId, existing.id))) {
    throw new TollgateError('conflict', { param: 'email', message: `${email} is already a member of this organization.` });
  }
  const pending = await deps.db.selectFrom('invites').select('id').where('organization_id', '=', actor.organizationId).where('email', '=', email).where('status', '=', 'pending').where('expires_at', '>', BigInt(now)).executeTakeFirst();
  if (pending) throw new TollgateError('conflict', { param: 'email', message: `${email} already has a pending invite (${pending.id}): delete it to send a new one.` });
  const token = newSecretToken();
  const id = newId('invite', now);
  const expiresAt = now + INVITE_LIFETIME_DAYS * 24 * 3600_000;
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('invites')
      .values({ id, organization_id: actor.organizationId, email, role: input.role, projects: JSON.stringify(projects), token_hash: tokenHash(deps.secret, 'invite', token), status: 'pending', invited_by: actor.id, created_at: now, expires_at: expiresAt, accepted_at: null, accepted_by: null, revoked_at: null })
      .execute();
    await recordAudit(trx, deps.clock, actor, { type: 'invite.sent', projectId: null, resourceId: id, details: { email, role: input.role, projects } });
  });
  const org = await deps.db.selectFrom('organizations').select('name').where('id', '=', actor.organizationId).executeTakeFirstOrThrow();
  const inviter = actor.type === 'user' && actor.id ? await deps.db.selectFrom('users').select(['name', 'email']).where('id', '=', actor.id).executeTakeFirst() : undefined;
  sendMail(deps, inviteMail(email, link(deps, LINK_PATHS.invite, token), org.name, inviter ? (inviter.name ?? inviter.email) : null, input.role, INVITE_LIFETIME_DAYS));
  return getInvite(deps, actor, id);
}

/** Revokes a pending invite: its link stops working. An accepted invite cannot be deleted. */
export async function revokeInvite(deps: IdentityDeps, actor: Actor, id: string): Promise<void> {
  const invite = await getInvite(deps, actor, id);
  if (invite.status === 'accepted') throw new TollgateError('conflict', { param: 'invite_id', message: 'This invite was accepted: remove the member instead.' });
  await deps.db.transaction().execute(async (trx) => {
    await trx.updateTable('invites').set({ status: 'revoked', revoked_at: deps.clock.now() }).where('id', '=', id).where('status', '=', 'pending').execute();
    await recordAudit(trx, deps.clock, actor, { type: 'invite.deleted', projectId: null, resourceId: id, details: { email: invite.email } });
  });
}

async function pendingByToken(deps: IdentityDeps, token: unknown): Promise<Selectable<InvitesTable>> {
  if (typeof token !== 'string' || token.length < 20 || token.length > 200) throw new TollgateError('invalid_token', { param: 'token' });
  const row = await deps.db.selectFrom('invites').selectAll().where('token_hash', '=', tokenHash(deps.secret, 'invite', token)).executeTakeFirst();
  if (!row || row.status !== 'pending' || Number(row.expires_at) <= deps.clock.now()) throw new TollgateError('invalid_token', { param: 'token' });
  return row;
}

/** What the invite page shows before accepting: the organization, the address and whether it already has an account. */
export async function lookupInvite(deps: IdentityDeps, token: unknown): Promise<Record<string, unknown>> {
  const row = await pendingByToken(deps, token);
  const org = await deps.db.selectFrom('organizations').select(['id', 'name']).where('id', '=', row.organization_id).executeTakeFirstOrThrow();
  return { ...inviteObject(toRecord(row, deps.clock.now())), organization: { id: org.id, name: org.name }, account_exists: (await findUserRowByEmail(deps.db, row.email)) !== undefined };
}

/**
 * Accepts an invite. The link proves the invited mailbox, so the address
 * counts as verified. Signed in as that address: join. Not signed in and no
 * account yet: the account is created with the password given, joins, and
 * the browser is signed in. An account exists but is not signed in: sign in
 * first. Another signed-in address: refused (invites are bound to theirs).
 */
export async function acceptInvite(deps: IdentityDeps & { signupGate: SignupGate }, request: FastifyRequest, reply: FastifyReply, body: { token?: unknown; password?: unknown; name?: unknown }): Promise<Record<string, unknown>> {
  const row = await pendingByToken(deps, body.token);
  const session = await currentSession(deps, request);
  const existing = await findUserRowByEmail(deps.db, row.email);
  let userId: string;
  let created = false;
  if (session) {
    if (session.user.email !== row.email) throw new TollgateError('permission_denied', { message: `This invite is for ${row.email}; you are signed in as ${session.user.email}.` });
    userId = session.userId;
  } else if (existing) {
    throw new TollgateError('not_signed_in', { message: `Sign in as ${row.email} to accept this invite.` });
  } else {
    if (body.password === undefined) throw new TollgateError('missing_required_parameter', { param: 'password', message: "Missing required parameter: 'password' (to create the invited account)." });
    const name = checkName(body.name);
    checkPasswordPolicy(body.password as string, { email: row.email, name });
    await deps.signupGate(row.email, { invited: true });
    const user = await insertUser(deps.db, deps.clock, { email: row.email, name, passwordHash: await hashPassword(body.password as string), emailVerified: true });
    userId = user.id;
    created = true;
  }
  const now = deps.clock.now();
  const actor: Actor = { organizationId: row.organization_id, type: 'user', id: userId, ip: request.ip, userAgent: typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'] : null };
  await deps.db.transaction().execute(async (trx) => {
    const taken = await trx.updateTable('invites').set({ status: 'accepted', accepted_at: now, accepted_by: userId }).where('id', '=', row.id).where('status', '=', 'pending').where('expires_at', '>', BigInt(now)).executeTakeFirst();
    if (Number(taken.numUpdatedRows) !== 1) throw new TollgateError('invalid_token', { param: 'token' });
    await addOrgMember(trx, deps.clock, row.organization_id, userId, row.role as OrgRole);
    for (const p of JSON.parse(row.projects) as { id: string; role: ProjectRole }[]) {
      const active = await trx.selectFrom('projects').select('id').where('id', '=', p.id).where('status', '=', 'active').executeTakeFirst();
      if (active) await addProjectMember(trx, deps.clock, row.organization_id, p.id, userId, p.role);
    }
    await trx.updateTable('users').set({ email_verified_at: now, updated_at: now }).where('id', '=', userId).where('email_verified_at', 'is', null).execute();
    await recordAudit(trx, deps.clock, actor, { type: 'invite.accepted', projectId: null, resourceId: row.id, details: { email: row.email, role: row.role, account_created: created } });
    await recordAudit(trx, deps.clock, actor, { type: 'user.added', projectId: null, resourceId: userId, details: { email: row.email, role: row.role, invite_id: row.id } });
  });
  const invite = inviteObject(toRecord({ ...row, status: 'accepted', accepted_at: BigInt(now) }, now));
  if (session) return { ...invite, organization_id: row.organization_id };
  return { ...(await establishSession(deps, request, reply, userId, 'invite')), invite, organization_id: row.organization_id };
}
