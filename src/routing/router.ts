import type { Clock } from '../common/clock.js';
import { TollgateError } from '../common/errors.js';
import type { RoutingConfig } from '../config/index.js';
import { labelChildren, type Metrics } from '../metrics/index.js';
import type { CallContext, Deployment, Provider, ProviderRegistry } from '../providers/index.js';
import { weightedOrder, type Catalogue, type CatalogueModel } from './catalogue.js';
import { CircuitBreakers, type CircuitState } from './circuit-breaker.js';
import { decideRetry } from './retry-policy.js';

export type RouteCall<T> = (provider: Provider, deployment: Deployment, ctx: CallContext) => Promise<T>;

export interface RouteOptions {
  model: CatalogueModel;
  requestId: string;
  clientHeaders: CallContext['clientHeaders'];
  /** Aborted when the client goes away or the server stops. */
  signal: AbortSignal;
  /** When the request arrived (clock ms): the routing deadline counts from here. */
  startedAt: number;
  /** Whether a fallback model can serve this request (capabilities it needs). */
  accepts?(model: CatalogueModel): boolean;
}

export interface Routed<T> {
  result: T;
  deployment: Deployment;
  /** The model that served: the requested one or one of its fallbacks. */
  model: CatalogueModel;
  attempts: number;
  /** Set when a fallback model served the request. */
  fallbackModel: string | null;
}

export interface Router {
  route<T>(options: RouteOptions, call: RouteCall<T>): Promise<Routed<T>>;
  circuitState(deployment: Deployment): CircuitState;
}

export interface RouterDeps {
  config: RoutingConfig;
  catalogue: Catalogue;
  providers: ProviderRegistry;
  metrics: Metrics;
  clock: Clock;
  random?: () => number;
}

interface Candidate {
  model: CatalogueModel;
  deployment: Deployment;
}

export function deploymentKey(deployment: Deployment): string {
  return `${deployment.provider}/${deployment.model}`;
}

const CIRCUIT_GAUGE: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2 };

