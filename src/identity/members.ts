import type { Kysely } from 'kysely';
import type { Clock } from '../common/clock.js';
import { TollgateError } from '../common/errors.js';
import { recordAudit, revokeKeyById, type Actor, type ControlDeps, type KeyPrincipal } from '../control/index.js';
import { toNumber, type Database } from '../store/index.js';

export type OrgRole = 'owner' | 'reader';
export type ProjectRole = 'owner' | 'member';
export const ORG_ROLES: readonly OrgRole[] = ['owner', 'reader'];
export const PROJECT_ROLES: readonly ProjectRole[] = ['owner', 'member'];

export async function orgRoleOf(db: Kysely<Database>, organizationId: string, userId: string): Promise<OrgRole | null> {
  const row = await db.selectFrom('organization_members').select('role').where('organization_id', '=', organizationId).where('user_id', '=', userId).executeTakeFirst();
  return (row?.role as OrgRole | undefined) ?? null;
}

export async function projectRoleOf(db: Kysely<Database>, projectId: string, userId: string): Promise<ProjectRole | null> {
  const row = await db.selectFrom('project_members').select('role').where('project_id', '=', projectId).where('user_id', '=', userId).executeTakeFirst();
  return (row?.role as ProjectRole | undefined) ?? null;
}

/** The Owners of an organization (active accounts), for notices: who gets billing mail. */
export async function ownersOf(db: Kysely<Database>, organizationId: string): Promise<{ userId: string; email: string; name: string | null }[]> {
  const rows = await db
    .selectFrom('organization_members')
    .innerJoin('users', 'users.id', 'organization_members.user_id')
    .select(['users.id', 'users.email', 'users.name'])
    .where('organization_members.organization_id', '=', organizationId)
    .where('organization_members.role', '=', 'owner')
    .where('users.status', '=', 'active')
    .orderBy('users.id')
    .execute();
  return rows.map((r) => ({ userId: r.id, email: r.email, name: r.name }));
}

/**
 * Whether a caller may act as an Owner of `organizationId`: the operator
 * anywhere; an Owner's session there; an admin key of that organization
 * (admin keys are the organization's own, made by its Owners).
 */
export async function isOwnerOrOperator(db: Kysely<Database>, principal: KeyPrincipal, organizationId: string): Promise<boolean> {
  if (principal.operator) return true;
  if (principal.organizationId !== organizationId) return false;
  if (principal.kind === 'admin') return true;
  if (principal.kind === 'session' && principal.userId) return (await orgRoleOf(db, organizationId, principal.userId)) === 'owner';
  return false;
}

export interface MembershipRecord {
  userId: string;
  email: string;
  name: string | null;
  role: OrgRole;
  addedAt: number;
  createdAt: number;
}

export async function listOrgMembers(db: Kysely<Database>, organizationId: string, page: { limit: number; after?: string | undefined; emails?: string[] | undefined; userId?: string }) {
  let q = db
    .selectFrom('organization_members')
    .innerJoin('users', 'users.id', 'organization_members.user_id')
    .select(['users.id as id', 'users.email', 'users.name', 'users.created_at as user_created_at', 'organization_members.role', 'organization_members.created_at'])
    .where('organization_members.organization_id', '=', organizationId);
  if (page.after) q = q.where('users.id', '>', page.after);
  if (page.emails?.length) q = q.where('users.email', 'in', page.emails.map((e) => e.toLowerCase()));
  if (page.userId) q = q.where('users.id', '=', page.userId);
  const rows = await q.orderBy('users.id').limit(page.limit + 1).execute();
  const records: MembershipRecord[] = rows.slice(0, page.limit).map((r) => ({
    userId: r.id,
    email: r.email,
    name: r.name,
    role: r.role as OrgRole,
    addedAt: toNumber(r.created_at)!,
    createdAt: toNumber(r.user_created_at)!,
  }));
  return { records, hasMore: rows.length > page.limit };
}

export function userNotFound(id: string): TollgateError {
  return new TollgateError('not_found', { param: 'user_id', message: `No user found with id '${id.slice(0, 100)}' in this organization.` });
}

