import type { KeyPrincipal } from '../control/index.js';
import type { FastifyRequest } from 'fastify';
import type { Clock } from '../common/clock.js';
import type { AuthThrottle, KeyService } from '../control/index.js';
import type { Metrics } from '../metrics/index.js';
import type { ProviderRegistry } from '../providers/index.js';
import type { Catalogue, Router } from '../routing/index.js';
import type { Admission } from './admission.js';

/** Everything the /v1 API needs, built once at boot. */
export interface GatewayDeps {
  keys: KeyService;
  /** Failed-authentication throttling per client address (optional). */
  authThrottle?: AuthThrottle;
  catalogue: Catalogue;
  router: Router;
  providers: ProviderRegistry;
  admission: Admission;
  metrics: Metrics;
  clock: Clock;
  /** A streaming client that takes no data for this long, while some is waiting, is disconnected. */
  streamStallTimeoutMs: number;
  /**
   * A signed-in person (session cookie, no key) on the routes open to any
   * caller (the price list and the cost estimator, which the dashboard's
   * calculator reads): their principal after the route's role check.
   */
  sessions?: (request: FastifyRequest, route: string, endpoint: string | undefined) => Promise<KeyPrincipal>;
}
