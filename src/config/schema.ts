import { z } from 'zod';
import { DEFAULT_TIER_RULES } from '../billing/tiers.js';
import { parseRange } from '../control/ip-ranges.js';

/**
 * The one configuration schema. Every leaf that is a scalar can be set from the
 * environment as TOLLGATE_<PATH> (path segments joined by `_`, upper-cased):
 * `server.port` is TOLLGATE_SERVER_PORT. Top-level `database_url`, `redis_url`
 * and `secret` are therefore TOLLGATE_DATABASE_URL, TOLLGATE_REDIS_URL and
 * TOLLGATE_SECRET. Fields marked `secret` are redacted by `config print`.
 */

/** Names proxy-addr knows for whole address families. */
const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * Which peers may tell the client's address in X-Forwarded-For: the
 * addresses or CIDR ranges of your own proxies (the client address is then
 * the right-most one no trusted proxy wrote), or `false`. `true` (trust
 * whatever any client writes) is refused: it let anyone pass a key's
 * allowed_ips and dodge or aim the failed-auth throttle. In the environment:
 * a comma-separated list, or `false`.
 */
const trustProxySchema = z
  .preprocess(
    (value) => {
      if (typeof value !== 'string') return value;
      const text = value.trim();
      if (text === '' || text === 'false') return false;
      if (text === 'true') return true;
      return text.split(',').map((part) => part.trim()).filter((part) => part !== '');
    },
    z.union([z.boolean(), z.array(z.string()).min(1)]),
  )
  .superRefine((value, ctx) => {
    if (value === true) {
      ctx.addIssue({ code: 'custom', message: 'true would trust any X-Forwarded-For a client writes: list the addresses or CIDR ranges of your proxies instead, e.g. ["10.0.0.0/8"]' });
      return;
    }
    if (value === false) return;
    for (const entry of value) {
      if (!PROXY_NAMES.has(entry) && parseRange(entry) === null) ctx.addIssue({ code: 'custom', message: `'${entry}' is not an IP address, a CIDR range, or one of loopback, linklocal, uniquelocal` });
    }
  })
  .transform((value) => (value === true ? false : value));

const secretString = () => z.string().min(1).meta({ secret: true });

export const modelCapabilities = ['chat', 'tools', 'vision', 'embeddings', 'json_schema'] as const;

const faultKinds = ['none', '429', '500', '503', 'timeout', 'disconnect'] as const;

export const simulatorSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Serve the built-in simulator models tollgate-sim and tollgate-sim-embed.'),
    ttft_ms: z.number().int().min(0).max(600_000).default(0).describe('Simulated time to first token, in ms.'),
    token_delay_ms: z.number().int().min(0).max(60_000).default(0).describe('Simulated delay between streamed tokens, in ms.'),
    embedding_dimensions: z.number().int().min(1).max(8192).default(1536).describe('Dimensions of tollgate-sim-embed vectors.'),
    fault: z.enum(faultKinds).default('none').describe('Fault injected into simulator calls: none, 429, 500, 503, timeout, disconnect.'),
    fault_rate: z.number().min(0).max(1).default(1).describe('Share of simulator calls that get the configured fault (0..1).'),
  })
  .strict();

