import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { TollgateError } from '../common/errors.js';
import { listAudit, listPage, recordAudit, type Actor, type ControlDeps } from '../control/index.js';
import { authenticate, presentedKey, type AuthDeps } from '../gateway/index.js';
import {
  checkEmail,
  checkName,
  checkOrgName,
  createInvite,
  createOrganizationWithOwner,
  findUserRowByEmail,
  getUser,
  insertUser,
  issueToken,
  LINK_PATHS,
  listOrganizations,
  membershipsOf,
  organizationObject,
  readSignupPolicy,
  requireSession,
  setOrganizationStatus,
  setPasswordMail,
  setUserStatus,
  SIGNUP_POLICIES,
  toUserRecord,
  userObject,
  writeSignupPolicy,
  type IdentityDeps,
  type Onboard,
} from '../identity/index.js';
import { parseBody, parseQuery } from './operation.js';
import { auditObject } from './present.js';

/** What operator operations work with; the CLI builds the same over a local store. */
export interface OperatorContext {
  control: ControlDeps;
  identity: IdentityDeps;
  onboard: Onboard;
  actor: Actor;
}

export interface OperatorOperation {
  id: string;
  method: 'GET' | 'POST';
  /** Relative to /v1/operator. */
  path: string;
  summary: string;
  returns: string;
  query?: z.ZodType;
  body?: z.ZodType;
  handler(ctx: OperatorContext, input: { params: Record<string, string>; query: unknown; body: unknown }): Promise<unknown>;
}

const limit = z.coerce.number().int().min(1).max(100).default(20);
const cursor = z.string().min(1).max(128).optional();
const pageQuery = z.object({ limit, after: cursor }).strict();
const userQuery = pageQuery.extend({ email: z.string().max(320).optional() }).strict();
const orgBody = z.object({ name: z.string().max(256), owner_email: z.string().max(320).optional() }).strict();
const userBody = z.object({ email: z.string().max(320), name: z.string().max(256).optional(), operator: z.boolean().optional() }).strict();
const policyBody = z.object({ policy: z.enum(SIGNUP_POLICIES as [string, ...string[]]), domains: z.array(z.string().min(1).max(253)).max(1000).optional() }).strict();

async function userDetail(ctx: OperatorContext, id: string): Promise<Record<string, unknown>> {
  return { ...userObject(await getUser(ctx.control.db, id)), organizations: await membershipsOf(ctx.control.db, id) };
}

async function orgDetail(ctx: OperatorContext, id: string): Promise<Record<string, unknown>> {
  const { records } = await listOrganizations(ctx.control.db, { limit: 1, id });
  if (!records[0]) throw new TollgateError('not_found', { param: 'organization_id', message: `No organization found with id '${id.slice(0, 100)}'.` });
  return organizationObject(records[0]);
}

/** A new account made by the operator: no password yet; the answer carries (once) a link to choose one, also mailed. */
async function createUser(ctx: OperatorContext, body: z.infer<typeof userBody>): Promise<Record<string, unknown>> {
  const email = checkEmail(body.email);
  const user = await insertUser(ctx.control.db, ctx.control.clock, { email, name: checkName(body.name), passwordHash: null, operator: body.operator === true });
  const token = await issueToken(ctx.identity, { purpose: 'setup', userId: user.id });
  const setupUrl = `${ctx.identity.baseUrl().replace(/\/+$/, '')}${LINK_PATHS.setup}?token=${token}`;
  ctx.identity.mailer.send(setPasswordMail(email, setupUrl)).catch(() => {});
  await recordAudit(ctx.control.db, ctx.control.clock, { ...ctx.actor, organizationId: '' }, { type: 'user.signed_up', projectId: null, resourceId: user.id, details: { email, operator: body.operator === true, by_operator: true } });
  return { ...userObject(user), setup_url: setupUrl };
}

