import { formatUsd, PICOS_PER_USD } from '../common/money.js';
import type { AdminKeyObject, ProjectKeyObject, ProjectObject, ServiceAccountObject } from './response-schemas.js';
import type { AuditRecord, KeyRecord, NewKey, ProjectRecord, ServiceAccountRecord } from '../control/index.js';

/** OpenAI's object shapes (timestamps in Unix seconds), with Tollgate's extra fields after them. */
function seconds(ms: number): number;
function seconds(ms: number | null): number | null;
function seconds(ms: number | null): number | null {
  return ms === null ? null : Math.floor(ms / 1000);
}

/** Exact decimal text of picodollars, without trailing zeros ("25.5", "0.000001"). */
export function usdText(picos: bigint | null): string | null {
  if (picos === null) return null;
  const text = formatUsd(picos, 12);
  return picos % PICOS_PER_USD === 0n ? text.split('.')[0]! : text.replace(/0+$/, '');
}

export function projectObject(p: ProjectRecord): ProjectObject {
  return { id: p.id, object: 'organization.project' as const, name: p.name, created_at: seconds(p.createdAt), archived_at: seconds(p.archivedAt), status: p.status };
}

function keyDetails(k: KeyRecord) {
  return {
    kind: k.kind,
    status: k.status,
    created_by: k.createdBy,
    expires_at: seconds(k.expiresAt),
    permissions: k.permissions,
    allowed_ips: k.allowedIps,
    rpm_limit: k.limits.rpm,
    tpm_limit: k.limits.tpm,
    monthly_usage_limit_usd: usdText(k.limits.monthlyBudgetPicos),
    rotated_from: k.rotatedFromId,
    rotated_to: k.rotatedToId,
    revokes_at: seconds(k.revokeAt),
    revoked_at: seconds(k.revokedAt),
    revoked_reason: k.revokedReason,
    rotation_due: k.rotationDue,
  };
}

/** The person who made a key, as the key's answer names them. */
export interface KeyOwner {
  id: string;
  email: string;
  name: string | null;
  createdAt: number;
  /** Their role in the key's project (an organization Owner counts as the project's). */
  role: string;
  /** Whether they still reach the key's project: OpenAI's `owner_project_access`. */
  access: boolean;
}

/**
 * OpenAI's project key. A key made with an admin key or from the shell has no
 * person behind it: its owner is `{type: "user"}` without `user` (OpenAI's
 * document allows that, not a null user).
 */
export function projectKeyObject(k: KeyRecord, account?: ServiceAccountRecord | null, person?: KeyOwner | null): ProjectKeyObject {
  const owner: ProjectKeyObject['owner'] = k.serviceAccountId
    ? { type: 'service_account' as const, service_account: account ? serviceAccountObject(account) : { id: k.serviceAccountId } }
    : { type: 'user', ...(person ? { user: { object: 'organization.user' as const, id: person.id, email: person.email, name: person.name ?? '', created_at: seconds(person.createdAt), role: person.role } } : {}) };
  const access = k.serviceAccountId ? account !== null && account !== undefined : (person?.access ?? true);
  return {
    object: 'organization.project.api_key' as const,
    id: k.id,
    name: k.name,
    redacted_value: k.redacted,
    created_at: seconds(k.createdAt),
    last_used_at: seconds(k.lastUsedAt),
    owner,
    owner_project_access: access ? 'active' : 'inactive',
    project_id: k.projectId,
    ...keyDetails(k),
  };
}

export function adminKeyObject(k: KeyRecord): AdminKeyObject {
  return {
    object: 'organization.admin_api_key' as const,
    id: k.id,
    name: k.name,
    redacted_value: k.redacted,
    created_at: seconds(k.createdAt),
    last_used_at: seconds(k.lastUsedAt),
    owner: { type: 'organization' as const, id: k.organizationId },
    ...keyDetails(k),
  };
}

/** A key with its secret: the only answer that ever carries `value`. */
export function newKeyObject(created: NewKey): (ProjectKeyObject | AdminKeyObject) & { value: string } {
  const base = created.key.kind === 'admin' ? adminKeyObject(created.key) : projectKeyObject(created.key);
  return { ...base, value: created.secret };
}

export function serviceAccountObject(a: ServiceAccountRecord): ServiceAccountObject {
  return { object: 'organization.project.service_account' as const, id: a.id, name: a.name, role: a.role, created_at: seconds(a.createdAt) };
}

export function createdServiceAccountObject(a: ServiceAccountRecord, key: NewKey): Record<string, unknown> {
  return {
    ...serviceAccountObject(a),
    api_key: { object: 'organization.project.service_account.api_key', value: key.secret, name: key.key.name, created_at: seconds(key.key.createdAt), id: key.key.id },
  };
}

export function deletedObject(object: string, id: string): Record<string, unknown> {
  return { object, id, deleted: true };
}

/**
 * OpenAI's audit log entry: the event's payload sits under a key named after
 * its type. A key acts as OpenAI's `api_key` actor (an admin key is a user's
 * key there); a person signed in as its `session` actor. Tollgate's own
 * actors (`cli`, `system`) and event types (credits, budgets, ...) have no
 * OpenAI name and keep theirs.
 */
export function auditObject(a: AuditRecord): Record<string, unknown> {
  const seen = { ip_address: a.actor.ip, user_agent: a.actor.userAgent };
  const actor =
    a.actor.type === 'api_key'
      ? { type: 'api_key', api_key: { id: a.actor.id, type: 'user' } }
      : a.actor.type === 'user' && a.actor.id
        ? { type: 'session', session: { user: { id: a.actor.id }, ...(a.actor.ip ? { ip_address: a.actor.ip } : {}) }, id: a.actor.id }
        : { type: a.actor.type, ...(a.actor.id ? { id: a.actor.id } : {}) };
  return {
    object: 'organization.audit_log',
    id: a.id,
    type: a.type,
    effective_at: seconds(a.effectiveAt),
    ...(a.projectId ? { project: { id: a.projectId } } : {}),
    actor: { ...actor, ...seen },
    [a.type]: { id: a.resourceId, ...a.details },
  };
}
