import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../common/clock.js';
import type { Config } from '../config/index.js';
import type { ServerSecret } from '../secrets/index.js';
import type { Database } from '../store/index.js';
import { createAuthThrottle, type AuthThrottle } from './auth-throttle.js';
import type { ControlDeps } from './context.js';
import { startKeyCacheSync } from './key-cache-sync.js';
import { createLocalKeyEvents, createRedisKeyEvents } from './key-events.js';
import type { KeyService } from './keys.js';
import { startMaintenance } from './maintenance.js';

/** The running parts of key management of one instance, started at boot and stopped at shutdown. */
export interface KeyManagement {
  control: ControlDeps;
  authThrottle: AuthThrottle;
  /** Waits for the maintenance pass in progress (tests). */
  maintenanceIdle(): Promise<void>;
  close(): Promise<void>;
}

export async function openKeyManagement(deps: { config: Config; db: Kysely<Database>; keys: KeyService; secret: ServerSecret; clock: Clock; logger: Logger }): Promise<KeyManagement> {
  const { config, logger } = deps;
  const redis = config.redis_url ? { url: config.redis_url, prefix: config.redis_prefix, logger } : undefined;
  const events = redis ? await createRedisKeyEvents(redis) : createLocalKeyEvents();
  const authThrottle = createAuthThrottle({ limit: config.keys.max_failed_auth_per_minute, clock: deps.clock, redis });
  await authThrottle.ready();
  const control: ControlDeps = { db: deps.db, clock: deps.clock, keys: deps.keys, events, secret: deps.secret };
  const sync = startKeyCacheSync({ db: deps.db, keys: deps.keys, events, clock: deps.clock, intervalMs: config.keys.revalidate_interval_ms, logger });
  const maintenance = startMaintenance(control, config.keys.maintenance_interval_ms, logger);
  return {
    control,
    authThrottle,
    maintenanceIdle: maintenance.idle,
    async close() {
      sync.stop();
      maintenance.stop();
      await maintenance.idle();
      await deps.keys.close();
      await authThrottle.close();
      await events.close();
    },
  };
}