export async function getOrgMember(db: Kysely<Database>, organizationId: string, userId: string): Promise<MembershipRecord> {
  const { records } = await listOrgMembers(db, organizationId, { limit: 1, userId });
  if (!records[0]) throw userNotFound(userId);
  return records[0];
}

async function ownerCount(db: Kysely<Database>, organizationId: string): Promise<number> {
  const row = await db.selectFrom('organization_members').select((eb) => eb.fn.countAll<string | number | bigint>().as('n')).where('organization_id', '=', organizationId).where('role', '=', 'owner').executeTakeFirst();
  return Number(row?.n ?? 0);
}

function lastOwner(): TollgateError {
  return new TollgateError('conflict', { code: 'last_owner', param: 'role', message: 'An organization must keep at least one Owner: make another member an Owner first.' });
}

export async function addOrgMember(db: Kysely<Database>, clock: Clock, organizationId: string, userId: string, role: OrgRole): Promise<void> {
  await db
    .insertInto('organization_members')
    .values({ organization_id: organizationId, user_id: userId, role, created_at: clock.now() })
    .onConflict((oc) => oc.columns(['organization_id', 'user_id']).doNothing())
    .execute();
}

export async function addProjectMember(db: Kysely<Database>, clock: Clock, organizationId: string, projectId: string, userId: string, role: ProjectRole): Promise<void> {
  await db
    .insertInto('project_members')
    .values({ project_id: projectId, organization_id: organizationId, user_id: userId, role, created_at: clock.now() })
    .onConflict((oc) => oc.columns(['project_id', 'user_id']).doUpdateSet({ role }))
    .execute();
}

/** Changes a member's organization role; the last Owner cannot be demoted. */
export async function setOrgRole(deps: ControlDeps, actor: Actor, userId: string, role: OrgRole): Promise<MembershipRecord> {
  const before = await getOrgMember(deps.db, actor.organizationId, userId);
  if (before.role === role) return before;
  await deps.db.transaction().execute(async (trx) => {
    if (before.role === 'owner' && (await ownerCount(trx, actor.organizationId)) <= 1) throw lastOwner();
    await trx.updateTable('organization_members').set({ role }).where('organization_id', '=', actor.organizationId).where('user_id', '=', userId).execute();
    await recordAudit(trx, deps.clock, actor, { type: 'user.updated', projectId: null, resourceId: userId, details: { email: before.email, changes: { role: { from: before.role, to: role } } } });
  });
  return getOrgMember(deps.db, actor.organizationId, userId);
}

/**
 * Revokes the keys a person created in an organization (or one project of
 * it): their project and admin keys leave with them. Service accounts' keys
 * stay: a service account belongs to the project, not to whoever made it.
 */
async function revokePersonsKeys(deps: ControlDeps, actor: Actor, userId: string, projectId: string | null): Promise<number> {
  let q = deps.db
    .selectFrom('api_keys')
    .select('id')
    .where('organization_id', '=', actor.organizationId)
    .where('created_by', '=', userId)
    .where('status', '=', 'active')
    .where('kind', '!=', 'service_account');
  if (projectId) q = q.where('project_id', '=', projectId);
  const keys = await q.execute();
  let revoked = 0;
  for (const key of keys) if (await revokeKeyById(deps, actor, key.id, 'member_removed')) revoked++;
  return revoked;
}

/**
 * Takes a person out of an organization: their organization and project
 * memberships end (their sessions lose access at the next request, on every
 * instance), and every key they created there is revoked through the key
 * lifecycle (this instance at once, the others within a second through Redis).
 * The last Owner cannot leave.
 */
export async function removeOrgMember(deps: ControlDeps, actor: Actor, userId: string): Promise<{ keysRevoked: number }> {
  const before = await getOrgMember(deps.db, actor.organizationId, userId);
  await deps.db.transaction().execute(async (trx) => {
    if (before.role === 'owner' && (await ownerCount(trx, actor.organizationId)) <= 1) throw lastOwner();
    await trx.deleteFrom('project_members').where('organization_id', '=', actor.organizationId).where('user_id', '=', userId).execute();
    await trx.deleteFrom('organization_members').where('organization_id', '=', actor.organizationId).where('user_id', '=', userId).execute();
  });
  const keysRevoked = await revokePersonsKeys(deps, actor, userId, null);
  await recordAudit(deps.db, deps.clock, actor, { type: 'user.deleted', projectId: null, resourceId: userId, details: { email: before.email, role: before.role, keys_revoked: keysRevoked } });
  return { keysRevoked };
}