export const providerSchema = z
  .object({
    kind: z.enum(['openai', 'anthropic', 'gemini']).describe('Wire format of the upstream.'),
    base_url: z.url().optional().describe('Upstream base URL (e.g. https://api.openai.com/v1).'),
    api_key: secretString().optional(),
    api_key_env: z.string().optional().describe('Name of an environment variable holding the upstream key.'),
    timeout_ms: z.number().int().min(1).max(3_600_000).default(600_000),
    headers: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export const deploymentSchema = z
  .object({
    provider: z.string().min(1),
    model: z.string().min(1),
    weight: z.number().positive().default(1),
  })
  .strict();

export const modelSchema = z
  .object({
    name: z.string().min(1),
    aliases: z.array(z.string().min(1)).default([]),
    type: z.enum(['chat', 'embeddings']).default('chat'),
    deployments: z.array(deploymentSchema).min(1),
    fallbacks: z.array(z.string().min(1)).default([]),
    context_window: z.number().int().positive().optional(),
    max_output_tokens: z.number().int().positive().optional(),
    owned_by: z.string().default('tollgate'),
    capabilities: z
      .array(z.enum(modelCapabilities))
      .optional()
      .describe('What the model can do; default: chat, tools, vision, json_schema for chat models, embeddings for embedding models.'),
  })
  .strict();

export const routingSchema = z
  .object({
    max_attempts: z.number().int().min(1).max(20).default(4).describe('Upstream attempts per request, across retries and fallbacks.'),
    retries_per_deployment: z.number().int().min(0).max(10).default(2).describe('Retries of one deployment before falling back to the next.'),
    deadline_ms: z.number().int().min(0).max(3_600_000).default(30_000).describe('No retry or fallback starts later than this after the request arrived.'),
    attempt_timeout_ms: z
      .number()
      .int()
      .min(1)
      .max(3_600_000)
      .default(600_000)
      .describe('How long one attempt may take to be accepted (whole answer, or stream headers) before it is retried.'),
    backoff_base_ms: z.number().int().min(0).max(60_000).default(200).describe('First retry waits up to this (full jitter), doubling per retry.'),
    backoff_max_ms: z.number().int().min(0).max(300_000).default(5_000).describe('Cap of the backoff wait.'),
    max_retry_after_ms: z
      .number()
      .int()
      .min(0)
      .max(3_600_000)
      .default(20_000)
      .describe('An upstream retry-after longer than this is not waited for: the next deployment is tried.'),
    circuit_failure_threshold: z.number().int().min(1).max(1000).default(5).describe('Consecutive failures that open a deployment\'s circuit.'),
    circuit_cooldown_ms: z.number().int().min(1).max(3_600_000).default(30_000).describe('How long an open circuit waits before one probe request.'),
  })
  .strict();

const usdAmount = z.union([z.string().regex(/^\d+(\.\d{1,6})?$/, 'a USD amount with at most 6 decimals'), z.number().nonnegative()]);

export const priceSchema = z
  .object({
    input: usdAmount.describe('USD per 1M input tokens.'),
    cached_input: usdAmount.optional(),
    cache_write: usdAmount.optional(),
    output: usdAmount,
    per_request: usdAmount.optional(),
    effective_from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a YYYY-MM-DD date').optional(),
  })
  .strict();

const rateLimitSchema = z
  .object({
    rpm: z.number().int().positive().max(100_000_000_000).describe('Requests per minute.'),
    tpm: z.number().int().positive().max(100_000_000_000).describe('Tokens per minute (prompt + max output, corrected to the real count).'),
  })
  .strict();

export const limitsSchema = z
  .object({
    tiers: z
      .record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/), rateLimitSchema)
      .default({})
      .describe('Usage tiers (name -> {rpm, tpm}) added to or replacing the defaults free, tier-1 .. tier-5; `unlimited` has no rate limits.'),
    new_organization_tier: z.string().min(1).default('free').describe('Usage tier of a new organization.'),
    bootstrap_tier: z.string().min(1).default('tier-5').describe('Usage tier of the organization created on first start.'),
    reservation_ttl_ms: z
      .number()
      .int()
      .min(1000)
      .default(15 * 60_000)
      .describe('How long a spend reservation outlives a process that died before settling it.'),
    sweep_interval_ms: z.number().int().min(100).default(10_000).describe('How often expired reservations are released.'),
    policy_cache_ms: z.number().int().min(0).default(5_000).describe('How long tiers, budgets and balances are cached per instance.'),
  })
  .strict();

