import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { systemClock, type Clock } from './common/clock.js';
import type { Config } from './config/index.js';
import { managementRoutes, publicRoutes } from './admin/index.js';
import { billingAdminRoutes, budgetDefaults, createBilling, documentRoutes, onboardOrganization, paymentRoutes, purchaseBounds, stripeWebhookRoutes, type Billing } from './billing/index.js';
import { parseUsd } from './common/money.js';
import { bootstrap, createKeyService, openKeyManagement, type BootstrapResult, type KeyManagement, type KeyService } from './control/index.js';
import type { Admission } from './gateway/index.js';
import { checkTierSettings, createLimits, limitsAdminRoutes, standingRoutes, type Limits } from './limits/index.js';
import { createUsageRecorder, startBatchWriter, type UsageRecorder } from './metering/index.js';
import { createMetrics } from './metrics/index.js';
import { createMailer, type Mailer } from './notify/index.js';
import { createNotices, type Notices } from './notices/index.js';
import { accountPlugin, createIdentity, type Identity } from './identity/index.js';
import { createSecondFactor } from './second-factor/index.js';
import { createSso } from './sso/index.js';
import { createPriceCatalogue, pricingRoutes, type PriceCatalogue } from './pricing/index.js';
import { createCredentialStore, createProviderRegistry, withEnvProviders, type ProviderRegistry } from './providers/index.js';
import { operatorPlugin, peopleAdminRoutes, providerCredentialRoutes } from './admin/index.js';
import { issueToken } from './identity/index.js';
import { createCatalogue, createRouter, type Catalogue, type Router } from './routing/index.js';
import { resolveServerSecret, type ServerSecret } from './secrets/index.js';
import { buildApp } from './server/index.js';
import { dashboardRoutes } from './web/index.js';
import { openStore, type Store } from './store/index.js';
import { startUsageMaintenance, usageRoutes, type UsageMaintenance } from './usage/index.js';

export interface Services {
  config: Config;
  logger: Logger;
  clock: Clock;
  secret: ServerSecret;
  store: Store;
  keys: KeyService;
  providers: ProviderRegistry;
  catalogue: Catalogue;
  router: Router;
  prices: PriceCatalogue;
  admission: Admission;
  /** Key lifecycle: cache sync, auth throttling, maintenance; the deps of the admin API. */
  management: KeyManagement;
  /** Folds usage events into hourly rollups and prunes old raw events. */
  usageMaintenance: UsageMaintenance;
  limits: Limits;
  recorder: UsageRecorder;
  /** Payment provider, purchases, auto-recharge worker. */
  billing: Billing;
  /** The one mailer: SMTP when `smtp_url` is set, else one log line per mail. */
  mailer: Mailer;
  /** Accounts, sessions and sign-in. */
  identity: Identity;
  /** The notice sender (mail to Owners, webhooks) and the webhook endpoints. */
  notices: Notices;
}

export interface Tollgate {
  app: FastifyInstance;
  services: Services;
  /** Base URL the server listens on, e.g. http://127.0.0.1:8787. */
  url: string;
  /** Set on the very first start only: the keys to print once. */
  bootstrapped: BootstrapResult | null;
  /** Graceful stop: refuse new work, let in-flight requests and streams finish up to the deadline, close the store. */
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  clock?: Clock;
  env?: Record<string, string | undefined>;
  /** Skip listen (for in-process tests using app.inject). */
  listen?: boolean;
}

export function createLogger(config: Config): Logger {
  // Asynchronous writes: a log line per request must not cost a blocking syscall on the hot path.
  // What is still buffered when the process exits is written synchronously then.
  const destination = pino.destination({ dest: 1, sync: false });
  process.once('exit', () => {
    try {
      destination.flushSync();
    } catch {
      // stdout already closed: nothing more can be written
    }
  });
  return pino(
    {
      level: config.log.level,
      base: { service: 'tollgate' },
      // Defence in depth: nothing logs headers or bodies, but if it ever does they are censored.
      redact: { paths: ['req.headers.authorization', 'req.headers["api-key"]', 'headers.authorization', '*.api_key', '*.secret'], censor: '[redacted]' },
    },
    destination,
  );
}

