import type { NotificationType } from '../control/index.js';

/** Every event type a notice can carry, in the order the API lists them. */
export const NOTIFICATION_TYPES: readonly NotificationType[] = [
  'budget.threshold_crossed',
  'budget.exhausted',
  'balance.low',
  'balance.exhausted',
  'auto_recharge.succeeded',
  'auto_recharge.failed',
  'auto_recharge.disabled',
  'usage_tier.upgraded',
  'api_key.leaked',
  'api_key.rotation_due',
];

/** A recorded event as the API, the mail and the webhook show it. */
export interface NoticeEvent {
  id: string;
  organizationId: string;
  projectId: string | null;
  type: NotificationType;
  resourceId: string | null;
  payload: Record<string, unknown>;
  createdAt: number;
  readAt: number | null;
}

export function eventOf(row: {
  id: string;
  organization_id: string;
  project_id: string | null;
  type: string;
  resource_id: string | null;
  payload: string;
  created_at: bigint | number;
  read_at?: bigint | number | null;
}): NoticeEvent {
  return {
    id: row.id,
    organizationId: row.organization_id,
    projectId: row.project_id,
    type: row.type as NotificationType,
    resourceId: row.resource_id,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    createdAt: Number(row.created_at),
    readAt: row.read_at === null || row.read_at === undefined ? null : Number(row.read_at),
  };
}

/** The event as JSON, in the shape of OpenAI's webhook events (`object: "event"`, `data`). */
export function eventJson(event: NoticeEvent): Record<string, unknown> {
  return {
    id: event.id,
    object: 'event',
    type: event.type,
    created_at: Math.floor(event.createdAt / 1000),
    organization_id: event.organizationId,
    project_id: event.projectId,
    data: event.payload,
  };
}