export const billingSchema = z
  .object({
    mode: z.enum(['prepaid', 'postpaid']).default('prepaid').describe('prepaid: requests need credit balance; postpaid: no balance check (budgets still apply).'),
    trial_grant_usd: z.string().regex(/^\d+(\.\d{1,12})?$/, 'a USD amount').default('5.00').describe('Credits granted to a new organization.'),
    purchase_min_usd: z.string().regex(/^\d+(\.\d{1,2})?$/, 'a USD amount in whole cents').default('5.00').describe('Smallest credit purchase (OpenAI: $5).'),
    purchase_max_usd: z.string().regex(/^\d+(\.\d{1,2})?$/, 'a USD amount in whole cents').default('10000.00').describe('Largest credit purchase.'),
    payment_provider: z.enum(['test', 'stripe']).default('test').describe('test: Stripe\'s public test cards, no network; stripe: real payments through Stripe.'),
    stripe: z
      .object({
        secret_key: secretString().optional().describe('Stripe secret key (sk_live_... or sk_test_...).'),
        publishable_key: z.string().min(1).optional().describe('Stripe publishable key (pk_...), handed to the dashboard for Stripe.js.'),
        webhook_secret: secretString().optional().describe('Signing secret of the Stripe webhook endpoint (whsec_...).'),
        api_base: z.url().default('https://api.stripe.com').describe('Stripe API origin (another one only for a proxy or a local stand-in).'),
        webhook_tolerance_s: z.number().int().min(1).max(3600).default(300).describe('Oldest Stripe webhook signature accepted, in seconds (replays beyond are refused).'),
      })
      .strict()
      .prefault({}),
    tier_rules: z
      .array(
        z
          .object({
            tier: z.string().min(1).describe('A tier of limits.tiers.'),
            paid_usd: z.string().regex(/^\d+(\.\d{1,12})?$/, 'a USD amount').describe('Paid purchases to date (grants do not count) that reach it.'),
            min_days: z.number().int().min(0).max(3650).default(0).describe('Days since the first successful payment before it is reached.'),
          })
          .strict(),
      )
      .default(DEFAULT_TIER_RULES)
      .describe('The ladder usage tiers climb with paid purchases, lowest first; tiers are never lowered automatically.'),
    auto_recharge_max_failures: z.number().int().min(1).max(20).default(3).describe('Consecutive failed auto-recharge charges after which auto-recharge is turned off.'),
    auto_recharge_retry_base_ms: z.number().int().min(100).default(300_000).describe('Wait before retrying a failed auto-recharge charge, doubled for each further retry.'),
    issuer_name: z.string().min(1).max(200).default('Tollgate').describe('Who receipts and statements say issued them (your company name).'),
    worker_interval_ms: z.number().int().min(50).max(60_000).default(1000).describe('How often each instance looks for purchases to charge (auto-recharge, retries) and notices to send.'),
    budget_defaults: z
      .object({
        organization_monthly_usd: z.string().regex(/^\d+(\.\d{1,12})?$/, 'a USD amount').nullable().default(null).describe('Monthly budget of an organization that has none set (null = no cap).'),
        project_monthly_usd: z.string().regex(/^\d+(\.\d{1,12})?$/, 'a USD amount').nullable().default(null).describe('Monthly budget of a project that has none set (null = no cap).'),
        thresholds: z.array(z.number().int().min(1).max(1000)).default([50, 80, 100]).describe('Budget notification thresholds (percent) where none are set.'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export const notificationsSchema = z
  .object({
    sender_interval_ms: z.number().int().min(50).max(60_000).default(1000).describe('How often each instance hands new notices to their channels and sends the deliveries that are due.'),
    lease_ms: z
      .number()
      .int()
      .min(1000)
      .max(3_600_000)
      .default(60_000)
      .describe('How long an instance holds a delivery it is sending; if it dies, another instance sends it again (same event id) after this.'),
    retry_base_ms: z.number().int().min(100).max(86_400_000).default(60_000).describe('Wait before the first retry of a failed mail or webhook delivery, doubled for each further retry.'),
    retry_max_ms: z.number().int().min(100).max(7 * 86_400_000).default(6 * 3_600_000).describe('Longest wait between two attempts of one delivery.'),
    max_attempts: z.number().int().min(1).max(50).default(10).describe('Attempts of one delivery before it is given up (failed).'),
    webhook_disable_after: z.number().int().min(1).max(1000).default(20).describe('Consecutive failed attempts after which a webhook endpoint is disabled (an Owner enables it again).'),
    webhook_timeout_ms: z.number().int().min(100).max(120_000).default(10_000).describe('How long a webhook endpoint has to answer with a 2xx.'),
    webhook_allow_private_addresses: z
      .boolean()
      .default(false)
      .describe('Let webhook URLs be http:// and reach loopback or private addresses (development, tests); by default only https:// to public addresses.'),
    low_balance_usd: z.string().regex(/^\d+(\.\d{1,12})?$/, 'a USD amount').default('1.00').describe('A prepaid credit balance falling below this sends the "balance low" notice (once per crossing).'),
  })
  .strict();

export const meteringSchema = z
  .object({
    flush_interval_ms: z.number().int().min(10).max(60_000).default(200).describe('Usage events are written at least this often (the crash window).'),
    batch_size: z.number().int().min(1).max(10_000).default(500).describe('Usage events written per transaction; a full batch is written at once.'),
    retention_days: z
      .number()
      .int()
      .min(0)
      .default(90)
      .describe('Days raw usage events are kept once folded into the hourly rollups (0 keeps them forever).'),
    rollup_interval_ms: z.number().int().min(1000).default(60_000).describe('How often new usage events are folded into the hourly rollups.'),
  })
  .strict();

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * One identity provider of sign-in with SSO. `kind` picks a preset (issuer,
 * scopes, how the answer comes back, which claim proves the address); a
 * generic `oidc` provider names its `issuer`.
 */
export const ssoProviderSchema = z
  .object({
    kind: z.enum(['oidc', 'google', 'microsoft', 'apple']).default('oidc').describe('oidc (any OpenID Connect provider), google, microsoft or apple.'),
    display_name: z.string().min(1).max(64).optional().describe('Name on the sign-in button; default: the preset\'s (Google, Microsoft, Apple) or the provider id.'),
    issuer: z.url().optional().describe('Issuer URL (its /.well-known/openid-configuration is read); required for oidc, preset otherwise.'),
    client_id: z.string().min(1).max(512).describe('Client id registered at the provider (Apple: the Services ID).'),
    client_secret: secretString().optional().describe('Client secret; none for a public client (PKCE only).'),
    client_secret_file: z.string().min(1).optional().describe('File holding the client secret (e.g. a Docker secret).'),
    scopes: z
      .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'a scope token'))
      .min(1)
      .optional()
      .describe('Scopes asked for; default openid email profile (Apple: openid email name).'),
    tenant: z
      .string()
      .regex(/^[A-Za-z0-9.-]{1,128}$/, 'a tenant id, domain, common, organizations or consumers')
      .optional()
      .describe('Microsoft: the Entra tenant (id or domain), or common, organizations, consumers. Default common.'),
    team_id: z.string().regex(/^[A-Z0-9]{10}$/, 'a 10-character Apple team id').optional().describe('Apple: the team id that signs the client secret.'),
    key_id: z.string().regex(/^[A-Z0-9]{10}$/, 'a 10-character Apple key id').optional().describe('Apple: the id of the Sign in with Apple key.'),
    private_key: secretString().optional().describe('Apple: the Sign in with Apple key (PEM, the .p8 file\'s text).'),
    private_key_file: z.string().min(1).optional().describe('Apple: file holding the Sign in with Apple key (.p8).'),
  })
  .strict()
  .superRefine((p, ctx) => {
    const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (p.kind === 'oidc' && !p.issuer) problem('issuer', 'an oidc provider needs its issuer URL');
    if (p.issuer) {
      const url = new URL(p.issuer);
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) problem('issuer', 'the issuer must be https (http only on a loopback address, for development)');
    }
    if (p.client_secret && p.client_secret_file) problem('client_secret_file', 'set client_secret or client_secret_file, not both');
    if (p.private_key && p.private_key_file) problem('private_key_file', 'set private_key or private_key_file, not both');
    if ((p.kind === 'google' || p.kind === 'microsoft') && !p.client_secret && !p.client_secret_file) problem('client_secret', `a ${p.kind} provider needs client_secret or client_secret_file`);
    if (p.kind === 'apple') {
      if (!p.team_id) problem('team_id', 'an apple provider needs team_id');
      if (!p.key_id) problem('key_id', 'an apple provider needs key_id');
      if (!p.private_key && !p.private_key_file) problem('private_key', 'an apple provider needs private_key or private_key_file');
      if (p.client_secret || p.client_secret_file) problem('client_secret', 'apple has no static client secret: Tollgate signs one with private_key');
    } else {
      for (const key of ['team_id', 'key_id', 'private_key', 'private_key_file'] as const) if (p[key] !== undefined) problem(key, `${key} is for apple providers only`);
    }
    if (p.kind !== 'microsoft' && p.tenant !== undefined) problem('tenant', 'tenant is for microsoft providers only');
  });

export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().min(1).default('127.0.0.1').describe('Address to listen on.'),
        port: z.number().int().min(0).max(65535).default(8787).describe('Port to listen on (0 picks a free one).'),
        body_limit_bytes: z.number().int().min(1024).default(20 * 1024 * 1024).describe('Largest accepted request body.'),
        shutdown_timeout_ms: z
          .number()
          .int()
          .min(0)
          .default(30_000)
          .describe('On SIGTERM/SIGINT, how long in-flight requests and streams may run before they are cut.'),
        trust_proxy: trustProxySchema
          .default(false)
          .describe('Addresses or CIDR ranges of your reverse proxies; the client address is the right-most X-Forwarded-For entry none of them wrote. false: the socket address.'),
        stream_stall_timeout_ms: z
          .number()
          .int()
          .min(100)
          .default(60_000)
          .describe('A client that takes no stream data for this long while some is waiting is disconnected (its upstream is aborted).'),
      })
      .strict()
      .prefault({}),
    data_dir: z.string().min(1).default('./data').describe('Directory for the SQLite store and the generated server secret.'),
    database_url: secretString().optional().describe('postgres://... to use PostgreSQL; default is SQLite in data_dir.'),
    redis_url: secretString().optional().describe('redis://... for limits and caches shared by several instances.'),
    redis_prefix: z.string().min(1).max(64).default('tollgate:').describe('Prefix of every Redis key and channel Tollgate uses (several deployments can share one Redis).'),
    keys: z
      .object({
        max_failed_auth_per_minute: z.number().int().min(0).default(20).describe('Invalid keys one client address may present per minute before it gets 429s (0 disables).'),
        revalidate_interval_ms: z.number().int().min(100).default(5_000).describe('How often the key cache re-checks the store for changed keys (the fallback to Redis invalidation).'),
        last_used_flush_ms: z.number().int().min(100).default(10_000).describe('How often "last used at" times are written to the store, in one batch.'),
        maintenance_interval_ms: z.number().int().min(1_000).default(60_000).describe('How often rotated keys past their grace are revoked and keys due for rotation are flagged.'),
      })
      .strict()
      .prefault({}),
    secret: secretString().optional().describe('Server secret for keyed hashes and encryption at rest; generated into data_dir when unset.'),
    secret_file: z.string().optional().describe('File holding the server secret (e.g. a Docker secret).'),
    signup: z
      .enum(['open', 'invite', 'domains', 'closed'])
      .default('open')
      .describe('Who may create an account: open (anyone), invite (invited addresses only), domains (addresses of signup_domains, and invited ones), closed (only the operator creates accounts). The operator can change it at run time.'),
    signup_domains: z.array(z.string().min(1).max(253)).default([]).describe('Email domains that may sign up under the `domains` policy, e.g. ["example.com"].'),
    public_url: z
      .url()
      .optional()
      .describe('Address people reach this Tollgate at (https://tollgate.example.com), used in links sent by mail; unset: the address it listens on.'),
    sessions: z
      .object({
        idle_timeout_ms: z.number().int().min(60_000).default(7 * 24 * 3600_000).describe('A session unused this long ends.'),
        absolute_timeout_ms: z.number().int().min(60_000).default(30 * 24 * 3600_000).describe('A session ends this long after sign-in, used or not.'),
      })
      .strict()
      .prefault({}),
    accounts: z
      .object({
        require_verified_email: z.boolean().default(true).describe('An account must verify its email address before it can create API keys.'),
        require_verified_phone: z.boolean().default(false).describe('An account must verify a phone number before it can create API keys.'),
        max_failed_sign_ins: z.number().int().min(1).default(5).describe('Failed sign-ins to one account from one address per 15 minutes before that address must wait.'),
        max_failed_sign_ins_per_address: z.number().int().min(1).default(30).describe('Failed sign-ins from one address to any accounts per 15 minutes before it must wait.'),
        max_failed_sign_ins_per_account: z
          .number()
          .int()
          .min(1)
          .default(100)
          .describe('Failed sign-ins to one account from all addresses per 15 minutes before browsers it was never signed in on must wait.'),
      })
      .strict()
      .prefault({}),
    sms: z
      .object({
        http_url: secretString().optional().describe('SMS gateway: phone codes are POSTed here as JSON {to, from, text}; unset: each SMS is written to the log.'),
        http_token: secretString().optional().describe('Sent as `Authorization: Bearer <token>` to the SMS gateway.'),
        from: z.string().min(1).max(32).default('Tollgate').describe('Sender name or number of SMS.'),
      })
      .strict()
      .prefault({}),
    totp: z
      .object({
        issuer: z.string().min(1).max(64).default('Tollgate').describe('Name authenticator apps show next to the account (the otpauth:// issuer).'),
      })
      .strict()
      .prefault({}),
    sso: z
      .object({
        providers: z
          .record(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/), ssoProviderSchema)
          .default({})
          .describe('Identity providers for sign-in with SSO, by id (the id is in the callback URL /v1/auth/sso/<id>/callback).'),
      })
      .strict()
      .prefault({}),
    smtp_url: secretString()
      .optional()
      .describe('SMTP server for mail (smtp://user:pass@host:587, smtps://... for TLS from the start); unset: each mail is written to the log with its link.'),
    smtp_from: z.string().min(3).max(320).default('Tollgate <no-reply@localhost>').describe('From header of every mail Tollgate sends.'),
    log: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Log level.'),
      })
      .strict()
      .prefault({}),
    bootstrap: z
      .object({
        organization_name: z.string().min(1).default('Personal').describe('Name of the organization created on first start.'),
        project_name: z.string().min(1).default('Default').describe('Name of the project created on first start.'),
      })
      .strict()
      .prefault({}),
    simulator: simulatorSchema.prefault({}),
    providers: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/), providerSchema).default({}),
    models: z.array(modelSchema).default([]),
    routing: routingSchema.prefault({}),
    pricing: z
      .object({
        models: z
          .record(z.string().min(1), z.union([priceSchema, z.array(priceSchema).min(1)]))
          .default({})
          .describe('Price overrides per model name (USD per 1M tokens as decimal text); a list gives a dated price history.'),
      })
      .strict()
      .prefault({}),
    limits: limitsSchema.prefault({}),
    billing: billingSchema.prefault({}),
    metering: meteringSchema.prefault({}),
    notifications: notificationsSchema.prefault({}),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type ProviderConfig = z.infer<typeof providerSchema>;
export type ModelConfig = z.infer<typeof modelSchema>;
export type SimulatorConfig = z.infer<typeof simulatorSchema>;
export type RoutingConfig = z.infer<typeof routingSchema>;
export type SsoProviderConfig = z.infer<typeof ssoProviderSchema>;
export type ModelCapability = (typeof modelCapabilities)[number];
