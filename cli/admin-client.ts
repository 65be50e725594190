import { OPERATIONS, OPERATOR_OPERATIONS, operationById, runOperation } from '../src/admin/index.js';
import { budgetDefaults, onboardOrganization } from '../src/billing/index.js';
import { parseUsd } from '../src/common/money.js';
import { createIdentity } from '../src/identity/index.js';
import { createMailer } from '../src/notify/index.js';
import { systemClock } from '../src/common/clock.js';
import { toOpenAIError } from '../src/common/openai-error.js';
import type { Config } from '../src/config/index.js';
import { createKeyService, createLocalKeyEvents, createRedisKeyEvents, type Actor, type ControlDeps } from '../src/control/index.js';
import { resolveServerSecret } from '../src/secrets/index.js';
import { openStore } from '../src/store/index.js';
import pino from 'pino';
import { CliError } from './manage-format.js';

/**
 * The CLI's way to the admin API operations: over HTTP to a running server
 * (with an admin key), or straight to a local store. Both run the very same
 * operation handlers; the local one simply skips HTTP.
 */
export interface AdminClient {
  call(operationId: string, input?: { params?: Record<string, string>; query?: Record<string, unknown>; body?: unknown }): Promise<any>;
  close(): Promise<void>;
}


function queryString(query: Record<string, unknown>, arrays: readonly string[]): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (arrays.includes(key)) for (const item of value as unknown[]) search.append(`${key}[]`, String(item));
    else search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export function httpAdminClient(baseUrl: string, adminKey: string): AdminClient {
  const root = baseUrl.replace(/\/+$/, '');
  return {
    async call(operationId, input = {}) {
      // The operator's operations live under /v1/operator, the organization's under /v1/organization.
      const operatorOp = OPERATOR_OPERATIONS.find((o) => o.id === operationId);
      const operation = operatorOp ?? operationById(operationId);
      const path = operation.path.replace(/:([a-z_]+)/g, (_, name: string) => encodeURIComponent(input.params?.[name] ?? ''));
      const url = `${root}${operatorOp ? '/v1/operator' : '/v1/organization'}${path}${queryString(input.query ?? {}, operatorOp ? [] : (operationById(operationId).arrays ?? []))}`;
      let response: Response;
      try {
        response = await fetch(url, {
          method: operation.method,
          headers: { authorization: `Bearer ${adminKey}`, 'user-agent': 'tollgate-cli', ...(input.body !== undefined ? { 'content-type': 'application/json' } : {}) },
          body: input.body === undefined ? undefined : JSON.stringify(input.body),
        });
      } catch (err) {
        throw new Error(`cannot reach ${root}: ${(err as Error).message}`);
      }
      const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
      if (!response.ok) throw refusal(response.status, body?.error?.message ?? 'request failed');
      return body;
    },
    close: async () => {},
  };
}

/**
 * Direct access to the store under `config` (SQLite in data_dir, or
 * database_url). Invalidations go out through Redis when it is configured,
 * so running servers drop a revoked key at once; otherwise they notice it on
 * their next store re-validation (keys.revalidate_interval_ms).
 */
export async function localAdminClient(config: Config, organization?: string): Promise<AdminClient> {
  const { secret } = resolveServerSecret({ secret: config.secret, secretFile: config.secret_file, dataDir: config.data_dir });
  const store = await openStore({ databaseUrl: config.database_url, dataDir: config.data_dir });
  const logger = pino({ level: 'silent' });
  try {
    if (!(await store.isMigrated())) throw new CliError('the store has pending migrations: run `tollgate migrate` (or start the server once) first');
    /** The organization an organization command acts in; operator commands need none. */
    async function chooseOrganization(): Promise<string> {
      const orgs = await store.db.selectFrom('organizations').select(['id', 'name']).where('status', '=', 'active').execute();
      const org = organization ? orgs.find((o) => o.id === organization || o.name === organization) : orgs.length === 1 ? orgs[0] : undefined;
      if (!org) {
        throw new CliError(organization ? `no active organization '${organization}'` : `choose an organization with --org (${orgs.map((o) => `${o.id} "${o.name}"`).join(', ') || 'none: start the server once to create one'})`);
      }
      return org.id;
    }
    const keys = createKeyService({ db: store.db, secret, clock: systemClock });
    const events = config.redis_url ? await createRedisKeyEvents({ url: config.redis_url, prefix: config.redis_prefix, logger }) : createLocalKeyEvents();
    const deps: ControlDeps = {
      db: store.db,
      clock: systemClock,
      keys,
      events,
      secret,
      // Running servers pick up a changed budget within limits.policy_cache_ms.
      notices: { allowPrivateWebhooks: config.notifications.webhook_allow_private_addresses, invalidatePolicies: () => {}, budgetDefaults: budgetDefaults(config.billing.budget_defaults) },
    };
    // Whoever runs the CLI on the store's machine is the operator.
    const shell = { type: 'cli', id: null, ip: null, userAgent: 'tollgate-cli', operator: true } as const;
    const onboard = (db: typeof store.db, id: string, now: number) => onboardOrganization(db, id, { tier: config.limits.new_organization_tier, trialGrant: parseUsd(config.billing.trial_grant_usd), now });
    const mailer = createMailer({ smtpUrl: config.smtp_url, from: config.smtp_from, logger });
    const identity = createIdentity({ config, db: store.db, clock: systemClock, secret, logger, mailer, onboard, baseUrl: () => config.public_url ?? `http://${config.server.host}:${config.server.port}` });
    return {
      async call(operationId, input = {}) {
        try {
          const operatorOp = OPERATOR_OPERATIONS.find((o) => o.id === operationId);
          if (operatorOp) {
            return await operatorOp.handler({ control: deps, identity: identity.deps, onboard, actor: { ...shell, organizationId: '' } }, { params: input.params ?? {}, query: input.query ?? {}, body: input.body });
          }
          const operation = OPERATIONS.find((o) => o.id === operationId)!;
          const actor: Actor = { ...shell, organizationId: await chooseOrganization() };
          return await runOperation(operation, { deps, actor }, { params: input.params ?? {}, query: input.query ?? {}, body: input.body });
        } catch (err) {
          if (err instanceof CliError) throw err;
          const shaped = toOpenAIError(err, 'local');
          if (shaped.status >= 500) throw err;
          throw refusal(shaped.status, shaped.body.error.message);
        }
      },
      async close() {
        await keys.close();
        await events.close();
        await mailer.close();
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/**
 * A call the API refused. A 400 names a bad value the command was given: a usage
 * mistake (exit 2). Any other refusal (not found, forbidden, a cap) is the command
 * failing (exit 1), as the README's exit-code convention says.
 */
function refusal(status: number, message: string): Error {
  const text = `${status}: ${message}`;
  return status === 400 ? new CliError(text) : new Error(text);
}
