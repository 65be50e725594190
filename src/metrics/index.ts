import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one Tollgate instance (own registry, so tests can run several). */
export interface Metrics {
  registry: Registry;
  requests: Counter<'route' | 'method' | 'status' | 'model'>;
  requestDuration: Histogram<'route' | 'method' | 'status'>;
  upstreamDuration: Histogram<'provider' | 'model' | 'outcome'>;
  streamsInFlight: Gauge;
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
  };
}
