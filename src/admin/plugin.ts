import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Actor, ControlDeps, KeyPrincipal } from '../control/index.js';
import { authenticate, authorizeRoute, checkSelectors, type AuthDeps } from '../gateway/index.js';
import { runOperation } from './operation.js';
import { OPERATIONS } from './operations.js';

export type AdminDeps = AuthDeps;

/**
 * The admin API under /v1/organization: admin-key auth and the route's scope
 * (gateway/scopes.ts) on every route, and each route scopes what it reads or
 * changes to the caller's organization (`request.principal.organizationId`).
 * Feature areas add their routes as plugins in `routes`.
 */
export function adminPlugin(deps: AdminDeps, routes: FastifyPluginAsync[]): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.addHook('onRequest', async (request) => {
      const principal = await authenticate(deps, request);
      authorizeRoute(principal, request.method, request.routeOptions.url);
      checkSelectors(principal, request.headers);
      request.principal = principal;
    });
    for (const route of routes) await app.register(route);
  };
}

/** Who made an admin request, for the audit log. */
export function actorOf(principal: KeyPrincipal, request: FastifyRequest): Actor {
  const agent = request.headers['user-agent'];
  return { organizationId: principal.organizationId, type: 'api_key', id: principal.keyId, ip: request.ip, userAgent: typeof agent === 'string' ? agent : null };
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