export const OPERATOR_OPERATIONS: OperatorOperation[] = [
  {
    id: 'operatorListOrganizations', method: 'GET', path: '/organizations', summary: 'Every organization of this Tollgate, with its members and Owners.', returns: 'list of organization', query: pageQuery,
    async handler(ctx, { query }) {
      const q = parseQuery(pageQuery, query);
      const { records, hasMore } = await listOrganizations(ctx.control.db, q);
      return listPage(records.map(organizationObject), hasMore);
    },
  },
  {
    id: 'operatorCreateOrganization', method: 'POST', path: '/organizations', summary: 'Create an organization (trial grant, new organizations\' tier, a Default project); owner_email becomes its Owner (an invite when the address has no account yet).', returns: 'organization', body: orgBody,
    async handler(ctx, { body }) {
      const input = parseBody(orgBody, body);
      const name = checkOrgName(input.name);
      const owner = input.owner_email ? await findUserRowByEmail(ctx.control.db, checkEmail(input.owner_email, 'owner_email')) : undefined;
      const created = await createOrganizationWithOwner(ctx.control.db, ctx.control.clock, ctx.onboard, { name, ownerId: owner?.id ?? null, actor: ctx.actor });
      if (input.owner_email && !owner) await createInvite(ctx.identity, { ...ctx.actor, organizationId: created.id }, { email: input.owner_email, role: 'owner', projects: [{ id: created.projectId, role: 'owner' }] });
      return orgDetail(ctx, created.id);
    },
  },
  {
    id: 'operatorRetrieveOrganization', method: 'GET', path: '/organizations/:organization_id', summary: 'One organization.', returns: 'organization',
    handler: (ctx, { params }) => orgDetail(ctx, params.organization_id!),
  },
  {
    id: 'operatorDisableOrganization', method: 'POST', path: '/organizations/:organization_id/disable', summary: 'Disable an organization: its keys stop working at once (every instance within a second), its members lose access.', returns: 'organization',
    async handler(ctx, { params }) {
      await setOrganizationStatus(ctx.control, ctx.actor, params.organization_id!, 'disabled');
      return orgDetail(ctx, params.organization_id!);
    },
  },
  {
    id: 'operatorEnableOrganization', method: 'POST', path: '/organizations/:organization_id/enable', summary: 'Enable a disabled organization again.', returns: 'organization',
    async handler(ctx, { params }) {
      await setOrganizationStatus(ctx.control, ctx.actor, params.organization_id!, 'active');
      return orgDetail(ctx, params.organization_id!);
    },
  },
  {
    id: 'operatorListUsers', method: 'GET', path: '/users', summary: 'Every account of this Tollgate (`email` finds one).', returns: 'list of user', query: userQuery,
    async handler(ctx, { query }) {
      const q = parseQuery(userQuery, query);
      let rows = ctx.control.db.selectFrom('users').selectAll();
      if (q.after) rows = rows.where('id', '>', q.after);
      if (q.email) rows = rows.where('email', '=', q.email.trim().toLowerCase());
      const found = await rows.orderBy('id').limit(q.limit + 1).execute();
      return listPage(found.slice(0, q.limit).map((r) => userObject(toUserRecord(r))), found.length > q.limit);
    },
  },
  {
    id: 'operatorCreateUser', method: 'POST', path: '/users', summary: 'Create an account (optionally an operator); the answer carries, once, a link to choose its password (7 days), which is also mailed.', returns: 'user with setup_url', body: userBody,
    handler: (ctx, { body }) => createUser(ctx, parseBody(userBody, body)),
  },
  {
    id: 'operatorRetrieveUser', method: 'GET', path: '/users/:user_id', summary: 'One account and its organizations.', returns: 'user with organizations',
    handler: (ctx, { params }) => userDetail(ctx, params.user_id!),
  },
  {
    id: 'operatorDisableUser', method: 'POST', path: '/users/:user_id/disable', summary: 'Disable an account: its sessions end and every key it created is revoked.', returns: 'user with keys_revoked',
    async handler(ctx, { params }) {
      const { keysRevoked } = await setUserStatus(ctx.control, ctx.actor, params.user_id!, 'disabled');
      return { ...(await userDetail(ctx, params.user_id!)), keys_revoked: keysRevoked };
    },
  },
  {
    id: 'operatorEnableUser', method: 'POST', path: '/users/:user_id/enable', summary: 'Enable a disabled account again (its revoked keys stay revoked).', returns: 'user',
    async handler(ctx, { params }) {
      await setUserStatus(ctx.control, ctx.actor, params.user_id!, 'active');
      return userDetail(ctx, params.user_id!);
    },
  },
  {
    id: 'operatorRetrieveSignupPolicy', method: 'GET', path: '/signup_policy', summary: 'Who may create an account: open, invite, domains (with its domains) or closed, and where the setting comes from.', returns: 'signup_policy',
    async handler(ctx) {
      const p = await readSignupPolicy(ctx.control.db, ctx.identity.config);
      return { object: 'signup_policy', policy: p.policy, domains: p.domains, source: p.source };
    },
  },
  {
    id: 'operatorUpdateSignupPolicy', method: 'POST', path: '/signup_policy', summary: 'Set the sign-up policy for every instance (it overrides TOLLGATE_SIGNUP).', returns: 'signup_policy', body: policyBody,
    async handler(ctx, { body }) {
      const input = parseBody(policyBody, body);
      const before = await readSignupPolicy(ctx.control.db, ctx.identity.config);
      const domains = input.domains ?? before.domains;
      if (input.policy === 'domains' && domains.length === 0) throw new TollgateError('invalid_value', { param: 'domains', message: "The 'domains' policy needs at least one domain." });
      await writeSignupPolicy(ctx.control.db, ctx.control.clock, { ...ctx.actor, organizationId: '' }, { policy: input.policy as 'open', domains }, before);
      const p = await readSignupPolicy(ctx.control.db, ctx.identity.config);
      return { object: 'signup_policy', policy: p.policy, domains: p.domains, source: p.source };
    },
  },
  {
    id: 'operatorListAuditLogs', method: 'GET', path: '/audit_logs', summary: "The platform's own audit log, newest first: accounts (sign-ins, passwords, sessions), the operator's changes of accounts and the sign-up policy.", returns: 'list of organization.audit_log', query: pageQuery,
    async handler(ctx, { query }) {
      const q = parseQuery(pageQuery, query);
      const { records, hasMore } = await listAudit(ctx.control.db, '', { limit: q.limit, after: q.after });
      return listPage(records.map(auditObject), hasMore);
    },
  },
];

