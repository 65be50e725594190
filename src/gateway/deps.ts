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
}
