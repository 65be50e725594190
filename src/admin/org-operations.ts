import { createKey, getKey, listAudit, listKeys, listPage, revokeKey } from '../control/index.js';
import { op, parseBody, parseQuery, type Operation } from './operation.js';
import { adminKeyObject, auditObject, deletedObject, newKeyObject } from './present.js';
import { adminKeySchema, auditLogSchema, deletedObjectSchema, listOf, newAdminKeySchema } from './response-schemas.js';
import { adminKeyBody, adminKeyListQuery, auditQuery, keySettings } from './schemas.js';

const ADMIN = { admin: true } as const;
const AUDIT_ARRAYS = ['event_types', 'project_ids', 'resource_ids'] as const;

export const orgOperations: Operation[] = [
  op({
    id: 'listAdminApiKeys', method: 'GET', path: '/admin_api_keys', openai: true, summary: "List the organization's admin keys (redacted)", returns: 'list of organization.admin_api_key', response: listOf(adminKeySchema), query: adminKeyListQuery,
    async handler(ctx, { query }) {
      const q = parseQuery(adminKeyListQuery, query);
      const { records, hasMore } = await listKeys(ctx.deps, ctx.actor, ADMIN, { limit: q.limit, after: q.after, order: q.order });
      return listPage(records.map(adminKeyObject), hasMore);
    },
  }),
  op({
    id: 'createAdminApiKey', method: 'POST', path: '/admin_api_keys', openai: true, summary: 'Create an admin key (sk-admin-..., the secret returned once as `value`)', returns: 'organization.admin_api_key with value', response: newAdminKeySchema, body: adminKeyBody,
    async handler(ctx, { body }) {
      const settings = keySettings(parseBody(adminKeyBody, body));
      return newKeyObject(await ctx.deps.db.transaction().execute((trx) => createKey(ctx.deps, ctx.actor, { ...settings, kind: 'admin', projectId: null }, trx)));
    },
  }),
  op({
    id: 'retrieveAdminApiKey', method: 'GET', path: '/admin_api_keys/:key_id', openai: true, summary: 'Retrieve an admin key (redacted)', returns: 'organization.admin_api_key', response: adminKeySchema,
    handler: async (ctx, { params }) => adminKeyObject(await getKey(ctx.deps, ctx.actor, ADMIN, params.key_id!)),
  }),
  op({
    id: 'deleteAdminApiKey', method: 'DELETE', path: '/admin_api_keys/:key_id', openai: true, summary: 'Revoke an admin key', returns: 'organization.admin_api_key.deleted', response: deletedObjectSchema,
    async handler(ctx, { params }) {
      const key = await revokeKey(ctx.deps, ctx.actor, ADMIN, params.key_id!);
      return deletedObject('organization.admin_api_key.deleted', key.id);
    },
  }),
  op({
    id: 'listAuditLogs', method: 'GET', path: '/audit_logs', openai: true, summary: 'List audit log entries, newest first (filters: event_types[], project_ids[], resource_ids[], effective_at[gte|lte])', returns: 'list of organization.audit_log', response: listOf(auditLogSchema), query: auditQuery, arrays: AUDIT_ARRAYS,
    async handler(ctx, { query }) {
      const q = parseQuery(auditQuery, query, AUDIT_ARRAYS);
      const { records, hasMore } = await listAudit(ctx.deps.db, ctx.actor.organizationId, {
        limit: q.limit,
        after: q.after,
        before: q.before,
        eventTypes: q.event_types,
        projectIds: q.project_ids,
        resourceIds: q.resource_ids,
        effectiveAtGte: q['effective_at[gte]'] === undefined ? undefined : q['effective_at[gte]'] * 1000,
        effectiveAtLte: q['effective_at[lte]'] === undefined ? undefined : q['effective_at[lte]'] * 1000 + 999,
      });
      return listPage(records.map(auditObject), hasMore);
    },
  }),
];