export interface OperatorPluginDeps extends AuthDeps {
  control: ControlDeps;
  identity: IdentityDeps;
  onboard: Onboard;
}

/**
 * The operator's API under /v1/operator: an operator's session (with its
 * CSRF token on writes) or an operator admin key; anything else is a 403.
 */
export function operatorPlugin(deps: OperatorPluginDeps): FastifyPluginAsync {
  async function operatorActor(request: FastifyRequest): Promise<Actor> {
    const agent = typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'] : null;
    if (presentedKey(request.headers) === null && /(?:^|;\s*)tollgate_session=/.test(request.headers.cookie ?? '')) {
      const session = await requireSession(deps.identity, request);
      if (Number(session.user.operator) !== 1) throw new TollgateError('permission_denied', { message: 'Only the operator of this Tollgate may use /v1/operator.' });
      return { organizationId: '', type: 'user', id: session.userId, ip: request.ip, userAgent: agent, operator: true };
    }
    const principal = await authenticate(deps, request);
    if (principal.kind !== 'admin' || !principal.operator) throw new TollgateError('permission_denied', { message: 'Only the operator (an operator session or an operator admin key) may use /v1/operator.' });
    return { organizationId: '', type: 'api_key', id: principal.keyId, ip: request.ip, userAgent: agent, operator: true };
  }
  return async (app: FastifyInstance) => {
    for (const operation of OPERATOR_OPERATIONS) {
      app.route({
        method: operation.method,
        url: operation.path,
        handler: async (request) => {
          const actor = await operatorActor(request);
          return operation.handler({ control: deps.control, identity: deps.identity, onboard: deps.onboard, actor }, { params: request.params as Record<string, string>, query: request.query, body: request.body });
        },
      });
    }
  };
}

