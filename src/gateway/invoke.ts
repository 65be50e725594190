import type { FastifyReply } from 'fastify';
import type { CallContext, Deployment, Provider } from '../providers/index.js';
import type { RouteOptions, Routed, Router } from '../routing/index.js';

export type Invocation<T> = Routed<T>;

/** What the router needs for one request, and the router itself. */
export interface InvokeOptions extends RouteOptions {
  router: Router;
}

/**
 * Calls the model through the router: weighted choice of a healthy
 * deployment, retries, fallbacks and circuit breaking live behind this seam.
 */
export function invoke<T>(options: InvokeOptions, call: (provider: Provider, deployment: Deployment, ctx: CallContext) => Promise<T>): Promise<Invocation<T>> {
  return options.router.route(options, call);
}

/** Which deployment served, after how many attempts, and whether a fallback model did. */
export function routingHeaders(reply: FastifyReply, done: Invocation<unknown>): void {
  reply.header('x-tollgate-deployment', `${done.deployment.provider}/${done.deployment.model}`);
  reply.header('x-tollgate-attempts', String(done.attempts));
  if (done.fallbackModel) reply.header('x-tollgate-fallback-model', done.fallbackModel);
}
