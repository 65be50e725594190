import type { Kysely } from 'kysely';
import type { Clock } from '../common/clock.js';
import { newId } from '../common/ids.js';
import type { Database } from '../store/index.js';
import type { KeyService } from './keys.js';
import { systemActor } from './actor.js';
import { recordAudit } from './audit.js';

export interface BootstrapResult {
  organizationId: string;
  organizationName: string;
  projectId: string;
  projectName: string;
  adminKey: string;
  projectKey: string;
  /** The single-use token of the operator's setup link. */
  setupToken?: string;
}

export interface BootstrapOptions {
  organizationName: string;
  projectName: string;
  /** Sets up a new organization's tier and trial credits, inside the bootstrap transaction. */
  onOrganizationCreated?: (db: Kysely<Database>, organizationId: string, now: number) => Promise<void>;
  /** Issues the operator's setup token, inside the bootstrap transaction. */
  createSetupToken?: (db: Kysely<Database>) => Promise<string>;
}

/**
 * First start: the default organization, project, an admin key and a project
 * key, in one transaction. The `meta.bootstrap` row is claimed first, so a
 * second start (or a second instance starting at the same moment on a shared
 * PostgreSQL) creates nothing and returns null.
 */
export async function bootstrap(db: Kysely<Database>, keys: KeyService, clock: Clock, options: BootstrapOptions): Promise<BootstrapResult | null> {
  return db.transaction().execute(async (trx) => {
    const claimed = await trx
      .insertInto('meta')
      .values({ key: 'bootstrap', value: new Date(clock.now()).toISOString() })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    if (Number(claimed.numInsertedOrUpdatedRows ?? 0n) === 0) return null;

    const now = clock.now();
    const organizationId = newId('org');
    const projectId = newId('proj');
    await trx.insertInto('organizations').values({ id: organizationId, name: options.organizationName, status: 'active', created_at: now }).execute();
    // The first organization operates the instance (upstream keys, for example).
    await trx.insertInto('meta').values({ key: 'operator_organization', value: organizationId }).execute();
    await options.onOrganizationCreated?.(trx, organizationId, now);
    await trx
      .insertInto('projects')
      .values({ id: projectId, organization_id: organizationId, name: options.projectName, status: 'active', created_at: now, archived_at: null })
      .execute();
    const admin = await keys.create({ kind: 'admin', organizationId, projectId: null, name: 'Bootstrap admin key', operator: true }, trx);
    const project = await keys.create({ kind: 'project', organizationId, projectId, name: 'Default key' }, trx);
    const actor = systemActor(organizationId);
    await recordAudit(trx, clock, actor, { type: 'project.created', projectId, resourceId: projectId, details: { name: options.projectName, bootstrap: true } });
    for (const [id, kind, key] of [[admin.id, 'admin', admin], [project.id, 'project', project]] as const) {
      await recordAudit(trx, clock, actor, { type: 'api_key.created', projectId: kind === 'admin' ? null : projectId, resourceId: id, details: { kind, redacted_value: key.redacted, bootstrap: true } });
    }
    const setupToken = await options.createSetupToken?.(trx);
    return { organizationId, organizationName: options.organizationName, projectId, projectName: options.projectName, adminKey: admin.secret, projectKey: project.secret, ...(setupToken ? { setupToken } : {}) };
  });
}
