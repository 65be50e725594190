import { op, parseBody, parseQuery, type Operation } from '../admin/operation.js';
import { deletedObjectSchema, listOf } from '../admin/response-schemas.js';
import { TollgateError } from '../common/errors.js';
import { listPage, recordAudit, type ControlDeps, type NotificationType } from '../control/index.js';
import { eventOf, type NoticeEvent } from './events.js';
import { readPreferences, writePreferences } from './preferences.js';
import {
  markedReadSchema,
  newWebhookSchema,
  notificationListQuery,
  notificationSchema,
  preferencesBody,
  preferencesSchema,
  webhookBody,
  webhookSchema,
  webhookUpdateBody,
} from './schemas.js';
import { createEndpoint, deleteEndpoint, getEndpoint, listEndpoints, updateEndpoint, type WebhookEndpoint, type WebhookStoreDeps } from './webhooks.js';

const seconds = (ms: number | null) => (ms === null ? null : Math.floor(ms / 1000));

function notificationObject(event: NoticeEvent) {
  return {
    object: 'organization.notification' as const,
    id: event.id,
    type: event.type,
    project_id: event.projectId,
    resource_id: event.resourceId,
    created_at: seconds(event.createdAt)!,
    read_at: seconds(event.readAt),
    data: event.payload,
  };
}

function webhookObject(endpoint: WebhookEndpoint) {
  return {
    object: 'organization.webhook' as const,
    id: endpoint.id,
    url: endpoint.url,
    description: endpoint.description,
    status: endpoint.status,
    consecutive_failures: endpoint.consecutiveFailures,
    disabled_reason: endpoint.disabledReason,
    created_at: seconds(endpoint.createdAt)!,
  };
}

function webhookStore(deps: ControlDeps): WebhookStoreDeps {
  return { db: deps.db, secret: deps.secret, allowPrivate: deps.notices?.allowPrivateWebhooks ?? false };
}

async function preferencesObject(deps: ControlDeps, organizationId: string) {
  const prefs = await readPreferences(deps.db, organizationId);
  return { object: 'organization.notification_preferences' as const, events: Object.fromEntries(prefs) };
}

/**
 * The notifications an organization received (what was mailed and posted),
 * the Owner's choice of channels per event type, and the webhook endpoints.
 * Scoped like billing: an admin key (only Owners make them) or an Owner's session.
 */