/** Opens the store, migrates, bootstraps on first run, builds every service and starts listening. */
export async function startTollgate(config: Config, options: StartOptions = {}): Promise<Tollgate> {
  const logger = options.logger ?? createLogger(config);
  const clock = options.clock ?? systemClock;
  checkTierSettings(config);
  const { secret, source } = resolveServerSecret({ secret: config.secret, secretFile: config.secret_file, dataDir: config.data_dir });
  const store = await openStore({ databaseUrl: config.database_url, dataDir: config.data_dir });
  let providers: ProviderRegistry | undefined;
  let management: KeyManagement | undefined;
  let usageMaintenance: UsageMaintenance | undefined;
  let limits: Limits | undefined;
  let recorder: UsageRecorder | undefined;
  let billing: Billing | undefined;
  let notices: Notices | undefined;
  try {
    const applied = await store.migrate();
    logger.info({ store: store.dialect, location: store.location, migrations_applied: applied, secret_source: source }, 'store ready');
    const keys = createKeyService({ db: store.db, secret, clock, lastUsedFlushMs: config.keys.last_used_flush_ms });
    // Before bootstrap: if Redis is unreachable the start fails before any key is minted (and lost unshown).
    management = await openKeyManagement({ config, db: store.db, keys, secret, clock, logger });
    const bootstrapped = await bootstrap(store.db, keys, clock, {
      organizationName: config.bootstrap.organization_name,
      projectName: config.bootstrap.project_name,
      onOrganizationCreated: (db, id, now) => onboardOrganization(db, id, { tier: config.limits.bootstrap_tier, trialGrant: parseUsd(config.billing.trial_grant_usd), now }),
      createSetupToken: (db) => issueToken({ db, clock, secret }, { purpose: 'setup', userId: null }, db),
    });
    const env = options.env ?? process.env;
    const credentials = createCredentialStore({ db: store.db, secret, clock });
    const fromEnv = await withEnvProviders(config, env);
    if (fromEnv.added.length > 0) logger.info({ providers: fromEnv.added }, 'providers added from environment keys');
    if (fromEnv.skipped.length > 0) logger.warn({ providers: fromEnv.skipped }, 'environment keys set for provider kinds this build does not have');
    config = fromEnv.config;
    // Keys set through another instance reach this one within the interval.
    const stored = await credentials.loadAll();
    for (const [id, provider] of Object.entries(config.providers)) {
      // Said once at start, not at the first failed call: the upstream would answer 401 to every request.
      if (provider.api_key_env && !env[provider.api_key_env] && !provider.api_key && !stored.has(id)) {
        logger.warn({ provider: id, api_key_env: provider.api_key_env }, `provider ${id}: ${provider.api_key_env} is not set and no key is stored (tollgate providers set-key ${id}); its calls go without a key`);
      }
    }
    providers = createProviderRegistry(config, clock, env, stored, { loadAll: credentials.loadAll, intervalMs: 10_000 });
    const catalogue = createCatalogue(config, providers, clock.now());
    const prices = createPriceCatalogue(config.pricing.models);
    const metrics = createMetrics();
    const router = createRouter({ config: config.routing, catalogue, providers, metrics, clock });
    usageMaintenance = startUsageMaintenance({ store, clock, logger, retentionDays: config.metering.retention_days, intervalMs: config.metering.rollup_interval_ms });
    recorder = createUsageRecorder({
      writer: startBatchWriter({
        databaseUrl: config.database_url,
        dataDir: config.data_dir,
        budgetDefaults: budgetDefaults(config.billing.budget_defaults),
        recharge: { provider: config.billing.payment_provider, bounds: purchaseBounds(config) },
        ...(config.billing.mode === 'prepaid' ? { lowBalance: parseUsd(config.notifications.low_balance_usd) } : {}),
      }),
      logger,
      flushIntervalMs: config.metering.flush_interval_ms,
      batchSize: config.metering.batch_size,
      now: clock.now,
    });
    limits = createLimits({ config, db: store.db, prices, recorder, clock, logger, keys });
    const mailer = createMailer({ smtpUrl: config.smtp_url, from: config.smtp_from, logger });
    let url = '';
    const onboard = (db: typeof store.db, id: string, now: number) => onboardOrganization(db, id, { tier: config.limits.new_organization_tier, trialGrant: parseUsd(config.billing.trial_grant_usd), now });
    const identity = createIdentity({ config, db: store.db, clock, secret, logger, mailer, baseUrl: () => config.public_url ?? url, onboard });
    const secondFactor = createSecondFactor(identity.deps, { issuer: config.totp.issuer });
    identity.addSecondFactor(secondFactor.factor);
    const sso = createSso(identity.deps, { config, logger, signupGate: identity.signupGate });
    const signInRoutes = [...secondFactor.routes, ...sso.routes];
    billing = createBilling({ config, db: store.db, clock, logger, invalidate: limits.policies.invalidate });
    notices = createNotices({ config, db: store.db, clock, logger, mailer, secret });
    management.control.notices = { allowPrivateWebhooks: config.notifications.webhook_allow_private_addresses, invalidatePolicies: limits.policies.invalidate, budgetDefaults: budgetDefaults(config.billing.budget_defaults) };
    const services: Services = { config, logger, clock, secret, store, keys, providers, catalogue, router, prices, admission: limits.admission, limits, recorder, usageMaintenance, management, mailer, identity, billing, notices };
    const app = await buildApp({
      logger,
      bodyLimit: config.server.body_limit_bytes,
      trustProxy: config.server.trust_proxy,
      store,
      gateway: { keys, authThrottle: management.authThrottle, catalogue, router, providers, admission: services.admission, metrics, clock, streamStallTimeoutMs: config.server.stream_stall_timeout_ms, sessions: identity.sessionPrincipal },
      gatewayRoutes: [
        pricingRoutes({ prices, clock }),
        standingRoutes({ db: store.db, store: limits.store, policies: limits.policies, clock, mode: config.billing.mode }),
      ],
      adminRoutes: [
        usageRoutes({ store, clock }),
        managementRoutes(management.control),
        limitsAdminRoutes({ db: store.db, clock, catalogue, limits, control: management.control }),
        billingAdminRoutes({ db: store.db, clock, limits, keys, config, authority: billing.authority }),
        paymentRoutes(billing),
        documentRoutes({ db: store.db, clock, authority: billing.authority, issuer: config.billing.issuer_name }),
        providerCredentialRoutes({ db: store.db, providers, credentials, clock }),
        peopleAdminRoutes({ control: management.control, identity: identity.deps }),
      ],
      adminAuth: {
        sessions: identity.sessionPrincipal,
        organizationExists: async (id) => (await store.db.selectFrom('organizations').select('id').where('id', '=', id).executeTakeFirst()) !== undefined,
      },
      publicRoutes: [
        publicRoutes(management.control, management.authThrottle, [...identity.routes, ...signInRoutes]),
        identity.plugin,
        stripeWebhookRoutes(billing),
        accountPlugin(identity.deps, signInRoutes),
        async (root) => {
          await root.register(operatorPlugin({ keys, authThrottle: management!.authThrottle, control: management!.control, identity: identity.deps, onboard }), { prefix: '/v1/operator' });
        },
        dashboardRoutes({ logger }),
      ],
    });
    if (options.listen !== false) {
      await app.listen({ host: config.server.host, port: config.server.port });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.server.port;
      const host = ['0.0.0.0', '::', '[::]'].includes(config.server.host) ? '127.0.0.1' : config.server.host;
      url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    } else {
      await app.ready();
    }
    let closing: Promise<void> | undefined;
    const close = () => (closing ??= shutdown(app, services, config.server.shutdown_timeout_ms));
    return { app, services, url, bootstrapped, close };
  } catch (err) {
    await notices?.close().catch(() => {});
    await billing?.close().catch(() => {});
    await limits?.close().catch(() => {});
    await recorder?.close().catch(() => {});
    await usageMaintenance?.stop();
    await providers?.close().catch(() => {});
    await management?.close().catch(() => {});
    await store.close().catch(() => {});
    throw err;
  }
}

