import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { TollgateError } from '../common/errors.js';
import { newRequestId } from '../common/ids.js';
import { toOpenAIError } from '../common/openai-error.js';
import { adminPlugin, type AdminDeps } from '../admin/index.js';
import { gatewayPlugin, type GatewayDeps } from '../gateway/index.js';
import type { Store } from '../store/index.js';
import { labelChildren } from '../metrics/index.js';
import { clientError, frameworkError } from './framework-errors.js';
import { rejectNulInputs } from './text-inputs.js';

export interface AppOptions {
  logger: Logger;
  bodyLimit: number;
  /** Addresses or CIDR ranges of trusted reverse proxies, or false. */
  trustProxy: false | string[];
  store: Store;
  gateway: GatewayDeps;
  /** Feature routes of the admin API, mounted under /v1/organization. */
  adminRoutes?: FastifyPluginAsync[];
  /** Routes that take no key (the OpenAPI document, leak reports), mounted at the root. */
  publicRoutes?: FastifyPluginAsync[];
  /** Feature routes of the /v1 API (any valid key), e.g. pricing. */
  gatewayRoutes?: FastifyPluginAsync[];
  /** Session authentication of the admin API (the dashboard), and the operator's choice of organization. */
  adminAuth?: Pick<AdminDeps, 'sessions' | 'organizationExists'>;
}

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

declare module 'fastify' {
  interface FastifyRequest {
    startedAt: bigint;
  }
  interface FastifyInstance {
    /** Every registered route as `METHOD /path` (the authorization matrix test walks it). */
    routeList: string[];
  }
}

function requestId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const sent = req.headers['x-request-id'];
  return typeof sent === 'string' && CLIENT_REQUEST_ID.test(sent) ? sent : newRequestId();
}

function routeLabel(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched';
}

/** JSON bodies are parsed whatever the Content-Type says: curl's -d sends form-urlencoded. */
function parseJson(_req: unknown, body: string, done: (err: Error | null, value?: unknown) => void): void {
  if (body.length === 0) return done(null, undefined);
  try {
    done(null, JSON.parse(body));
  } catch {
    done(new TollgateError('invalid_json'));
  }
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { metrics } = options.gateway;
  const app = Fastify({
    loggerInstance: options.logger as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request (it costs a serialisation of the bindings on the hot path):
    // log lines carry `reqId` explicitly instead.
    childLoggerFactory: (logger) => logger,
    genReqId: requestId,
    bodyLimit: options.bodyLimit,
    trustProxy: options.trustProxy,
    // Fastify's own 503 while closing has neither OpenAI's shape nor a request id: the onRequest hook answers instead.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    frameworkErrors: frameworkError,
    clientErrorHandler: clientError,
  });
  // From the moment shutdown begins: new requests (a kept-alive connection may still bring some) get 503, /readyz too.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });

  const routeList: string[] = [];
  app.decorate('routeList', routeList);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routeList.push(`${method} ${route.url}`);
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, parseJson);
  app.decorateRequest('startedAt', 0n);

  // Callback-style hooks: no promise per hook on the hot path.
  app.addHook('onRequest', (request, reply, done) => {
    request.startedAt = process.hrtime.bigint();
    reply.header('x-request-id', request.id);
    if (closing && request.url !== '/readyz') {
      reply.header('connection', 'close');
      return done(new TollgateError('shutting_down'));
    }
    done();
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    const ms = Number((process.hrtime.bigint() - request.startedAt) / 1_000_000n);
    reply.header('openai-processing-ms', String(ms));
    done(null, payload);
  });
  app.addHook('preValidation', (request, _reply, done) => {
    try {
      rejectNulInputs(request);
      done();
    } catch (err) {
      done(err as Error);
    }
  });
  const requestChildren = labelChildren<{ requests: { inc(): void }; duration: { observe(v: number): void } }>();
  app.addHook('onResponse', (request, reply, done) => {
    const seconds = Number(process.hrtime.bigint() - request.startedAt) / 1e9;
    const route = routeLabel(request);
    const status = String(reply.statusCode);
    const recorder = requestChildren(`${route}\n${request.method}\n${status}\n${request.modelName ?? ''}`, () => ({
      requests: metrics.requests.labels(route, request.method, status, request.modelName ?? ''),
      duration: metrics.requestDuration.labels(route, request.method, status),
    }));
    recorder.requests.inc();
    recorder.duration.observe(seconds);
    // One access line per request: never headers, bodies or keys.
    request.log.info({ reqId: request.id, method: request.method, route, status: reply.statusCode, ms: Math.round(seconds * 1000), model: request.modelName, key: request.principal?.keyId }, 'request');
    done();
  });

  app.setErrorHandler((err, request, reply) => {
    const shaped = toOpenAIError(err, request.id);
    if (shaped.status >= 500) request.log.error({ reqId: request.id, err: err instanceof TollgateError ? { name: err.errorName, context: err.context } : err }, 'request failed');
    reply.code(shaped.status).headers(shaped.headers).send(shaped.body);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!.slice(0, 200);
    reply.code(404).send(toOpenAIError(new TollgateError('not_found', { message: `Invalid URL (${request.method} ${path})` }), request.id).body);
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (closing) return reply.code(503).send({ status: 'unavailable', reason: 'shutting down' });
    try {
      await options.store.ping();
      if (!(await options.store.isMigrated())) return reply.code(503).send({ status: 'unavailable', reason: 'migrations pending' });
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ status: 'unavailable', reason: 'store unreachable' });
    }
  });
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  await app.register(adminPlugin({ keys: options.gateway.keys, authThrottle: options.gateway.authThrottle, ...options.adminAuth }, options.adminRoutes ?? []), { prefix: '/v1/organization' });
  for (const route of options.publicRoutes ?? []) await app.register(route);
  await app.register(gatewayPlugin(options.gateway, options.gatewayRoutes ?? []), { prefix: '/v1' });
  return app;
}
