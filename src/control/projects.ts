import { TollgateError } from '../common/errors.js';
import { newId } from '../common/ids.js';
import { toNumber, type ProjectsTable } from '../store/index.js';
import type { Selectable } from 'kysely';
import type { Actor } from './actor.js';
import { recordAudit } from './audit.js';
import { invalidate, type ControlDeps } from './context.js';
import { paginate, type PageQuery } from './pagination.js';

export interface ProjectRecord {
  id: string;
  organizationId: string;
  name: string;
  status: 'active' | 'archived';
  createdAt: number;
  archivedAt: number | null;
}

function toRecord(row: Selectable<ProjectsTable>): ProjectRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    name: row.name,
    status: row.status === 'archived' ? 'archived' : 'active',
    createdAt: toNumber(row.created_at)!,
    archivedAt: toNumber(row.archived_at),
  };
}

export function projectNotFound(id: string): TollgateError {
  return new TollgateError('not_found', { param: 'project_id', message: `No project found with id '${id.slice(0, 100)}'.` });
}

/** A project of the actor's organization, or a 404 (another organization's projects do not exist for it). */
export async function getProject(deps: ControlDeps, actor: Actor, id: string): Promise<ProjectRecord> {
  const row = await deps.db.selectFrom('projects').selectAll().where('id', '=', id).where('organization_id', '=', actor.organizationId).executeTakeFirst();
  if (!row) throw projectNotFound(id);
  return toRecord(row);
}

export async function listProjects(deps: ControlDeps, actor: Actor, query: PageQuery & { includeArchived?: boolean }): Promise<{ records: ProjectRecord[]; hasMore: boolean }> {
  let q = deps.db.selectFrom('projects').selectAll().where('organization_id', '=', actor.organizationId);
  if (!query.includeArchived) q = q.where('status', '=', 'active');
  if (actor.memberProjectsOnly && actor.id) {
    const userId = actor.id;
    q = q.where('id', 'in', (eb) => eb.selectFrom('project_members').select('project_id').where('user_id', '=', userId));
  }
  const { rows, hasMore } = await paginate(q, 'id', query);
  return { records: rows.map(toRecord), hasMore };
}

export async function createProject(deps: ControlDeps, actor: Actor, input: { name: string }): Promise<ProjectRecord> {
  const now = deps.clock.now();
  const id = newId('proj', now);
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('projects')
      .values({ id, organization_id: actor.organizationId, name: input.name, status: 'active', created_at: now, archived_at: null, updated_at: now })
      .execute();
    await recordAudit(trx, deps.clock, actor, { type: 'project.created', projectId: id, resourceId: id, details: { name: input.name } });
  });
  return getProject(deps, actor, id);
}

export async function renameProject(deps: ControlDeps, actor: Actor, id: string, input: { name: string }): Promise<ProjectRecord> {
  const before = await getProject(deps, actor, id);
  if (before.name === input.name) return before;
  await deps.db.transaction().execute(async (trx) => {
    await trx.updateTable('projects').set({ name: input.name, updated_at: deps.clock.now() }).where('id', '=', id).execute();
    await recordAudit(trx, deps.clock, actor, { type: 'project.updated', projectId: id, resourceId: id, details: { changes: { name: { from: before.name, to: input.name } } } });
  });
  return getProject(deps, actor, id);
}

/** Archiving takes every key of the project out of service at once, here and on every instance. */
export async function archiveProject(deps: ControlDeps, actor: Actor, id: string): Promise<ProjectRecord> {
  const before = await getProject(deps, actor, id);
  if (before.status === 'archived') return before;
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    await trx.updateTable('projects').set({ status: 'archived', archived_at: now, updated_at: now }).where('id', '=', id).execute();
    await trx.updateTable('api_keys').set({ updated_at: now }).where('project_id', '=', id).execute();
    await recordAudit(trx, deps.clock, actor, { type: 'project.archived', projectId: id, resourceId: id, details: { name: before.name } });
  });
  await invalidate(deps, 'project', id);
  return getProject(deps, actor, id);
}

export function assertProjectActive(project: ProjectRecord): void {
  if (project.status !== 'active') {
    throw new TollgateError('invalid_request', { param: 'project_id', message: `Project '${project.id}' is archived: it cannot get new keys or service accounts.` });
  }
}
