import type { FastifyRequest } from 'fastify';
import { TollgateError } from '../common/errors.js';
import { ALL_PERMISSIONS, operatorOrganization, type KeyPrincipal } from '../control/index.js';
import type { IdentityDeps } from './context.js';
import { orgRoleOf, projectRoleOf } from './members.js';
import { requireSession } from './session-auth.js';

/**
 * Who may use an admin API route with a session (the dashboard), by role:
 * - `operator`: the platform operator only;
 * - `owner`: an organization Owner (or the operator);
 * - `member`: any member, Reader included (a Reader's project lists show only their projects);
 * - `project_member` / `project_owner`: a member / an Owner of the project in the path (organization Owners count as both);
 * - `key_owner`: a project Owner, or the project member who created the key in the path;
 * - `owner_or_self` / `project_owner_or_self`: an Owner, or a person removing themselves.
 * Routes not listed take their endpoint's rule; an unknown endpoint needs an Owner.
 */
export type SessionRule = 'operator' | 'owner' | 'member' | 'project_member' | 'project_owner' | 'key_owner' | 'owner_or_self' | 'project_owner_or_self';

const O = '/v1/organization';
const P = `${O}/projects/:project_id`;
const PL = `${O}/projects/:projectId`;

const ENDPOINT_RULES: Record<string, SessionRule> = {
  pricing: 'member',
  'projects.read': 'member',
  'projects.write': 'project_owner',
  'api_keys.read': 'project_member',
  'api_keys.write': 'project_owner',
  'admin_api_keys.read': 'owner',
  'admin_api_keys.write': 'owner',
  'audit_logs.read': 'owner',
  'usage.read': 'member',
  'rate_limits.read': 'project_member',
  'rate_limits.write': 'project_owner',
  'billing.read': 'owner',
  'billing.write': 'owner',
  'billing.operator': 'operator',
  'providers.read': 'operator',
  'providers.write': 'operator',
  'users.read': 'member',
  'users.write': 'owner',
  'invites.read': 'owner',
  'invites.write': 'owner',
  'project_users.read': 'project_member',
  'project_users.write': 'project_owner',
};

const ROUTE_RULES: Record<string, SessionRule> = {
  [`GET ${O}/projects`]: 'member',
  [`POST ${O}/projects`]: 'owner',
  [`GET ${P}`]: 'project_member',
  [`POST ${P}/api_keys`]: 'project_member',
  [`POST ${P}/api_keys/:key_id`]: 'key_owner',
  [`DELETE ${P}/api_keys/:key_id`]: 'key_owner',
  [`POST ${P}/api_keys/:key_id/rotate`]: 'key_owner',
  // Which models a project or a key may use is its Owners' decision; its members may read it.
  [`GET ${P}/model_permissions`]: 'project_member',
  [`GET ${PL}/budget`]: 'owner',
  [`POST ${PL}/budget`]: 'owner',
  [`DELETE ${O}/users/:user_id`]: 'owner_or_self',
  [`DELETE ${P}/users/:user_id`]: 'project_owner_or_self',
};

/** Routes that create a key: an account needs the verifications the configuration asks for first. */
const CREATES_KEY = new Set([`POST ${P}/api_keys`, `POST ${P}/api_keys/:key_id/rotate`, `POST ${P}/service_accounts`, `POST ${O}/admin_api_keys`]);

export function sessionRule(route: string, endpoint: string | undefined): SessionRule {
  return ROUTE_RULES[route] ?? (endpoint ? ENDPOINT_RULES[endpoint] : undefined) ?? 'owner';
}

function denied(message: string): TollgateError {
  return new TollgateError('permission_denied', { message });
}

function orgNotFound(id: string): TollgateError {
  return new TollgateError('not_found', { param: 'OpenAI-Organization', message: `No organization found with id '${id.slice(0, 100)}' for your account.` });
}

async function chooseOrganization(deps: IdentityDeps, request: FastifyRequest, userId: string, operator: boolean): Promise<string> {
  const named = request.headers['openai-organization'];
  if (typeof named === 'string' && named.trim().startsWith('org_')) return named.trim();
  const orgs = await deps.db.selectFrom('organization_members').select('organization_id').where('user_id', '=', userId).execute();
  if (orgs.length === 1) return orgs[0]!.organization_id;
  if (orgs.length === 0 && operator) {
    const own = await operatorOrganization(deps.db);
    if (own) return own;
  }
  if (orgs.length === 0) throw denied('Your account is not a member of any organization yet: create one (POST /v1/me/organizations) or accept an invitation.');
  throw new TollgateError('invalid_request', { param: 'OpenAI-Organization', message: 'You belong to several organizations: name one in the OpenAI-Organization header.' });
}

