import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { authenticate, checkSelectors, presentedKey } from './auth.js';
import type { GatewayDeps } from './deps.js';
import { authorizeRoute, endpointOfRoute, ENDPOINT_SCOPES } from './scopes.js';
import { chatCompletions, embeddings, listModels, retrieveModel } from './pipeline.js';
import { completions } from './completions.js';
import { responses } from './responses.js';
import { createResponseItems } from './responses-items.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: import('../control/index.js').KeyPrincipal;
    /** The public model a request resolved to, for metrics labels. */
    modelName?: string;
  }
}

/** Inference bodies are prompts for the provider (see `server/text-inputs.ts`). */
const MODEL_INPUT = { config: { modelInput: true } };

/** The OpenAI-compatible API under /v1: API-key auth on every route; feature areas add `routes`. */
export function gatewayPlugin(deps: GatewayDeps, routes: FastifyPluginAsync[] = []): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.decorateRequest('principal', undefined);
    app.decorateRequest('modelName', undefined);
    app.addHook('onRequest', async (request) => {
      const url = request.routeOptions.url;
      const endpoint = url === undefined ? undefined : endpointOfRoute(request.method, url);
      const cookie = request.headers.cookie;
      // Routes open to any key are open to a signed-in person too (no key, the session cookie).
      if (deps.sessions && endpoint && ENDPOINT_SCOPES[endpoint].api === 'any' && presentedKey(request.headers) === null && typeof cookie === 'string' && /(?:^|;\s*)tollgate_session=/.test(cookie)) {
        request.principal = await deps.sessions(request, `${request.method} ${url}`, endpoint);
        return;
      }
      request.principal = await authenticate(deps, request);
      authorizeRoute(request.principal, request.method, request.routeOptions.url);
      checkSelectors(request.principal, request.headers);
    });
    app.post('/chat/completions', MODEL_INPUT, (request, reply) => chatCompletions(deps, request, reply));
    app.post('/completions', MODEL_INPUT, (request, reply) => completions(deps, request, reply));
    const responseItems = createResponseItems();
    app.post('/responses', MODEL_INPUT, (request, reply) => responses(deps, responseItems, request, reply));
    app.post('/embeddings', MODEL_INPUT, (request, reply) => embeddings(deps, request, reply));
    app.get('/models', (request) => listModels(deps, request));
    app.get('/models/:model', (request) => retrieveModel(deps, request));
    for (const route of routes) await app.register(route);
  };
}