/** A 429 says the deployment is busy, not broken: it does not count against its circuit. */
function countsAgainstDeployment(err: unknown): boolean {
  return err instanceof TollgateError && err.status >= 500 && !err.requestedByClient;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Routing of one request: weighted choice among the model's healthy
 * deployments, retries by the one retry policy, then the other deployments
 * and the configured fallback models, each deployment behind its circuit.
 * Only the call that is accepted by an upstream resolves: a stream that fails
 * after that is never retried, because its bytes may already be with the client.
 */
export function createRouter(deps: RouterDeps): Router {
  const { config, metrics, clock } = deps;
  const random = deps.random ?? Math.random;
  const breakers = new CircuitBreakers({
    failureThreshold: config.circuit_failure_threshold,
    cooldownMs: config.circuit_cooldown_ms,
    clock,
    onChange: (key, state) => metrics.circuitState.set({ deployment: key }, CIRCUIT_GAUGE[state]),
  });

  const attemptChildren = labelChildren<{ attempts: { inc(): void }; duration: { observe(seconds: number): void } }>();
  function attemptRecorder(deployment: Deployment, outcome: string) {
    return attemptChildren(`${deploymentKey(deployment)}\n${outcome}`, () => {
      const labels = { provider: deployment.provider, model: deployment.model, outcome };
      return { attempts: metrics.upstreamAttempts.labels(labels), duration: metrics.upstreamDuration.labels(labels) };
    });
  }

  function candidates(options: RouteOptions): Candidate[] {
    const models = [options.model];
    for (const name of options.model.fallbacks) {
      const fallback = deps.catalogue.resolve(name);
      if (fallback && !models.includes(fallback) && fallback.type === options.model.type && (options.accepts?.(fallback) ?? true)) models.push(fallback);
    }
    return models.flatMap((model) =>
      weightedOrder(
        model.deployments.filter((d) => breakers.available(deploymentKey(d))),
        random,
      ).map((deployment) => ({ model, deployment })),
    );
  }

  function unavailable(model: CatalogueModel): TollgateError {
    const waits = model.deployments.map((d) => breakers.retryInMs(deploymentKey(d)));
    const seconds = Math.max(1, Math.ceil(Math.min(...waits) / 1000));
    return new TollgateError('no_healthy_deployment', {
      message: `No deployment of the model \`${model.name}\` is available right now: each failed repeatedly and is cooling down. Please retry in ${seconds}s.`,
      headers: { 'retry-after': String(seconds) },
    });
  }

  async function attempt<T>(call: RouteCall<T>, candidate: Candidate, options: RouteOptions, number: number): Promise<T> {
    const provider = deps.providers.get(candidate.deployment.provider);
    if (!provider) throw new TollgateError('upstream_error', { message: `The provider ${candidate.deployment.provider} is not available.`, status: 502 });
    // One controller per attempt, aborted by the client signal or the attempt's timeout. Not
    // AbortSignal.any: its signal can be garbage-collected while a stream still needs the abort.
    const controller = new AbortController();
    const timeout = { aborted: false, reason: undefined as unknown };
    const timer = setTimeout(() => {
      timeout.aborted = true;
      timeout.reason = new TollgateError('upstream_timeout', { message: `The upstream provider ${provider.id} did not answer within ${config.attempt_timeout_ms} ms.`, retryable: true });
      controller.abort(timeout.reason);
    }, config.attempt_timeout_ms);
    const forward = () => controller.abort(options.signal.reason);
    if (options.signal.aborted) forward();
    else options.signal.addEventListener('abort', forward, { once: true });
    const signal = controller.signal;
    const began = clock.now();
    let outcome = 'error';
    try {
      const result = await call(provider, candidate.deployment, { signal, requestId: options.requestId, attempt: number, clientHeaders: options.clientHeaders });
      outcome = 'ok';
      return result;
    } catch (err) {
      if (options.signal.aborted) {
        outcome = 'aborted';
        throw err;
      }
      options.signal.removeEventListener('abort', forward);
      const failure = timeout.aborted ? timeout.reason : err;
      outcome = countsAgainstDeployment(failure) || (failure instanceof TollgateError && failure.retryable) ? 'retryable_error' : 'error';
      throw failure;
    } finally {
      clearTimeout(timer);
      const recorder = attemptRecorder(candidate.deployment, outcome);
      recorder.attempts.inc();
      recorder.duration.observe((clock.now() - began) / 1000);
    }
  }

  async function route<T>(options: RouteOptions, call: RouteCall<T>): Promise<Routed<T>> {
    const list = candidates(options);
    if (list.length === 0) throw unavailable(options.model);
    let total = 0;
    let lastError: unknown = null;
    for (const [index, candidate] of list.entries()) {
      const key = deploymentKey(candidate.deployment);
      if (!breakers.acquire(key)) continue;
      if (index > 0) metrics.fallbacks.inc({ model: options.model.name, kind: candidate.model === list[index - 1]!.model ? 'deployment' : 'model' });
      let onDeployment = 0;
      for (;;) {
        total++;
        onDeployment++;
        try {
          const result = await attempt(call, candidate, options, total);
          breakers.success(key);
          const fallbackModel = candidate.model === options.model ? null : candidate.model.name;
          return { result, deployment: candidate.deployment, model: candidate.model, attempts: total, fallbackModel };
        } catch (err) {
          if (countsAgainstDeployment(err) && !options.signal.aborted) breakers.failure(key);
          else breakers.release(key);
          if (options.signal.aborted) throw err;
          lastError = err;
          const remainingMs = options.startedAt + config.deadline_ms - clock.now();
          const decision = decideRetry(err, { attemptsOnDeployment: onDeployment, attemptsTotal: total, remainingMs }, config, Date.now(), random);
          if (decision.action === 'stop') throw withAttempts(err, total);
          if (decision.action === 'next') break;
          await sleep(decision.delayMs, options.signal);
          if (!breakers.acquire(key)) break;
          metrics.retries.inc({ model: options.model.name });
        }
      }
    }
    throw withAttempts(lastError ?? unavailable(options.model), total);
  }

  return { route, circuitState: (deployment) => breakers.state(deploymentKey(deployment)) };
}

/** The client sees how many upstream attempts a failed request took. */
function withAttempts(err: unknown, attempts: number): unknown {
  if (err instanceof TollgateError && attempts > 0) err.headers['x-tollgate-attempts'] = String(attempts);
  return err;
}
