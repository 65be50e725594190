import type { FastifyReply } from 'fastify';
import { formatUsdExact, type Picos } from '../common/money.js';
import type { ChatChunk, Usage } from '../contract/index.js';
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

/**
 * Which deployment served, after how many attempts, whether a fallback model
 * did, and the model name the upstream gave (for a stream, whose headers leave
 * before its first chunk, the model Tollgate asked the upstream for).
 */
export function routingHeaders(reply: FastifyReply, done: Invocation<unknown>, upstreamModel: string = done.deployment.model): void {
  reply.header('x-tollgate-deployment', `${done.deployment.provider}/${done.deployment.model}`);
  reply.header('x-tollgate-upstream-model', upstreamModel);
  reply.header('x-tollgate-attempts', String(done.attempts));
  if (done.fallbackModel) reply.header('x-tollgate-fallback-model', done.fallbackModel);
}

/** The request's exact cost (what the ledger debits for it), as decimal USD text. */
export const COST_HEADER = 'x-tollgate-cost-usd';

export function costHeader(reply: FastifyReply, cost: Picos): void {
  reply.header(COST_HEADER, formatUsdExact(cost));
}

/**
 * The stream's usage chunk carries the request's cost too (`usage.cost_usd`),
 * priced exactly as the ticket will settle it: it is the same usage.
 */
export async function* withCost(source: AsyncIterable<ChatChunk>, price: (usage: Usage) => Picos): AsyncGenerator<ChatChunk> {
  for await (const chunk of source) {
    if (chunk.usage) chunk.usage = { ...chunk.usage, cost_usd: formatUsdExact(price(chunk.usage)) };
    yield chunk;
  }
}

/**
 * The model an answer reports: the name the client asked for, so an alias
 * keeps its name (`smart`, not the upstream's `up-model`), through fallbacks
 * too. A client that asked for exactly the upstream's own id gets the
 * upstream's answer (a dated snapshot, say), as a direct call would show it.
 * `undefined`: keep what the upstream said.
 */
export function reportedModel(requested: string, served: Invocation<unknown>): string | undefined {
  return requested === served.deployment.model ? undefined : requested;
}