export interface ProjectMemberRecord {
  userId: string;
  email: string;
  name: string | null;
  role: ProjectRole;
  addedAt: number;
}

export async function listProjectMembers(db: Kysely<Database>, projectId: string, page: { limit: number; after?: string | undefined; userId?: string }) {
  let q = db
    .selectFrom('project_members')
    .innerJoin('users', 'users.id', 'project_members.user_id')
    .select(['users.id as id', 'users.email', 'users.name', 'project_members.role', 'project_members.created_at'])
    .where('project_members.project_id', '=', projectId);
  if (page.after) q = q.where('users.id', '>', page.after);
  if (page.userId) q = q.where('users.id', '=', page.userId);
  const rows = await q.orderBy('users.id').limit(page.limit + 1).execute();
  const records: ProjectMemberRecord[] = rows.slice(0, page.limit).map((r) => ({ userId: r.id, email: r.email, name: r.name, role: r.role as ProjectRole, addedAt: toNumber(r.created_at)! }));
  return { records, hasMore: rows.length > page.limit };
}

export async function getProjectMember(db: Kysely<Database>, projectId: string, userId: string): Promise<ProjectMemberRecord> {
  const { records } = await listProjectMembers(db, projectId, { limit: 1, userId });
  if (!records[0]) throw new TollgateError('not_found', { param: 'user_id', message: `No user found with id '${userId.slice(0, 100)}' in this project.` });
  return records[0];
}

/** Adds a member of the organization to a project (or changes their role there). */
export async function putProjectMember(deps: ControlDeps, actor: Actor, projectId: string, userId: string, role: ProjectRole, audit: 'project.user_added' | 'project.user_updated'): Promise<ProjectMemberRecord> {
  const member = await getOrgMember(deps.db, actor.organizationId, userId);
  await addProjectMember(deps.db, deps.clock, actor.organizationId, projectId, userId, role);
  await recordAudit(deps.db, deps.clock, actor, { type: audit, projectId, resourceId: userId, details: { email: member.email, role } });
  return getProjectMember(deps.db, projectId, userId);
}

/** Takes a person out of a project: the keys they created in it are revoked. */
export async function removeProjectMember(deps: ControlDeps, actor: Actor, projectId: string, userId: string): Promise<{ keysRevoked: number }> {
  const before = await getProjectMember(deps.db, projectId, userId);
  await deps.db.deleteFrom('project_members').where('project_id', '=', projectId).where('user_id', '=', userId).execute();
  const keysRevoked = await revokePersonsKeys(deps, actor, userId, projectId);
  await recordAudit(deps.db, deps.clock, actor, { type: 'project.user_removed', projectId, resourceId: userId, details: { email: before.email, role: before.role, keys_revoked: keysRevoked } });
  return { keysRevoked };
}

/** The organizations (and projects there) a person belongs to, for GET /v1/me. */
export async function membershipsOf(db: Kysely<Database>, userId: string): Promise<Record<string, unknown>[]> {
  const orgs = await db
    .selectFrom('organization_members')
    .innerJoin('organizations', 'organizations.id', 'organization_members.organization_id')
    .select(['organizations.id', 'organizations.name', 'organizations.status', 'organizations.created_at', 'organization_members.role'])
    .where('organization_members.user_id', '=', userId)
    .orderBy('organizations.id')
    .execute();
  const projects = await db
    .selectFrom('project_members')
    .innerJoin('projects', 'projects.id', 'project_members.project_id')
    .select(['projects.id', 'projects.name', 'projects.organization_id', 'project_members.role'])
    .where('project_members.user_id', '=', userId)
    .where('projects.status', '=', 'active')
    .orderBy('projects.id')
    .execute();
  return orgs.map((o) => ({
    object: 'organization',
    id: o.id,
    name: o.name,
    status: o.status,
    role: o.role,
    created_at: Math.floor(Number(o.created_at) / 1000),
    projects: projects.filter((p) => p.organization_id === o.id).map((p) => ({ id: p.id, name: p.name, role: p.role })),
  }));
}
