import type { Selectable } from 'kysely';
import { TollgateError } from '../common/errors.js';
import { toNumber, type ApiKeysTable } from '../store/index.js';
import type { Actor } from './actor.js';
import type { KeyKind } from './api-key-format.js';
import type { ControlDeps } from './context.js';
import type { KeyLimits } from './keys.js';
import { paginate, type PageQuery } from './pagination.js';
import { parsePermissions, type Permissions } from './permissions.js';

/** Keys older than this are flagged for rotation. */
export const ROTATION_AGE_MS = 90 * 24 * 3600 * 1000;

export type KeyStatus = 'active' | 'revoked' | 'expired';

/** A key as management sees it: everything but the secret (which is never stored). */
export interface KeyRecord {
  id: string;
  kind: KeyKind;
  organizationId: string;
  projectId: string | null;
  serviceAccountId: string | null;
  name: string;
  redacted: string;
  status: KeyStatus;
  permissions: Permissions;
  createdBy: string | null;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  allowedIps: string[] | null;
  limits: KeyLimits;
  rotatedFromId: string | null;
  rotatedToId: string | null;
  /** End of the rotation grace: the key stops working then. */
  revokeAt: number | null;
  revokedAt: number | null;
  revokedReason: string | null;
  rotationDue: boolean;
}

export function keyStatus(row: Selectable<ApiKeysTable>, now: number): KeyStatus {
  if (row.status === 'revoked') return 'revoked';
  const revokeAt = toNumber(row.revoke_at);
  if (revokeAt !== null && revokeAt <= now) return 'revoked';
  const expiresAt = toNumber(row.expires_at);
  return expiresAt !== null && expiresAt <= now ? 'expired' : 'active';
}

export function toKeyRecord(deps: ControlDeps, row: Selectable<ApiKeysTable>): KeyRecord {
  const now = deps.clock.now();
  const status = keyStatus(row, now);
  const createdAt = toNumber(row.created_at)!;
  const stored = toNumber(row.last_used_at);
  const pending = deps.keys.pendingLastUsed(row.id);
  return {
    id: row.id,
    kind: row.kind as KeyKind,
    organizationId: row.organization_id,
    projectId: row.project_id,
    serviceAccountId: row.service_account_id,
    name: row.name,
    redacted: row.redacted,
    status,
    permissions: parsePermissions(row.permissions),
    createdBy: row.created_by,
    createdAt,
    expiresAt: toNumber(row.expires_at),
    lastUsedAt: pending !== null && (stored === null || pending > stored) ? pending : stored,
    allowedIps: row.allowed_ips ? (JSON.parse(row.allowed_ips) as string[]) : null,
    limits: { rpm: toNumber(row.rpm_limit), tpm: toNumber(row.tpm_limit), monthlyBudgetPicos: row.monthly_budget_picos },
    rotatedFromId: row.rotated_from_id,
    rotatedToId: row.rotated_to_id,
    revokeAt: toNumber(row.revoke_at),
    revokedAt: toNumber(row.revoked_at),
    revokedReason: row.revoked_reason,
    rotationDue: status === 'active' && row.rotated_to_id === null && now - createdAt >= ROTATION_AGE_MS,
  };
}

export function keyNotFound(id: string): TollgateError {
  return new TollgateError('not_found', { param: 'key_id', message: `No API key found with id '${id.slice(0, 100)}'.` });
}

/** Which keys a lookup may see: always one organization; a project's keys, or the organization's admin keys. */
export type KeyScope = { projectId: string } | { admin: true };

function scoped(deps: ControlDeps, actor: Actor, scope: KeyScope) {
  const q = deps.db.selectFrom('api_keys').selectAll().where('organization_id', '=', actor.organizationId);
  return 'admin' in scope ? q.where('kind', '=', 'admin') : q.where('project_id', '=', scope.projectId).where('kind', '!=', 'admin');
}

export async function getKeyRow(deps: ControlDeps, actor: Actor, scope: KeyScope, id: string): Promise<Selectable<ApiKeysTable>> {
  const row = await scoped(deps, actor, scope).where('id', '=', id).executeTakeFirst();
  if (!row) throw keyNotFound(id);
  return row;
}

export async function getKey(deps: ControlDeps, actor: Actor, scope: KeyScope, id: string): Promise<KeyRecord> {
  return toKeyRecord(deps, await getKeyRow(deps, actor, scope, id));
}

export async function listKeys(
  deps: ControlDeps,
  actor: Actor,
  scope: KeyScope,
  query: PageQuery & { includeRevoked?: boolean; serviceAccountId?: string },
): Promise<{ records: KeyRecord[]; hasMore: boolean }> {
  let q = scoped(deps, actor, scope);
  if (!query.includeRevoked) q = q.where('status', '=', 'active');
  if (query.serviceAccountId) q = q.where('service_account_id', '=', query.serviceAccountId);
  const { rows, hasMore } = await paginate(q, 'id', query);
  return { records: rows.map((row) => toKeyRecord(deps, row)), hasMore };
}
