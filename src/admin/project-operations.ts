import {
  archiveProject,
  createProject,
  createProjectKey,
  createServiceAccount,
  deleteServiceAccount,
  getKey,
  getProject,
  getServiceAccount,
  listKeys,
  listPage,
  listProjects,
  listServiceAccounts,
  renameProject,
  revokeKey,
  rotateKey,
  updateKey,
  type KeyRecord,
} from '../control/index.js';
import { orgRoleOf, projectRoleOf } from '../identity/index.js';
import { toNumber } from '../store/index.js';
import { op, parseBody, parseQuery, type Operation, type OperationContext } from './operation.js';
import { createdServiceAccountObject, deletedObject, newKeyObject, projectKeyObject, type KeyOwner, projectObject, serviceAccountObject } from './present.js';
import {
  createdServiceAccountSchema,
  deletedObjectSchema,
  listOf,
  newProjectKeySchema,
  projectKeySchema,
  projectSchema,
  rotatedKeySchema,
  serviceAccountSchema,
  type ProjectKeyObject,
} from './response-schemas.js';
import { keyBody, keyListQuery, keySettings, pageQuery, projectBody, projectListQuery, rotateBody, serviceAccountBody } from './schemas.js';

const P = '/projects/:project_id';

async function presentKey(ctx: OperationContext, key: KeyRecord): Promise<ProjectKeyObject> {
  const account = key.serviceAccountId && key.projectId ? await getServiceAccount(ctx.deps, ctx.actor, key.projectId, key.serviceAccountId).catch(() => null) : null;
  return projectKeyObject(key, account, await keyOwner(ctx, key));
}

/**
 * A key a person created is theirs (OpenAI's owner.user), with their role in
 * the key's project and whether they may still reach it: a member of the
 * project, or an Owner of the organization, with an active account.
 */
async function keyOwner(ctx: OperationContext, key: KeyRecord): Promise<KeyOwner | null> {
  if (!key.createdBy?.startsWith('usr_') || !key.projectId) return null;
  const person = await ctx.deps.db.selectFrom('users').select(['id', 'email', 'name', 'created_at', 'status']).where('id', '=', key.createdBy).executeTakeFirst();
  if (!person) return null;
  const orgRole = await orgRoleOf(ctx.deps.db, key.organizationId, person.id);
  const projectRole = orgRole ? await projectRoleOf(ctx.deps.db, key.projectId, person.id) : null;
  const role = projectRole ?? (orgRole === 'owner' ? 'owner' : null);
  return { id: person.id, email: person.email, name: person.name, createdAt: toNumber(person.created_at)!, role: role ?? 'member', access: person.status === 'active' && role !== null };
}