function paramOf(request: FastifyRequest, ...names: string[]): string | undefined {
  const params = (request.params ?? {}) as Record<string, string>;
  for (const name of names) if (params[name] !== undefined) return params[name];
  return undefined;
}

/**
 * A signed-in person on the admin API: the session (with its CSRF token on
 * writes), the organization it acts in (the OpenAI-Organization header, or
 * the only one it belongs to), and the role check of the route. The result
 * is a principal like an admin key's, so every admin route serves the
 * dashboard unchanged and scopes what it touches to that organization.
 */
export async function sessionPrincipal(deps: IdentityDeps, request: FastifyRequest, route: string, endpoint: string | undefined): Promise<KeyPrincipal> {
  const session = await requireSession(deps, request);
  const userId = session.userId;
  const operator = Number(session.user.operator) === 1;
  const organizationId = await chooseOrganization(deps, request, userId, operator);
  const org = await deps.db.selectFrom('organizations').select(['id', 'status']).where('id', '=', organizationId).executeTakeFirst();
  const role = org ? await orgRoleOf(deps.db, organizationId, userId) : null;
  if (!org || (!role && !operator)) throw orgNotFound(organizationId);
  if (org.status !== 'active' && !operator) throw denied('This organization is disabled.');
  const owner = role === 'owner' || operator;

  const rule = sessionRule(route, endpoint);
  const projectId = paramOf(request, 'project_id', 'projectId');
  const projectRole = async (): Promise<'owner' | 'member' | null> => {
    if (!projectId) return null;
    const project = await deps.db.selectFrom('projects').select('id').where('id', '=', projectId).where('organization_id', '=', organizationId).executeTakeFirst();
    if (!project) return null; // the route answers its own 404
    const found = await projectRoleOf(deps.db, projectId, userId);
    if (!found) throw new TollgateError('not_found', { param: 'project_id', message: `No project found with id '${projectId.slice(0, 100)}'.` });
    return found;
  };
  const self = paramOf(request, 'user_id') === userId;
  switch (rule) {
    case 'operator':
      if (!operator) throw denied('Only the operator of this Tollgate may do this (credits, usage tiers, upstream provider keys, sign-up policy).');
      break;
    case 'owner':
      if (!owner) throw denied('Only an Owner of the organization may do this.');
      break;
    case 'owner_or_self':
      if (!owner && !self) throw denied('Only an Owner of the organization may remove other members.');
      break;
    case 'member':
      break;
    case 'project_member':
      if (!owner) await projectRole();
      break;
    case 'project_owner':
      if (!owner && !(projectId && (await projectRole()) === 'owner')) throw denied('Only an Owner of the project (or of the organization) may do this.');
      break;
    case 'project_owner_or_self':
      if (!owner && !self && (await projectRole()) !== 'owner') throw denied('Only an Owner of the project may remove other members.');
      break;
    case 'key_owner': {
      if (owner || (await projectRole()) === 'owner') break;
      const keyId = paramOf(request, 'key_id', 'keyId');
      const key = keyId ? await deps.db.selectFrom('api_keys').select('created_by').where('id', '=', keyId).where('project_id', '=', projectId ?? '').executeTakeFirst() : undefined;
      if (key && key.created_by !== userId) throw denied('Project members may change only the keys they created.');
      break;
    }
  }
  if (CREATES_KEY.has(route)) {
    if (deps.config.accounts.require_verified_email && session.user.email_verified_at === null) throw new TollgateError('email_not_verified');
    if (deps.config.accounts.require_verified_phone && session.user.phone_verified_at === null) throw new TollgateError('phone_not_verified');
  }
  return {
    keyId: session.id,
    kind: 'session',
    name: session.user.email,
    organizationId,
    projectId: null,
    permissions: ALL_PERMISSIONS,
    expiresAt: null,
    allowedIps: null,
    limits: { rpm: null, tpm: null, monthlyBudgetPicos: null },
    userId,
    operator,
    role,
  };
}