export const noticeOperations: Operation[] = [
  op({
    id: 'listNotifications', method: 'GET', path: '/notifications', openai: false, summary: 'Notifications of the organization, newest first (`unread=true`: only those not marked read)', returns: 'list of organization.notification', response: listOf(notificationSchema), query: notificationListQuery,
    async handler(ctx, { query }) {
      const q = parseQuery(notificationListQuery, query);
      const db = ctx.deps.db;
      let select = db.selectFrom('notification_events').selectAll().where('organization_id', '=', ctx.actor.organizationId);
      if (q.unread === 'true') select = select.where('read_at', 'is', null);
      if (q.after) {
        const cursor = await db.selectFrom('notification_events').select('id').where('id', '=', q.after).where('organization_id', '=', ctx.actor.organizationId).executeTakeFirst();
        if (!cursor) throw new TollgateError('invalid_value', { param: 'after', message: `No notification ${q.after.slice(0, 100)} in this organization.` });
        select = select.where('id', '<', q.after);
      }
      const rows = await select.orderBy('id', 'desc').limit(q.limit + 1).execute();
      return listPage(rows.slice(0, q.limit).map((r) => notificationObject(eventOf(r))), rows.length > q.limit);
    },
  }),
  op({
    id: 'markNotificationRead', method: 'POST', path: '/notifications/:notification_id/read', openai: false, summary: 'Marks one notification read', returns: 'organization.notification', response: notificationSchema,
    async handler(ctx, { params }) {
      const id = params.notification_id!;
      const db = ctx.deps.db;
      await db.updateTable('notification_events').set({ read_at: ctx.deps.clock.now() }).where('id', '=', id).where('organization_id', '=', ctx.actor.organizationId).where('read_at', 'is', null).execute();
      const row = await db.selectFrom('notification_events').selectAll().where('id', '=', id).where('organization_id', '=', ctx.actor.organizationId).executeTakeFirst();
      if (!row) throw new TollgateError('not_found', { param: 'notification_id', message: `No notification found with id '${id.slice(0, 100)}'.` });
      return notificationObject(eventOf(row));
    },
  }),
  op({
    id: 'markAllNotificationsRead', method: 'POST', path: '/notifications/read_all', openai: false, summary: 'Marks every unread notification read', returns: 'organization.notifications.read with the number marked', response: markedReadSchema,
    async handler(ctx) {
      const result = await ctx.deps.db.updateTable('notification_events').set({ read_at: ctx.deps.clock.now() }).where('organization_id', '=', ctx.actor.organizationId).where('read_at', 'is', null).executeTakeFirst();
      return { object: 'organization.notifications.read' as const, marked: Number(result.numUpdatedRows) };
    },
  }),
  op({
    id: 'retrieveNotificationPreferences', method: 'GET', path: '/notifications/preferences', openai: false, summary: 'Which event types go to the Owners by mail and which to the webhook endpoints', returns: 'organization.notification_preferences', response: preferencesSchema,
    handler: async (ctx) => preferencesObject(ctx.deps, ctx.actor.organizationId),
  }),
  op({
    id: 'updateNotificationPreferences', method: 'POST', path: '/notifications/preferences', openai: false, summary: 'Chooses per event type whether it is mailed to the Owners and posted to webhooks (`{"events":{"balance.low":{"email":false}}}`)', returns: 'organization.notification_preferences', response: preferencesSchema, body: preferencesBody,
    async handler(ctx, { body }) {
      const input = parseBody(preferencesBody, body);
      await writePreferences(ctx.deps.db, ctx.actor.organizationId, input.events as Partial<Record<NotificationType, { email?: boolean; webhook?: boolean }>>, ctx.deps.clock.now());
      await recordAudit(ctx.deps.db, ctx.deps.clock, ctx.actor, { type: 'notification_preferences.updated', projectId: null, resourceId: ctx.actor.organizationId, details: { events: input.events } });
      return preferencesObject(ctx.deps, ctx.actor.organizationId);
    },
  }),
  op({
    id: 'listWebhooks', method: 'GET', path: '/webhooks', openai: false, summary: 'Webhook endpoints of the organization (never their signing secret)', returns: 'list of organization.webhook', response: listOf(webhookSchema),
    handler: async (ctx) => listPage((await listEndpoints(ctx.deps.db, ctx.actor.organizationId)).map(webhookObject), false),
  }),
  op({
    id: 'createWebhook', method: 'POST', path: '/webhooks', openai: false, summary: 'Registers a webhook endpoint; its signing secret (whsec_...) is returned once', returns: 'organization.webhook with signing_secret', response: newWebhookSchema, body: webhookBody,
    async handler(ctx, { body }) {
      const input = parseBody(webhookBody, body);
      const { endpoint, signingSecret } = await createEndpoint(webhookStore(ctx.deps), { organizationId: ctx.actor.organizationId, url: input.url, description: input.description ?? null, createdBy: ctx.actor.id, now: ctx.deps.clock.now() });
      await recordAudit(ctx.deps.db, ctx.deps.clock, ctx.actor, { type: 'webhook.created', projectId: null, resourceId: endpoint.id, details: { url: endpoint.url } });
      return { ...webhookObject(endpoint), signing_secret: signingSecret };
    },
  }),
  op({
    id: 'retrieveWebhook', method: 'GET', path: '/webhooks/:webhook_id', openai: false, summary: 'One webhook endpoint', returns: 'organization.webhook', response: webhookSchema,
    handler: async (ctx, { params }) => webhookObject(await getEndpoint(ctx.deps.db, ctx.actor.organizationId, params.webhook_id!)),
  }),
  op({
    id: 'updateWebhook', method: 'POST', path: '/webhooks/:webhook_id', openai: false, summary: 'Changes url or description, or disables / enables the endpoint (enabling forgets its failures)', returns: 'organization.webhook', response: webhookSchema, body: webhookUpdateBody,
    async handler(ctx, { params, body }) {
      const input = parseBody(webhookUpdateBody, body);
      const endpoint = await updateEndpoint(webhookStore(ctx.deps), ctx.actor.organizationId, params.webhook_id!, input, ctx.deps.clock.now());
      await recordAudit(ctx.deps.db, ctx.deps.clock, ctx.actor, { type: 'webhook.updated', projectId: null, resourceId: endpoint.id, details: input });
      return webhookObject(endpoint);
    },
  }),
  op({
    id: 'deleteWebhook', method: 'DELETE', path: '/webhooks/:webhook_id', openai: false, summary: 'Removes a webhook endpoint; its pending deliveries are given up', returns: 'organization.webhook.deleted', response: deletedObjectSchema,
    async handler(ctx, { params }) {
      const id = params.webhook_id!;
      await deleteEndpoint(ctx.deps.db, ctx.actor.organizationId, id, ctx.deps.clock.now());
      await recordAudit(ctx.deps.db, ctx.deps.clock, ctx.actor, { type: 'webhook.deleted', projectId: null, resourceId: id, details: {} });
      return { object: 'organization.webhook.deleted', id, deleted: true as const };
    },
  }),
];