async function shutdown(app: FastifyInstance, services: Services, deadlineMs: number): Promise<void> {
  const { logger } = services;
  logger.info({ deadline_ms: deadlineMs }, 'shutting down: no new requests, waiting for in-flight ones');
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), deadlineMs);
  });
  // Keep-alive connections whose last response just finished would hold close() open until the
  // deadline: close each one as soon as it turns idle.
  const reaper = setInterval(() => app.server.closeIdleConnections(), 100);
  const outcome = await Promise.race([app.close().then(() => 'drained' as const), deadline]);
  clearTimeout(timer);
  clearInterval(reaper);
  if (outcome === 'deadline') {
    logger.warn('shutdown deadline reached: closing the remaining connections');
    app.server.closeAllConnections();
    await app.close().catch(() => {});
  }
  await services.billing.close().catch((err: unknown) => logger.error({ err }, 'stopping the billing worker failed'));
  // Settlements in flight, then the last usage events, before the store closes.
  await services.limits.close().catch((err: unknown) => logger.error({ err }, 'closing limits failed'));
  await services.recorder.close();
  await services.providers.close().catch(() => {});
  await services.usageMaintenance.stop();
  await services.management.close().catch(() => {});
  // After the last usage events: notices they raised are in the outbox, sent by the next instance to run.
  await services.notices.close().catch((err: unknown) => logger.error({ err }, 'stopping the notice sender failed'));
  await services.mailer.close().catch(() => {});
  await services.store.close();
  logger.info('stopped');
}
