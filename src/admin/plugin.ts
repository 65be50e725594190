import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { TollgateError } from '../common/errors.js';
import type { Actor, ControlDeps, KeyPrincipal } from '../control/index.js';
import { authenticate, authorizeRoute, checkSelectors, endpointOfRoute, presentedKey, type AuthDeps } from '../gateway/index.js';
import { runOperation } from './operation.js';
import { OPERATIONS } from './operations.js';

export interface AdminDeps extends AuthDeps {
  /** A signed-in person (session cookie, no key): their principal in the organization they act in, after the route's role check. */
  sessions?: (request: FastifyRequest, route: string, endpoint: string | undefined) => Promise<KeyPrincipal>;
  /** Whether an organization exists (the operator may name any one in OpenAI-Organization). */
  organizationExists?: (id: string) => Promise<boolean>;
}

function hasSessionCookie(request: FastifyRequest): boolean {
  const cookie = request.headers.cookie;
  return typeof cookie === 'string' && /(?:^|;\s*)tollgate_session=/.test(cookie);
}

/**
 * The admin API under /v1/organization: admin-key auth and the route's scope
 * (gateway/scopes.ts) on every route, and each route scopes what it reads or
 * changes to the caller's organization (`request.principal.organizationId`).
 * Feature areas add their routes as plugins in `routes`.
 */
export function adminPlugin(deps: AdminDeps, routes: FastifyPluginAsync[]): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.addHook('onRequest', async (request) => {
      const url = request.routeOptions.url;
      if (deps.sessions && presentedKey(request.headers) === null && hasSessionCookie(request)) {
        if (url === undefined) return; // unmatched: the 404 handler answers
        request.principal = await deps.sessions(request, `${request.method} ${url}`, endpointOfRoute(request.method, url));
        return;
      }
      let principal = await authenticate(deps, request);
      authorizeRoute(principal, request.method, url);
      // The operator's keys may act in any organization by naming it.
      const named = request.headers['openai-organization'];
      if (principal.operator && typeof named === 'string' && named.trim().startsWith('org_') && named.trim() !== principal.organizationId) {
        if (!(await deps.organizationExists?.(named.trim()))) throw new TollgateError('not_found', { param: 'OpenAI-Organization', message: `No organization found with id '${named.trim().slice(0, 100)}'.` });
        principal = { ...principal, organizationId: named.trim() };
      }
      checkSelectors(principal, request.headers);
      request.principal = principal;
    });
    for (const route of routes) await app.register(route);
  };
}

/** Who made an admin request, for the audit log. */
export function actorOf(principal: KeyPrincipal, request: FastifyRequest): Actor {
  const agent = request.headers['user-agent'];
  const person = principal.kind === 'session';
  return {
    organizationId: principal.organizationId,
    type: person ? 'user' : 'api_key',
    id: person ? (principal.userId ?? null) : principal.keyId,
    ip: request.ip,
    userAgent: typeof agent === 'string' ? agent : null,
    operator: principal.operator === true,
    memberProjectsOnly: person && principal.role !== 'owner' && !principal.operator,
  };
}

/** Projects, keys, service accounts, admin keys and the audit log, as admin API routes. */
export function managementRoutes(control: ControlDeps): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    for (const operation of OPERATIONS) {
      app.route({
        method: operation.method,
        url: operation.path,
        handler: async (request) => {
          const actor = actorOf(request.principal!, request);
          return runOperation(operation, { deps: control, actor }, { params: request.params as Record<string, string>, query: request.query, body: request.body });
        },
      });
    }
  };
}
