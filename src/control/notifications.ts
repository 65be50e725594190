import type { Kysely } from 'kysely';
import type { Clock } from '../common/clock.js';
import { newId } from '../common/ids.js';
import type { Database } from '../store/index.js';

/**
 * Events that someone must be told about (a leaked key was revoked, a key is
 * due for rotation). They are recorded here; the delivery channel (email,
 * webhooks) reads the undelivered ones.
 */
export type NotificationType =
  | 'api_key.rotation_due'
  | 'api_key.leaked'
  | 'budget.threshold_crossed'
  | 'budget.exhausted'
  | 'balance.low'
  | 'balance.exhausted'
  | 'auto_recharge.succeeded'
  | 'auto_recharge.failed'
  | 'auto_recharge.disabled'
  | 'usage_tier.upgraded';

export interface NotificationInput {
  organizationId: string;
  projectId: string | null;
  type: NotificationType;
  resourceId: string | null;
  payload: Record<string, unknown>;
  /** Set for events that must exist at most once; a duplicate is ignored. */
  dedupeKey?: string;
}

/** Returns true when the event was recorded (false: a duplicate of a once-only event). */
export async function recordNotification(db: Kysely<Database>, clock: Clock, input: NotificationInput): Promise<boolean> {
  const result = await db
    .insertInto('notification_events')
    .values({
      id: newId('evt', clock.now()),
      organization_id: input.organizationId,
      project_id: input.projectId,
      type: input.type,
      resource_id: input.resourceId,
      dedupe_key: input.dedupeKey ?? null,
      payload: JSON.stringify(input.payload),
      created_at: clock.now(),
      delivered_at: null,
    })
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}
