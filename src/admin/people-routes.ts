import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { TollgateError } from '../common/errors.js';
import { getProject, listPage, type ControlDeps } from '../control/index.js';
import {
  createInvite,
  findUserRowByEmail,
  getInvite,
  getOrgMember,
  getProjectMember,
  inviteObject,
  listInvites,
  listOrgMembers,
  listProjectMembers,
  putProjectMember,
  removeOrgMember,
  removeProjectMember,
  revokeInvite,
  setOrgRole,
  type IdentityDeps,
  type MembershipRecord,
  type ProjectMemberRecord,
} from '../identity/index.js';
import { parseBody, parseQuery } from './operation.js';
import { actorOf } from './plugin.js';
import { deletedObject } from './present.js';

export interface PeopleAdminDeps {
  control: ControlDeps;
  identity: IdentityDeps;
}

const limit = z.coerce.number().int().min(1).max(100).default(20);
const cursor = z.string().min(1).max(128).optional();
export const userListQuery = z.object({ limit, after: cursor, emails: z.array(z.string().max(320)).max(100).optional() }).strict();
export const pageQuery = z.object({ limit, after: cursor }).strict();
export const orgRoleBody = z.object({ role: z.enum(['owner', 'reader']), role_id: z.string().max(128).nullable().optional() }).strict();
const projectRef = z.object({ id: z.string().min(1).max(128), role: z.enum(['owner', 'member']) }).strict();
export const inviteBody = z.object({ email: z.string().max(320), role: z.enum(['owner', 'reader']), projects: z.array(projectRef).max(100).optional() }).strict();
export const projectUserBody = z.object({ role: z.enum(['owner', 'member']), user_id: z.string().max(128).nullable().optional(), email: z.string().max(320).nullable().optional() }).strict();
export const projectRoleBody = z.object({ role: z.enum(['owner', 'member']) }).strict();

const seconds = (ms: number) => Math.floor(ms / 1000);

/** OpenAI's `organization.user`. */
export function orgUserObject(m: MembershipRecord): Record<string, unknown> {
  return { object: 'organization.user', id: m.userId, name: m.name, email: m.email, role: m.role, added_at: seconds(m.addedAt), created: seconds(m.createdAt) };
}

/** OpenAI's `organization.project.user`. */
export function projectUserObject(m: ProjectMemberRecord): Record<string, unknown> {
  return { object: 'organization.project.user', id: m.userId, name: m.name, email: m.email, role: m.role, added_at: seconds(m.addedAt) };
}

function params(request: FastifyRequest): Record<string, string> {
  return request.params as Record<string, string>;
}

/**
 * Members, invitations and project members on OpenAI's admin paths
 * (`/v1/organization/users`, `/invites`, `/projects/{id}/users`), for admin
 * keys and for sessions (whose role the admin plugin checked first). Every
 * read and change is scoped to the caller's organization.
 */
export function peopleAdminRoutes(deps: PeopleAdminDeps): FastifyPluginAsync {
  const { control, identity } = deps;
  const db = control.db;
  return async (app: FastifyInstance) => {
    app.get('/users', async (request) => {
      const q = parseQuery(userListQuery, request.query, ['emails']);
      const { records, hasMore } = await listOrgMembers(db, request.principal!.organizationId, { limit: q.limit, after: q.after, emails: q.emails });
      return listPage(records.map(orgUserObject), hasMore);
    });
    app.get('/users/:user_id', async (request) => orgUserObject(await getOrgMember(db, request.principal!.organizationId, params(request).user_id!)));
    app.post('/users/:user_id', async (request) => {
      const { role } = parseBody(orgRoleBody, request.body);
      return orgUserObject(await setOrgRole(control, actorOf(request.principal!, request), params(request).user_id!, role));
    });
    app.delete('/users/:user_id', async (request) => {
      const id = params(request).user_id!;
      await removeOrgMember(control, actorOf(request.principal!, request), id);
      return deletedObject('organization.user.deleted', id);
    });

    app.get('/invites', async (request) => {
      const q = parseQuery(pageQuery, request.query);
      const { records, hasMore } = await listInvites(identity, actorOf(request.principal!, request), q);
      return listPage(records.map(inviteObject), hasMore);
    });
    app.post('/invites', async (request) => {
      const body = parseBody(inviteBody, request.body);
      return inviteObject(await createInvite(identity, actorOf(request.principal!, request), body));
    });
    app.get('/invites/:invite_id', async (request) => inviteObject(await getInvite(identity, actorOf(request.principal!, request), params(request).invite_id!)));
    app.delete('/invites/:invite_id', async (request) => {
      const id = params(request).invite_id!;
      await revokeInvite(identity, actorOf(request.principal!, request), id);
      return deletedObject('organization.invite.deleted', id);
    });

    const project = async (request: FastifyRequest) => {
      const actor = actorOf(request.principal!, request);
      const found = await getProject(control, actor, params(request).project_id!);
      return { actor, projectId: found.id, active: found.status === 'active' };
    };
    app.get('/projects/:project_id/users', async (request) => {
      const { projectId } = await project(request);
      const q = parseQuery(pageQuery, request.query);
      const { records, hasMore } = await listProjectMembers(db, projectId, q);
      return listPage(records.map(projectUserObject), hasMore);
    });
    app.post('/projects/:project_id/users', async (request) => {
      const { actor, projectId, active } = await project(request);
      const body = parseBody(projectUserBody, request.body);
      if (!active) throw new TollgateError('invalid_request', { param: 'project_id', message: 'This project is archived: it has no members.' });
      let userId = body.user_id ?? undefined;
      if (!userId && body.email) userId = (await findUserRowByEmail(db, body.email))?.id;
      if (!userId) throw new TollgateError(body.email ? 'not_found' : 'missing_required_parameter', { param: body.email ? 'email' : 'user_id', message: body.email ? 'No member of this organization has that address.' : "Missing required parameter: 'user_id' (or 'email')." });
      const already = await listProjectMembers(db, projectId, { limit: 1, userId });
      if (already.records.length > 0) throw new TollgateError('conflict', { param: 'user_id', message: 'This user is already a member of the project: update their role instead.' });
      return projectUserObject(await putProjectMember(control, actor, projectId, userId, body.role, 'project.user_added'));
    });
    app.get('/projects/:project_id/users/:user_id', async (request) => {
      const { projectId } = await project(request);
      return projectUserObject(await getProjectMember(db, projectId, params(request).user_id!));
    });
    app.post('/projects/:project_id/users/:user_id', async (request) => {
      const { actor, projectId } = await project(request);
      const { role } = parseBody(projectRoleBody, request.body);
      await getProjectMember(db, projectId, params(request).user_id!);
      return projectUserObject(await putProjectMember(control, actor, projectId, params(request).user_id!, role, 'project.user_updated'));
    });
    app.delete('/projects/:project_id/users/:user_id', async (request) => {
      const { actor, projectId } = await project(request);
      const id = params(request).user_id!;
      await removeProjectMember(control, actor, projectId, id);
      return deletedObject('organization.project.user.deleted', id);
    });
  };
}
