import { TollgateError } from '../common/errors.js';
import type { CallContext, Deployment, Provider, ProviderRegistry } from '../providers/index.js';
import { pickDeployment, type CatalogueModel } from '../routing/index.js';

export interface Invocation<T> {
  result: T;
  deployment: Deployment;
  attempts: number;
}

export interface InvokeOptions {
  providers: ProviderRegistry;
  model: CatalogueModel;
  requestId: string;
  clientHeaders: CallContext['clientHeaders'];
  /** Aborted when the client goes away or the server stops. */
  signal: AbortSignal;
}

/**
 * Calls the model's chosen deployment. This is the seam where retries,
 * fallbacks and circuit breaking live.
 */
export async function invoke<T>(options: InvokeOptions, call: (provider: Provider, deployment: Deployment, ctx: CallContext) => Promise<T>): Promise<Invocation<T>> {
  const deployment = pickDeployment(options.model.deployments);
  const provider = options.providers.get(deployment.provider);
  if (!provider) throw new TollgateError('server_error', { context: { reason: `provider ${deployment.provider} missing` } });
  const ctx: CallContext = { signal: options.signal, requestId: options.requestId, attempt: 1, clientHeaders: options.clientHeaders };
  const result = await call(provider, deployment, ctx);
  return { result, deployment, attempts: 1 };
}
