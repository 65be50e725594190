import type { Kysely, Selectable } from 'kysely';
import { TollgateError } from '../common/errors.js';
import type { ApiKeysTable, Database } from '../store/index.js';
import type { Actor } from './actor.js';
import type { KeyKind } from './api-key-format.js';
import { recordAudit } from './audit.js';
import { invalidate, type ControlDeps } from './context.js';
import { getKey, getKeyRow, keyStatus, toKeyRecord, type KeyRecord, type KeyScope } from './key-records.js';
import type { KeyLimits } from './keys.js';
import { getProject, assertProjectActive } from './projects.js';
import { operatorOrganization } from './organizations.js';
import type { Permissions } from './permissions.js';

/** What can be set on a key at creation and changed later. Absent = unchanged; null = cleared. */
export interface KeySettings {
  name?: string;
  permissions?: Permissions;
  allowedIps?: string[] | null;
  expiresAt?: number | null;
  limits?: Partial<KeyLimits>;
}

export interface NewKey {
  key: KeyRecord;
  /** The full secret: shown once, never stored. */
  secret: string;
}

export const DEFAULT_ROTATION_GRACE_MS = 24 * 3600 * 1000;

/** Settings as audit details, in the admin API's names and units; never a secret. */
function describeSettings(settings: KeySettings): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (settings.name !== undefined) out.name = settings.name;
  if (settings.permissions !== undefined) out.permissions = settings.permissions;
  if (settings.allowedIps !== undefined) out.allowed_ips = settings.allowedIps;
  if (settings.expiresAt !== undefined) out.expires_at = settings.expiresAt === null ? null : Math.floor(settings.expiresAt / 1000);
  const limits = settings.limits ?? {};
  if (limits.rpm !== undefined) out.rpm_limit = limits.rpm;
  if (limits.tpm !== undefined) out.tpm_limit = limits.tpm;
  if (limits.monthlyBudgetPicos !== undefined) out.monthly_usage_limit_picos = limits.monthlyBudgetPicos === null ? null : limits.monthlyBudgetPicos.toString();
  return out;
}

export async function createKey(deps: ControlDeps, actor: Actor, input: KeySettings & { kind: KeyKind; projectId: string | null; serviceAccountId?: string | null; rotatedFromId?: string }, db: Kysely<Database> = deps.db): Promise<NewKey> {
  if (input.expiresAt != null && input.expiresAt <= deps.clock.now()) {
    throw new TollgateError('invalid_value', { param: 'expires_at', message: "Invalid 'expires_at': the expiry must be in the future." });
  }
  const created = await deps.keys.create(
    {
      kind: input.kind,
      organizationId: actor.organizationId,
      projectId: input.projectId,
      serviceAccountId: input.serviceAccountId ?? null,
      name: input.name ?? 'Secret key',
      permissions: input.permissions,
      createdBy: actor.id,
      expiresAt: input.expiresAt ?? null,
      allowedIps: input.allowedIps ?? null,
      limits: input.limits,
      rotatedFromId: input.rotatedFromId ?? null,
      // Only the operator's own admin keys in the operator organization carry its authority.
      operator: input.kind === 'admin' && actor.operator === true && (await operatorOrganization(db)) === actor.organizationId,
    },
    db,
  );
  await recordAudit(db, deps.clock, actor, {
    type: 'api_key.created',
    projectId: input.projectId,
    resourceId: created.id,
    details: { kind: input.kind, redacted_value: created.redacted, service_account_id: input.serviceAccountId ?? null, rotated_from: input.rotatedFromId ?? null, ...describeSettings(input) },
  });
  const row = await db.selectFrom('api_keys').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
  return { key: toKeyRecord(deps, row), secret: created.secret };
}

export async function createProjectKey(deps: ControlDeps, actor: Actor, projectId: string, settings: KeySettings): Promise<NewKey> {
  assertProjectActive(await getProject(deps, actor, projectId));
  return deps.db.transaction().execute((trx) => createKey(deps, actor, { ...settings, kind: 'project', projectId }, trx));
}

function assertChangeable(row: Selectable<ApiKeysTable>, now: number): void {
  const status = keyStatus(row, now);
  if (status === 'revoked') throw new TollgateError('conflict', { param: 'key_id', message: `API key '${row.id}' is revoked and can no longer be changed.` });
}

