import { z } from 'zod';
import { TollgateError } from '../common/errors.js';
import type { Actor } from './actor.js';
import { recordAudit } from './audit.js';
import { invalidate, type ControlDeps } from './context.js';
import { getKeyRow } from './key-records.js';
import { getProject } from './projects.js';

/**
 * Which models a project, or one of its keys, may use: OpenAI's project model
 * permissions (`mode: allow_list | deny_list`, `model_ids`), and the same
 * shape for a key. Both must let a model through. Stored as JSON on the row
 * and read with the key on authentication.
 */
export type ModelPermissionMode = 'allow_list' | 'deny_list';

export interface ModelPolicy {
  mode: ModelPermissionMode;
  modelIds: string[];
}

export const MAX_MODEL_IDS = 500;

export const modelPermissionsBody = z.strictObject({
  mode: z.enum(['allow_list', 'deny_list']),
  model_ids: z.array(z.string().min(1).max(200)).max(MAX_MODEL_IDS),
});

export function parseModelPolicy(text: string | null | undefined): ModelPolicy | null {
  if (!text) return null;
  const parsed = JSON.parse(text) as { mode: ModelPermissionMode; model_ids: string[] };
  return { mode: parsed.mode, modelIds: parsed.model_ids };
}

function serialise(policy: ModelPolicy): string {
  return JSON.stringify({ mode: policy.mode, model_ids: policy.modelIds });
}

/**
 * Whether a policy lets a model through. `names` are every name of the model
 * (its public name and aliases): listing any of them lists the model, so an
 * alias can neither slip past a deny list nor be needed twice in an allow list.
 */
export function policyAllows(policy: ModelPolicy | null | undefined, names: readonly string[]): boolean {
  if (!policy) return true;
  const listed = names.some((name) => policy.modelIds.includes(name));
  return policy.mode === 'allow_list' ? listed : !listed;
}

/** No policy stored reads as a deny list naming nothing: every model. */
export const EVERY_MODEL: ModelPolicy = { mode: 'deny_list', modelIds: [] };

function normalise(input: z.infer<typeof modelPermissionsBody>): ModelPolicy {
  return { mode: input.mode, modelIds: [...new Set(input.model_ids)] };
}

export async function getProjectModelPolicy(deps: ControlDeps, actor: Actor, projectId: string): Promise<ModelPolicy> {
  await getProject(deps, actor, projectId);
  const row = await deps.db.selectFrom('projects').select('model_permissions').where('id', '=', projectId).executeTakeFirstOrThrow();
  return parseModelPolicy(row.model_permissions) ?? EVERY_MODEL;
}

/** Sets (or, with null, removes) a project's policy; every key of the project sees it on its next request, on every instance. */
export async function setProjectModelPolicy(deps: ControlDeps, actor: Actor, projectId: string, input: z.infer<typeof modelPermissionsBody> | null): Promise<ModelPolicy> {
  await getProject(deps, actor, projectId);
  const policy = input ? normalise(input) : null;
  await deps.db.transaction().execute(async (trx) => {
    await trx.updateTable('projects').set({ model_permissions: policy ? serialise(policy) : null, updated_at: deps.clock.now() }).where('id', '=', projectId).execute();
    await recordAudit(trx, deps.clock, actor, {
      type: policy ? 'model_permissions.updated' : 'model_permissions.deleted',
      projectId,
      resourceId: projectId,
      details: policy ? { mode: policy.mode, model_ids: policy.modelIds } : {},
    });
  });
  await invalidate(deps, 'project', projectId);
  return policy ?? EVERY_MODEL;
}

function noKeyPolicyForAdminKeys(kind: string): void {
  if (kind === 'admin') throw new TollgateError('invalid_request', { param: 'key_id', message: 'Admin keys cannot call models, so they take no model permissions.' });
}

export async function getKeyModelPolicy(deps: ControlDeps, actor: Actor, projectId: string, keyId: string): Promise<ModelPolicy> {
  const row = await getKeyRow(deps, actor, { projectId }, keyId);
  noKeyPolicyForAdminKeys(row.kind);
  return parseModelPolicy(row.model_permissions) ?? EVERY_MODEL;
}

/** Sets (or, with null, removes) a key's own policy, which narrows the project's. */
export async function setKeyModelPolicy(deps: ControlDeps, actor: Actor, projectId: string, keyId: string, input: z.infer<typeof modelPermissionsBody> | null): Promise<ModelPolicy> {
  const row = await getKeyRow(deps, actor, { projectId }, keyId);
  noKeyPolicyForAdminKeys(row.kind);
  const policy = input ? normalise(input) : null;
  await deps.db.transaction().execute(async (trx) => {
    await trx.updateTable('api_keys').set({ model_permissions: policy ? serialise(policy) : null, updated_at: deps.clock.now() }).where('id', '=', keyId).execute();
    await recordAudit(trx, deps.clock, actor, {
      type: policy ? 'model_permissions.updated' : 'model_permissions.deleted',
      projectId,
      resourceId: keyId,
      details: policy ? { mode: policy.mode, model_ids: policy.modelIds } : {},
    });
  });
  await invalidate(deps, 'key', keyId);
  return policy ?? EVERY_MODEL;
}
