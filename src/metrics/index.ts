import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one Tollgate instance (own registry, so tests can run several). */
export interface Metrics {
  registry: Registry;
  requests: Counter<'route' | 'method' | 'status' | 'model'>;
  requestDuration: Histogram<'route' | 'method' | 'status'>;
  upstreamDuration: Histogram<'provider' | 'model' | 'outcome'>;
  streamsInFlight: Gauge;
  upstreamAttempts: Counter<'provider' | 'model' | 'outcome'>;
  retries: Counter<'model'>;
  fallbacks: Counter<'model' | 'kind'>;
  circuitState: Gauge<'deployment'>;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tollgate_' });
  return {
    registry,
    requests: new Counter({
      name: 'tollgate_http_requests_total',
      help: 'HTTP requests by route, method, status and model.',
      labelNames: ['route', 'method', 'status', 'model'],
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'tollgate_http_request_duration_seconds',
      help: 'Time from request to the end of the response (streams included).',
      labelNames: ['route', 'method', 'status'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    upstreamDuration: new Histogram({
      name: 'tollgate_upstream_duration_seconds',
      help: 'Time an upstream took to answer (headers for streams).',
      labelNames: ['provider', 'model', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    streamsInFlight: new Gauge({
      name: 'tollgate_streams_in_flight',
      help: 'Streaming responses currently open.',
      registers: [registry],
    }),
    upstreamAttempts: new Counter({
      name: 'tollgate_upstream_attempts_total',
      help: 'Calls to an upstream deployment, by outcome (ok, retryable_error, error, aborted).',
      labelNames: ['provider', 'model', 'outcome'],
      registers: [registry],
    }),
    retries: new Counter({
      name: 'tollgate_upstream_retries_total',
      help: 'Retries of the same deployment after a retryable failure, by public model.',
      labelNames: ['model'],
      registers: [registry],
    }),
    fallbacks: new Counter({
      name: 'tollgate_upstream_fallbacks_total',
      help: 'Moves to another deployment of the same model (kind=deployment) or to a fallback model (kind=model).',
      labelNames: ['model', 'kind'],
      registers: [registry],
    }),
    circuitState: new Gauge({
      name: 'tollgate_circuit_state',
      help: 'Circuit of each deployment (provider/model): 0 closed, 1 half-open, 2 open.',
      labelNames: ['deployment'],
      registers: [registry],
    }),
  };
}

/**
 * Metric children looked up once per label set instead of hashing the labels
 * on every observation: `children(key, make)` returns what `make` built for
 * `key` the first time. Label sets beyond `max` are built each time, not kept,
 * so unbounded labels cannot grow memory.
 */
export function labelChildren<T>(max = 10_000): (key: string, make: () => T) => T {
  const cache = new Map<string, T>();
  return (key, make) => {
    let children = cache.get(key);
    if (children === undefined) {
      children = make();
      if (cache.size < max) cache.set(key, children);
    }
    return children;
  };
}
