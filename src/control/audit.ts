import type { Kysely } from 'kysely';
import type { Clock } from '../common/clock.js';
import { newId } from '../common/ids.js';
import { toNumber, type Database } from '../store/index.js';
import type { Actor } from './actor.js';
import { paginate, type PageQuery } from './pagination.js';

/** Event types, named as OpenAI's audit log names them where it has them. */
export type AuditEventType =
  | 'project.created'
  | 'project.updated'
  | 'project.archived'
  | 'api_key.created'
  | 'api_key.updated'
  | 'api_key.rotated'
  | 'api_key.revoked'
  | 'service_account.created'
  | 'service_account.deleted'
  | 'leak.reported'
  // People (organization_id '' = the platform's own log, read by operators).
  | 'login.succeeded'
  | 'login.failed'
  | 'logout.succeeded'
  | 'user.signed_up'
  | 'user.profile_updated'
  | 'user.password_changed'
  | 'user.password_reset'
  | 'user.email_verified'
  | 'user.phone_verified'
  | 'session.revoked'
  | 'user.added'
  | 'user.updated'
  | 'user.deleted'
  | 'user.disabled'
  | 'user.enabled'
  | 'invite.sent'
  | 'invite.accepted'
  | 'invite.deleted'
  | 'project.user_added'
  | 'project.user_updated'
  | 'project.user_removed'
  | 'organization.created'
  | 'organization.disabled'
  | 'organization.enabled'
  | 'signup_policy.updated'
  | 'credits.granted'
  | 'tier.updated'
  | 'budget.updated'
  | 'rate_limit.updated'
  | 'provider_key.updated'
  | 'provider_key.deleted'
  // Second factor and SSO (organization '' as for the other account events).
  | 'second_factor.enabled'
  | 'second_factor.disabled'
  | 'second_factor.recovery_codes_regenerated'
  | 'second_factor.recovery_code_used'
  | 'sso.linked'
  | 'sso.unlinked'
  | 'credits.adjusted'
  | 'payment_method.added'
  // Notices: webhook endpoints, the Owner's channel choices, spend alerts.
  | 'webhook.created'
  | 'webhook.updated'
  | 'webhook.deleted'
  | 'notification_preferences.updated'
  | 'spend_alert.created'
  | 'spend_alert.updated'
  | 'spend_alert.deleted'
  | 'payment_method.removed'
  | 'auto_recharge.updated'
  | 'billing_profile.updated'
  | 'model_permissions.updated'
  | 'model_permissions.deleted';

export interface AuditEvent {
  type: AuditEventType;
  projectId: string | null;
  resourceId: string | null;
  /** What changed. Callers pass ids, names and new values: never a secret. */
  details: Record<string, unknown>;
}

export interface AuditRecord extends AuditEvent {
  id: string;
  organizationId: string;
  effectiveAt: number;
  actor: { type: string; id: string | null; ip: string | null; userAgent: string | null };
}

export interface AuditQuery extends PageQuery {
  eventTypes?: string[] | undefined;
  projectIds?: string[] | undefined;
  resourceIds?: string[] | undefined;
  effectiveAtGte?: number | undefined;
  effectiveAtLte?: number | undefined;
}

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';
let lastAuditId = '';

/** Increments a Crockford base32 string by one (the random tail of an id). */
function increment(text: string): string {
  const chars = text.split('');
  for (let i = chars.length - 1; i >= 0; i--) {
    const next = CROCKFORD.indexOf(chars[i]!) + 1;
    if (next < 32) {
      chars[i] = CROCKFORD[next]!;
      return chars.join('');
    }
    chars[i] = '0';
  }
  return chars.join('');
}

/**
 * Audit ids sort in the order events were recorded, even within one
 * millisecond (the list is read newest first): a same-or-earlier id is bumped
 * past the previous one, as monotonic ULIDs do.
 */
function nextAuditId(now: number): string {
  let id = newId('aud', now);
  if (id <= lastAuditId) id = lastAuditId.slice(0, 14) + increment(lastAuditId.slice(14));
  lastAuditId = id;
  return id;
}

export async function recordAudit(db: Kysely<Database>, clock: Clock, actor: Actor, event: AuditEvent): Promise<void> {
  await db
    .insertInto('audit_logs')
    .values({
      id: nextAuditId(clock.now()),
      organization_id: actor.organizationId,
      project_id: event.projectId,
      type: event.type,
      effective_at: clock.now(),
      actor_type: actor.type,
      actor_id: actor.id,
      actor_ip: actor.ip,
      actor_user_agent: actor.userAgent?.slice(0, 512) ?? null,
      resource_id: event.resourceId,
      details: JSON.stringify(event.details),
    })
    .execute();
}

/** Newest first, scoped to one organization. */
export async function listAudit(db: Kysely<Database>, organizationId: string, query: AuditQuery): Promise<{ records: AuditRecord[]; hasMore: boolean }> {
  let q = db.selectFrom('audit_logs').selectAll().where('organization_id', '=', organizationId);
  if (query.eventTypes?.length) q = q.where('type', 'in', query.eventTypes);
  if (query.projectIds?.length) q = q.where('project_id', 'in', query.projectIds);
  if (query.resourceIds?.length) q = q.where('resource_id', 'in', query.resourceIds);
  if (query.effectiveAtGte !== undefined) q = q.where('effective_at', '>=', BigInt(query.effectiveAtGte));
  if (query.effectiveAtLte !== undefined) q = q.where('effective_at', '<=', BigInt(query.effectiveAtLte));
  const { rows, hasMore } = await paginate(q, 'id', { ...query, order: 'desc' });
  const records = rows.map((row) => ({
    id: row.id,
    organizationId: row.organization_id,
    type: row.type as AuditEventType,
    projectId: row.project_id,
    resourceId: row.resource_id,
    effectiveAt: toNumber(row.effective_at)!,
    actor: { type: row.actor_type, id: row.actor_id, ip: row.actor_ip, userAgent: row.actor_user_agent },
    details: JSON.parse(row.details) as Record<string, unknown>,
  }));
  return { records, hasMore };
}
