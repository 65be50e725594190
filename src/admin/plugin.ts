import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { TollgateError } from '../common/errors.js';
import type { KeyService } from '../control/index.js';
import { authenticate } from '../gateway/index.js';

export interface AdminDeps {
  keys: KeyService;
}

/**
 * The admin API under /v1/organization: admin-key auth on every route, and
 * each route scopes what it reads or changes to the caller's organization
 * (`request.principal.organizationId`). Feature areas add their routes as
 * plugins in `routes`.
 */
export function adminPlugin(deps: AdminDeps, routes: FastifyPluginAsync[]): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.addHook('onRequest', async (request) => {
      const principal = await authenticate(deps.keys, request.headers);
      if (principal.kind !== 'admin') {
        throw new TollgateError('permission_denied', {
          message: 'This endpoint requires an admin API key (sk-admin-...). Project and service account keys work only on the inference API.',
        });
      }
      request.principal = principal;
    });
    for (const route of routes) await app.register(route);
  };
}