export const projectOperations: Operation[] = [
  op({
    id: 'listProjects', method: 'GET', path: '/projects', openai: true, summary: 'List projects', returns: 'list of organization.project', response: listOf(projectSchema), query: projectListQuery,
    async handler(ctx, { query }) {
      const q = parseQuery(projectListQuery, query);
      const { records, hasMore } = await listProjects(ctx.deps, ctx.actor, { limit: q.limit, after: q.after, includeArchived: q.include_archived === 'true' });
      return listPage(records.map(projectObject), hasMore);
    },
  }),
  op({
    id: 'createProject', method: 'POST', path: '/projects', openai: true, summary: 'Create a project', returns: 'organization.project', response: projectSchema, body: projectBody,
    handler: async (ctx, { body }) => projectObject(await createProject(ctx.deps, ctx.actor, parseBody(projectBody, body))),
  }),
  op({
    id: 'retrieveProject', method: 'GET', path: P, openai: true, summary: 'Retrieve a project', returns: 'organization.project', response: projectSchema,
    handler: async (ctx, { params }) => projectObject(await getProject(ctx.deps, ctx.actor, params.project_id!)),
  }),
  op({
    id: 'modifyProject', method: 'POST', path: P, openai: true, summary: 'Rename a project', returns: 'organization.project', response: projectSchema, body: projectBody,
    handler: async (ctx, { params, body }) => projectObject(await renameProject(ctx.deps, ctx.actor, params.project_id!, parseBody(projectBody, body))),
  }),
  op({
    id: 'archiveProject', method: 'POST', path: `${P}/archive`, openai: true, summary: "Archive a project: its keys stop working at once", returns: 'organization.project', response: projectSchema,
    handler: async (ctx, { params }) => projectObject(await archiveProject(ctx.deps, ctx.actor, params.project_id!)),
  }),
  op({
    id: 'listProjectApiKeys', method: 'GET', path: `${P}/api_keys`, openai: true, summary: 'List the keys of a project (redacted)', returns: 'list of organization.project.api_key', response: listOf(projectKeySchema), query: keyListQuery,
    async handler(ctx, { params, query }) {
      const q = parseQuery(keyListQuery, query);
      await getProject(ctx.deps, ctx.actor, params.project_id!);
      const { records, hasMore } = await listKeys(ctx.deps, ctx.actor, { projectId: params.project_id! }, { limit: q.limit, after: q.after, includeRevoked: q.include_revoked === 'true' });
      return listPage(await Promise.all(records.map((k) => presentKey(ctx, k))), hasMore);
    },
  }),
  op({
    id: 'createProjectApiKey', method: 'POST', path: `${P}/api_keys`, openai: false, summary: 'Create a project key with permissions, IP ranges, limits and expiry (the secret is returned once, as `value`)', returns: 'organization.project.api_key with value', response: newProjectKeySchema, body: keyBody,
    handler: async (ctx, { params, body }) => newKeyObject(await createProjectKey(ctx.deps, ctx.actor, params.project_id!, keySettings(parseBody(keyBody, body)))),
  }),
  op({
    id: 'retrieveProjectApiKey', method: 'GET', path: `${P}/api_keys/:key_id`, openai: true, summary: 'Retrieve a project key (redacted)', returns: 'organization.project.api_key', response: projectKeySchema,
    handler: async (ctx, { params }) => presentKey(ctx, await getKey(ctx.deps, ctx.actor, { projectId: params.project_id! }, params.key_id!)),
  }),
  op({
    id: 'updateProjectApiKey', method: 'POST', path: `${P}/api_keys/:key_id`, openai: false, summary: 'Update a key: name, permissions, allowed IPs, expiry, limits (null clears)', returns: 'organization.project.api_key', response: projectKeySchema, body: keyBody,
    handler: async (ctx, { params, body }) =>
      presentKey(ctx, await updateKey(ctx.deps, ctx.actor, { projectId: params.project_id! }, params.key_id!, keySettings(parseBody(keyBody, body)))),
  }),
  op({
    id: 'deleteProjectApiKey', method: 'DELETE', path: `${P}/api_keys/:key_id`, openai: true, summary: 'Revoke a key (the record stays, status revoked)', returns: 'organization.project.api_key.deleted', response: deletedObjectSchema,
    async handler(ctx, { params }) {
      const key = await revokeKey(ctx.deps, ctx.actor, { projectId: params.project_id! }, params.key_id!);
      return deletedObject('organization.project.api_key.deleted', key.id);
    },
  }),
  op({
    id: 'rotateProjectApiKey', method: 'POST', path: `${P}/api_keys/:key_id/rotate`, openai: false, summary: 'Rotate a key: a new secret now, the old one revoked after the grace period (default 24 h)', returns: 'organization.project.api_key with value, and previous', response: rotatedKeySchema, body: rotateBody,
    async handler(ctx, { params, body }) {
      const input = parseBody(rotateBody, body);
      const graceMs = input.grace_period_seconds === undefined ? undefined : input.grace_period_seconds * 1000;
      const rotated = await rotateKey(ctx.deps, ctx.actor, { projectId: params.project_id! }, params.key_id!, { graceMs, name: input.name });
      return { ...newKeyObject(rotated), previous: await presentKey(ctx, rotated.previous) };
    },
  }),
  op({
    id: 'listServiceAccounts', method: 'GET', path: `${P}/service_accounts`, openai: true, summary: 'List service accounts', returns: 'list of organization.project.service_account', response: listOf(serviceAccountSchema), query: pageQuery,
    async handler(ctx, { params, query }) {
      const q = parseQuery(pageQuery, query);
      const { records, hasMore } = await listServiceAccounts(ctx.deps, ctx.actor, params.project_id!, q);
      return listPage(records.map(serviceAccountObject), hasMore);
    },
  }),
  op({
    id: 'createServiceAccount', method: 'POST', path: `${P}/service_accounts`, openai: true, summary: 'Create a service account and its key (sk-svcacct-..., returned once)', returns: 'organization.project.service_account with api_key', response: createdServiceAccountSchema, body: serviceAccountBody,
    async handler(ctx, { params, body }) {
      const created = await createServiceAccount(ctx.deps, ctx.actor, params.project_id!, parseBody(serviceAccountBody, body));
      return createdServiceAccountObject(created.account, created.key);
    },
  }),
  op({
    id: 'retrieveServiceAccount', method: 'GET', path: `${P}/service_accounts/:service_account_id`, openai: true, summary: 'Retrieve a service account', returns: 'organization.project.service_account', response: serviceAccountSchema,
    handler: async (ctx, { params }) => serviceAccountObject(await getServiceAccount(ctx.deps, ctx.actor, params.project_id!, params.service_account_id!)),
  }),
  op({
    id: 'deleteServiceAccount', method: 'DELETE', path: `${P}/service_accounts/:service_account_id`, openai: true, summary: 'Delete a service account and revoke its keys', returns: 'organization.project.service_account.deleted', response: deletedObjectSchema,
    async handler(ctx, { params }) {
      await deleteServiceAccount(ctx.deps, ctx.actor, params.project_id!, params.service_account_id!);
      return deletedObject('organization.project.service_account.deleted', params.service_account_id!);
    },
  }),
];
