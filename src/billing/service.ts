import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../common/clock.js';
import { parseUsd } from '../common/money.js';
import { ConfigError, type Config } from '../config/index.js';
import type { Database } from '../store/index.js';
import { createBillingAuthority, type BillingAuthority } from './authority.js';
import type { PurchaseBounds } from './auto-recharge.js';
import type { PaymentProvider } from './payments/provider.js';
import { createStripePaymentProvider } from './payments/stripe-provider.js';
import { createTestPaymentProvider } from './payments/test-provider.js';
import type { PurchaseDeps } from './purchases.js';
import { tierRules } from './tiers.js';
import { startBillingWorker, type BillingWorker } from './worker.js';

/** Everything billing needs, built once at boot: the provider, the purchase rules, the authority and the worker. */
export interface Billing {
  provider: PaymentProvider;
  authority: BillingAuthority;
  purchases: PurchaseDeps;
  bounds: PurchaseBounds;
  worker: BillingWorker;
  /** The Stripe webhook signing secret, when Stripe is the provider. */
  stripeWebhook: { secret: string; toleranceS: number } | null;
  close(): Promise<void>;
}

export interface BillingDeps {
  config: Config;
  db: Kysely<Database>;
  clock: Clock;
  logger: Logger;
  /** Drops admission's cached view of an organization on every instance (its credit or tier changed). */
  invalidate(organizationId: string): void;
}

export function purchaseBounds(config: Config): PurchaseBounds {
  return { min: parseUsd(config.billing.purchase_min_usd), max: parseUsd(config.billing.purchase_max_usd) };
}

export function createPaymentProvider(config: Config, db: Kysely<Database>): PaymentProvider {
  if (config.billing.payment_provider === 'test') return createTestPaymentProvider(db);
  const stripe = config.billing.stripe;
  if (!stripe.secret_key) throw new ConfigError('Invalid configuration: billing.stripe.secret_key is required when billing.payment_provider is stripe.');
  return createStripePaymentProvider({ secretKey: stripe.secret_key, publishableKey: stripe.publishable_key ?? null, apiBase: stripe.api_base, timeoutMs: 30_000 });
}

/** Checks the billing settings that depend on each other (before anything starts). */
export function checkBillingSettings(config: Config): void {
  const bounds = purchaseBounds(config);
  if (bounds.min <= 0n) throw new ConfigError('Invalid configuration: billing.purchase_min_usd must be more than 0.');
  if (bounds.max < bounds.min) throw new ConfigError('Invalid configuration: billing.purchase_max_usd must be at least billing.purchase_min_usd.');
  if (config.billing.payment_provider === 'stripe' && !config.billing.stripe.webhook_secret) {
    throw new ConfigError('Invalid configuration: billing.stripe.webhook_secret is required when billing.payment_provider is stripe (payments that complete later arrive by webhook).');
  }
}

export function createBilling(deps: BillingDeps): Billing {
  const { config } = deps;
  checkBillingSettings(config);
  const provider = createPaymentProvider(config, deps.db);
  const purchases: PurchaseDeps = {
    db: deps.db,
    provider,
    clock: deps.clock,
    tierRules: tierRules(config.billing.tier_rules),
    fallbackTier: config.limits.new_organization_tier,
    recharge: { maxFailures: config.billing.auto_recharge_max_failures, retryBaseMs: config.billing.auto_recharge_retry_base_ms },
    onCredited: deps.invalidate,
  };
  const worker = startBillingWorker({ ...purchases, logger: deps.logger, intervalMs: config.billing.worker_interval_ms });
  const webhookSecret = config.billing.stripe.webhook_secret;
  return {
    provider,
    authority: createBillingAuthority(),
    purchases,
    bounds: purchaseBounds(config),
    worker,
    stripeWebhook: config.billing.payment_provider === 'stripe' && webhookSecret ? { secret: webhookSecret, toleranceS: config.billing.stripe.webhook_tolerance_s } : null,
    close: () => worker.stop(),
  };
}
