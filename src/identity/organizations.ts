import type { Kysely } from 'kysely';
import type { Clock } from '../common/clock.js';
import { TollgateError } from '../common/errors.js';
import { newId } from '../common/ids.js';
import { recordAudit, revokeKeyById, type Actor, type ControlDeps } from '../control/index.js';
import { toNumber, type Database } from '../store/index.js';
import { addOrgMember, addProjectMember } from './members.js';

/** Sets up a new organization's tier and trial credits (billing's rules), inside its creation transaction. */
export type Onboard = (db: Kysely<Database>, organizationId: string, now: number) => Promise<void>;

export function checkOrgName(name: unknown, param = 'name'): string {
  if (typeof name !== 'string') throw new TollgateError('invalid_type', { param, message: `Invalid type for '${param}': expected a string.` });
  const trimmed = name.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  if (trimmed.length < 1 || trimmed.length > 256) throw new TollgateError('invalid_value', { param, message: `Invalid '${param}': 1 to 256 characters.` });
  return trimmed;
}

/**
 * A new organization with a Default project: the trial grant and the new
 * organizations' tier (billing's onboarding), and, when a person makes it,
 * that person as its Owner and the project's Owner.
 */
export async function createOrganizationWithOwner(
  db: Kysely<Database>,
  clock: Clock,
  onboard: Onboard,
  input: { name: string; ownerId: string | null; actor: Omit<Actor, 'organizationId'> },
): Promise<{ id: string; name: string; projectId: string }> {
  const now = clock.now();
  const id = newId('org', now);
  const projectId = newId('proj', now);
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('organizations').values({ id, name: input.name, status: 'active', created_at: now }).execute();
    await onboard(trx, id, now);
    await trx.insertInto('projects').values({ id: projectId, organization_id: id, name: 'Default', status: 'active', created_at: now, archived_at: null, updated_at: now }).execute();
    if (input.ownerId) {
      await addOrgMember(trx, clock, id, input.ownerId, 'owner');
      await addProjectMember(trx, clock, id, projectId, input.ownerId, 'owner');
    }
    const actor = { ...input.actor, organizationId: id };
    await recordAudit(trx, clock, actor, { type: 'organization.created', projectId: null, resourceId: id, details: { name: input.name, owner_id: input.ownerId } });
    await recordAudit(trx, clock, actor, { type: 'project.created', projectId, resourceId: projectId, details: { name: 'Default' } });
  });
  return { id, name: input.name, projectId };
}

export interface OrganizationSummary {
  id: string;
  name: string;
  status: string;
  createdAt: number;
  members: number;
  owners: string[];
}

/** Every organization, for the operator. */
export async function listOrganizations(db: Kysely<Database>, page: { limit: number; after?: string | undefined; id?: string }): Promise<{ records: OrganizationSummary[]; hasMore: boolean }> {
  let q = db.selectFrom('organizations').selectAll();
  if (page.after) q = q.where('id', '>', page.after);
  if (page.id) q = q.where('id', '=', page.id);
  const rows = await q.orderBy('id').limit(page.limit + 1).execute();
  const records: OrganizationSummary[] = [];
  for (const row of rows.slice(0, page.limit)) {
    const members = await db.selectFrom('organization_members').innerJoin('users', 'users.id', 'organization_members.user_id').select(['users.email', 'organization_members.role']).where('organization_id', '=', row.id).execute();
    records.push({ id: row.id, name: row.name, status: row.status, createdAt: toNumber(row.created_at)!, members: members.length, owners: members.filter((m) => m.role === 'owner').map((m) => m.email) });
  }
  return { records, hasMore: rows.length > page.limit };
}

export function organizationObject(o: OrganizationSummary): Record<string, unknown> {
  return { object: 'organization', id: o.id, name: o.name, status: o.status, created_at: Math.floor(o.createdAt / 1000), members: o.members, owners: o.owners };
}

/**
 * Disables or enables an organization. Disabled: every key of it fails from
 * the next request (the key cache is told here and through Redis), its
 * members' sessions lose access to it; its data stays.
 */
export async function setOrganizationStatus(deps: ControlDeps, actor: Actor, organizationId: string, status: 'active' | 'disabled'): Promise<void> {
  const org = await deps.db.selectFrom('organizations').select(['id', 'status', 'name']).where('id', '=', organizationId).executeTakeFirst();
  if (!org) throw new TollgateError('not_found', { param: 'organization_id', message: `No organization found with id '${organizationId.slice(0, 100)}'.` });
  if (org.status === status) return;
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    await trx.updateTable('organizations').set({ status }).where('id', '=', organizationId).execute();
    await trx.updateTable('api_keys').set({ updated_at: now }).where('organization_id', '=', organizationId).execute();
    await recordAudit(trx, deps.clock, { ...actor, organizationId }, { type: status === 'disabled' ? 'organization.disabled' : 'organization.enabled', projectId: null, resourceId: organizationId, details: { name: org.name } });
  });
  const keys = await deps.db.selectFrom('api_keys').select('id').where('organization_id', '=', organizationId).where('status', '=', 'active').execute();
  for (const key of keys) {
    deps.keys.invalidate(key.id);
    await deps.events.publish({ scope: 'key', id: key.id });
  }
}

/**
 * Disables or enables an account. Disabled: every session ends, and every
 * key the person created is revoked (in each organization's audit log).
 */
export async function setUserStatus(deps: ControlDeps, actor: Actor, userId: string, status: 'active' | 'disabled'): Promise<{ keysRevoked: number }> {
  const user = await deps.db.selectFrom('users').select(['id', 'email', 'status']).where('id', '=', userId).executeTakeFirst();
  if (!user) throw new TollgateError('not_found', { param: 'user_id', message: `No user found with id '${userId.slice(0, 100)}'.` });
  if (user.status === status) return { keysRevoked: 0 };
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ status, updated_at: now }).where('id', '=', userId).execute();
    if (status === 'disabled') await trx.updateTable('sessions').set({ revoked_at: now, revoked_reason: 'user_disabled' }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
    await recordAudit(trx, deps.clock, { ...actor, organizationId: '' }, { type: status === 'disabled' ? 'user.disabled' : 'user.enabled', projectId: null, resourceId: userId, details: { email: user.email } });
  });
  let keysRevoked = 0;
  if (status === 'disabled') {
    const keys = await deps.db.selectFrom('api_keys').select(['id', 'organization_id']).where('created_by', '=', userId).where('status', '=', 'active').where('kind', '!=', 'service_account').execute();
    for (const key of keys) if (await revokeKeyById(deps, { ...actor, organizationId: key.organization_id }, key.id, 'user_disabled')) keysRevoked++;
  }
  return { keysRevoked };
}
