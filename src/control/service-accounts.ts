import type { Selectable } from 'kysely';
import { TollgateError } from '../common/errors.js';
import { newId } from '../common/ids.js';
import { toNumber, type ServiceAccountsTable } from '../store/index.js';
import type { Actor } from './actor.js';
import { recordAudit } from './audit.js';
import type { ControlDeps } from './context.js';
import { createKey, revokeKeyById, type NewKey } from './key-lifecycle.js';
import { assertProjectActive, getProject } from './projects.js';
import { paginate, type PageQuery } from './pagination.js';

/** A non-human identity of a project; its keys are `sk-svcacct-...`. */
export interface ServiceAccountRecord {
  id: string;
  projectId: string;
  name: string;
  role: string;
  createdAt: number;
}

function toRecord(row: Selectable<ServiceAccountsTable>): ServiceAccountRecord {
  return { id: row.id, projectId: row.project_id, name: row.name, role: row.role, createdAt: toNumber(row.created_at)! };
}

function scoped(deps: ControlDeps, actor: Actor, projectId: string) {
  return deps.db
    .selectFrom('service_accounts')
    .selectAll()
    .where('organization_id', '=', actor.organizationId)
    .where('project_id', '=', projectId)
    .where('deleted_at', 'is', null);
}

export async function getServiceAccount(deps: ControlDeps, actor: Actor, projectId: string, id: string): Promise<ServiceAccountRecord> {
  await getProject(deps, actor, projectId);
  const row = await scoped(deps, actor, projectId).where('id', '=', id).executeTakeFirst();
  if (!row) throw new TollgateError('not_found', { param: 'service_account_id', message: `No service account found with id '${id.slice(0, 100)}'.` });
  return toRecord(row);
}

export async function listServiceAccounts(deps: ControlDeps, actor: Actor, projectId: string, query: PageQuery): Promise<{ records: ServiceAccountRecord[]; hasMore: boolean }> {
  await getProject(deps, actor, projectId);
  const { rows, hasMore } = await paginate(scoped(deps, actor, projectId), 'id', query);
  return { records: rows.map(toRecord), hasMore };
}

/** Creates the account and its first key; the key's secret is returned once. */
export async function createServiceAccount(deps: ControlDeps, actor: Actor, projectId: string, input: { name: string }): Promise<{ account: ServiceAccountRecord; key: NewKey }> {
  assertProjectActive(await getProject(deps, actor, projectId));
  const now = deps.clock.now();
  const id = newId('svc_acct', now);
  const key = await deps.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('service_accounts')
      .values({ id, organization_id: actor.organizationId, project_id: projectId, name: input.name, role: 'member', created_by: actor.id, created_at: now, deleted_at: null })
      .execute();
    await recordAudit(trx, deps.clock, actor, { type: 'service_account.created', projectId, resourceId: id, details: { name: input.name, role: 'member' } });
    return createKey(deps, actor, { kind: 'service_account', projectId, serviceAccountId: id, name: input.name }, trx);
  });
  return { account: await getServiceAccount(deps, actor, projectId, id), key };
}

/** Deletes the account and revokes every key it holds. */
export async function deleteServiceAccount(deps: ControlDeps, actor: Actor, projectId: string, id: string): Promise<void> {
  await getServiceAccount(deps, actor, projectId, id);
  await deps.db.transaction().execute(async (trx) => {
    await trx.updateTable('service_accounts').set({ deleted_at: deps.clock.now() }).where('id', '=', id).execute();
    await recordAudit(trx, deps.clock, actor, { type: 'service_account.deleted', projectId, resourceId: id, details: {} });
  });
  const keys = await deps.db.selectFrom('api_keys').select('id').where('service_account_id', '=', id).where('status', '=', 'active').execute();
  for (const { id: keyId } of keys) await revokeKeyById(deps, actor, keyId, 'service_account_deleted');
}