export async function updateKey(deps: ControlDeps, actor: Actor, scope: KeyScope, id: string, settings: KeySettings): Promise<KeyRecord> {
  const row = await getKeyRow(deps, actor, scope, id);
  assertChangeable(row, deps.clock.now());
  if (settings.expiresAt != null && settings.expiresAt <= deps.clock.now()) {
    throw new TollgateError('invalid_value', { param: 'expires_at', message: "Invalid 'expires_at': the expiry must be in the future." });
  }
  const set: Record<string, unknown> = { updated_at: deps.clock.now() };
  if (settings.name !== undefined) set.name = settings.name;
  if (settings.permissions !== undefined) set.permissions = JSON.stringify(settings.permissions);
  if (settings.allowedIps !== undefined) set.allowed_ips = settings.allowedIps === null ? null : JSON.stringify(settings.allowedIps);
  if (settings.expiresAt !== undefined) set.expires_at = settings.expiresAt;
  if (settings.limits?.rpm !== undefined) set.rpm_limit = settings.limits.rpm;
  if (settings.limits?.tpm !== undefined) set.tpm_limit = settings.limits.tpm;
  if (settings.limits?.monthlyBudgetPicos !== undefined) set.monthly_budget_picos = settings.limits.monthlyBudgetPicos;
  await deps.db.transaction().execute(async (trx) => {
    await trx.updateTable('api_keys').set(set).where('id', '=', id).execute();
    await recordAudit(trx, deps.clock, actor, { type: 'api_key.updated', projectId: row.project_id, resourceId: id, details: { changes: describeSettings(settings) } });
  });
  await invalidate(deps, 'key', id);
  return getKey(deps, actor, scope, id);
}

export type RevokeReason = 'manual' | 'leak_report' | 'rotation_grace_ended' | 'service_account_deleted' | 'member_removed' | 'user_disabled';

/**
 * Takes a key out of service: the store first, then this instance's cache
 * (so the very next request here fails), then every other instance. Returns
 * false when it was already revoked.
 */
export async function revokeKeyById(deps: ControlDeps, actor: Actor, id: string, reason: RevokeReason, db: Kysely<Database> = deps.db): Promise<boolean> {
  const now = deps.clock.now();
  const result = await db
    .updateTable('api_keys')
    .set({ status: 'revoked', revoked_at: now, revoked_reason: reason, updated_at: now })
    .where('id', '=', id)
    .where('organization_id', '=', actor.organizationId)
    .where('status', '=', 'active')
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return false;
  const row = await db.selectFrom('api_keys').select(['project_id', 'kind', 'redacted']).where('id', '=', id).executeTakeFirstOrThrow();
  await recordAudit(db, deps.clock, actor, { type: 'api_key.revoked', projectId: row.project_id, resourceId: id, details: { reason, kind: row.kind, redacted_value: row.redacted } });
  await invalidate(deps, 'key', id);
  return true;
}

export async function revokeKey(deps: ControlDeps, actor: Actor, scope: KeyScope, id: string): Promise<KeyRecord> {
  await getKeyRow(deps, actor, scope, id);
  await revokeKeyById(deps, actor, id, 'manual');
  return getKey(deps, actor, scope, id);
}

/**
 * A new secret with the same settings; the old key keeps working for the
 * grace period (0 = revoked now) and is revoked automatically after it. The
 * two records point at each other.
 */
export async function rotateKey(deps: ControlDeps, actor: Actor, scope: KeyScope, id: string, options: { graceMs?: number; name?: string }): Promise<NewKey & { previous: KeyRecord }> {
  const row = await getKeyRow(deps, actor, scope, id);
  const now = deps.clock.now();
  assertChangeable(row, now);
  if (keyStatus(row, now) !== 'active' || row.rotated_to_id !== null) {
    throw new TollgateError('conflict', { param: 'key_id', message: `API key '${id}' was already rotated or is not active; rotate its replacement instead.` });
  }
  const graceMs = options.graceMs ?? DEFAULT_ROTATION_GRACE_MS;
  const created = await deps.db.transaction().execute(async (trx) => {
    const fresh = await createKey(
      deps,
      actor,
      {
        kind: row.kind as KeyKind,
        projectId: row.project_id,
        serviceAccountId: row.service_account_id,
        rotatedFromId: id,
        name: options.name ?? row.name,
        permissions: JSON.parse(row.permissions) as Permissions,
        allowedIps: row.allowed_ips ? (JSON.parse(row.allowed_ips) as string[]) : null,
        expiresAt: row.expires_at === null ? null : Number(row.expires_at),
        limits: { rpm: row.rpm_limit === null ? null : Number(row.rpm_limit), tpm: row.tpm_limit === null ? null : Number(row.tpm_limit), monthlyBudgetPicos: row.monthly_budget_picos },
      },
      trx,
    );
    await trx.updateTable('api_keys').set({ rotated_to_id: fresh.key.id, revoke_at: now + graceMs, updated_at: now }).where('id', '=', id).execute();
    await recordAudit(trx, deps.clock, actor, { type: 'api_key.rotated', projectId: row.project_id, resourceId: id, details: { new_key_id: fresh.key.id, grace_seconds: Math.round(graceMs / 1000), revokes_at: Math.floor((now + graceMs) / 1000) } });
    return fresh;
  });
  if (graceMs === 0) await revokeKeyById(deps, actor, id, 'rotation_grace_ended');
  else await invalidate(deps, 'key', id);
  return { ...created, previous: await getKey(deps, actor, scope, id) };
}
