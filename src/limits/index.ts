import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../common/clock.js';
import { parseUsd } from '../common/money.js';
import { ConfigError, type Config } from '../config/index.js';
import { budgetDefaults, createTierTable, type TierTable } from '../billing/index.js';
import type { KeyService } from '../control/index.js';
import type { UsageRecorder } from '../metering/index.js';
import type { PriceCatalogue } from '../pricing/index.js';
import type { Database } from '../store/index.js';
import { createLimitAdmission, type LimitAdmission } from './admission.js';
import { createMemoryLimitStore } from './memory.js';
import { createPolicyCache, type PolicyCache } from './policy.js';
import { createPostgresLimitStore } from './postgres.js';
import { createRedisLimitStore } from './redis.js';
import type { LimitStore } from './types.js';

export { createMemoryLimitStore } from './memory.js';
export { createRedisLimitStore } from './redis.js';
export { createPostgresLimitStore } from './postgres.js';
export { goDuration } from './duration.js';
export { limitsAdminRoutes, type LimitsAdminDeps } from './admin-routes.js';
export { keyStanding, standingRoutes, type StandingDeps } from './standing.js';
export { readProjectRateLimits, writeProjectRateLimit, type ProjectRateLimit } from './overrides.js';
export type { LimitStore, CapState } from './types.js';
export type { PolicyCache } from './policy.js';
export type { LimitAdmission } from './admission.js';

export interface Limits {
  admission: LimitAdmission;
  store: LimitStore;
  policies: PolicyCache;
  tiers: TierTable;
  /** Settles in flight, then closes the backend. */
  close(): Promise<void>;
}

export interface LimitsDeps {
  config: Config;
  db: Kysely<Database>;
  prices: PriceCatalogue;
  recorder: UsageRecorder;
  clock: Clock;
  logger: Logger;
  /** Key cache to drop a key from when its limits change on another instance. */
  keys?: Pick<KeyService, 'invalidate'>;
}

/** The tier table, after checking that the configured tier names exist (before anything is bootstrapped with them). */
export function checkTierSettings(config: Config): TierTable {
  const tiers = createTierTable(config.limits.tiers);
  for (const setting of ['new_organization_tier', 'bootstrap_tier'] as const) {
    const name = config.limits[setting];
    if (tiers.limits(name) === undefined) throw new ConfigError(`Invalid configuration: limits.${setting}: unknown usage tier '${name}'. Known tiers: ${tiers.names().join(', ')}.`);
  }
  let previous: bigint | null = null;
  for (const [i, rule] of config.billing.tier_rules.entries()) {
    if (tiers.limits(rule.tier) === undefined) throw new ConfigError(`Invalid configuration: billing.tier_rules.${i}.tier: unknown usage tier '${rule.tier}'. Known tiers: ${tiers.names().join(', ')}.`);
    const paid = parseUsd(rule.paid_usd);
    if (previous !== null && paid < previous) throw new ConfigError(`Invalid configuration: billing.tier_rules.${i}.paid_usd: the ladder must climb (lowest first), and ${rule.paid_usd} is below the rung before it.`);
    previous = paid;
  }
  return tiers;
}

/**
 * The fast state every instance sharing the store must share: Redis when
 * `redis_url` is set; else PostgreSQL itself when that is the store (several
 * instances may share it, and each one counting alone would let each admit
 * a whole budget); else in-process (SQLite: one instance).
 */
function limitStoreFor(config: Config, db: Kysely<Database>): LimitStore {
  if (config.redis_url) return createRedisLimitStore({ url: config.redis_url, prefix: config.redis_prefix });
  if (config.database_url) return createPostgresLimitStore({ db, url: config.database_url });
  return createMemoryLimitStore();
}

/** Builds limits and spend control on the limit store `limitStoreFor` picks. */
export function createLimits(deps: LimitsDeps): Limits {
  const { config } = deps;
  const store = limitStoreFor(config, deps.db);
  const tiers = checkTierSettings(config);
  const cache = createPolicyCache({ db: deps.db, clock: deps.clock, tiers, newOrganizationTier: config.limits.new_organization_tier, ttlMs: config.limits.policy_cache_ms, budgetDefaults: budgetDefaults(config.billing.budget_defaults) });
  // An admin change on any instance drops what every instance cached about it.
  store.onBroadcast((id) => {
    if (id.startsWith('key:')) deps.keys?.invalidate(id.slice(4));
    else cache.invalidate(id);
  });
  const policies: PolicyCache = {
    organization: cache.organization,
    project: cache.project,
    invalidate(id) {
      cache.invalidate(id);
      store.broadcast(id).catch((err: unknown) => deps.logger.warn({ err }, 'could not tell other instances about a limits change'));
    },
  };
  const admission = createLimitAdmission({
    store,
    policies,
    tiers,
    db: deps.db,
    prices: deps.prices,
    recorder: deps.recorder,
    clock: deps.clock,
    logger: deps.logger,
    prepaid: config.billing.mode === 'prepaid',
    reservationTtlMs: config.limits.reservation_ttl_ms,
    sweepIntervalMs: config.limits.sweep_interval_ms,
  });
  return {
    admission,
    store,
    policies,
    tiers,
    async close() {
      await admission.close();
      await store.close();
    },
  };
}
