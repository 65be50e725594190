import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../common/clock.js';
import type { Config } from '../config/index.js';
import type { Mailer } from '../notify/index.js';
import type { ServerSecret } from '../secrets/index.js';
import type { Database } from '../store/index.js';
import type { IdentityDeps, SecondFactor } from './context.js';
import { accountPlugin, accountRoutes, type AccountRoute } from './routes.js';
import { membershipsOf } from './members.js';
import type { Onboard } from './organizations.js';
import { peopleAccountRoutes } from './people-routes.js';
import { signupGate } from './signup-policy.js';
import type { KeyPrincipal } from '../control/index.js';
import type { FastifyRequest } from 'fastify';
import { sessionPrincipal } from './access.js';
import { createSmsSender } from './sms.js';
import { createSignInThrottle } from './throttle.js';

export interface Identity {
  deps: IdentityDeps;
  routes: AccountRoute[];
  /** The account and session API, mounted at the root. */
  plugin: FastifyPluginAsync;
  /** A second factor (TOTP, for one): password sign-in then stops at a pending token for accounts that enrolled it. */
  addSecondFactor(factor: SecondFactor): void;
  /** The admin API's session authentication: a signed-in person's principal in the organization they act in, after the route's role check. */
  sessionPrincipal(request: FastifyRequest, route: string, endpoint: string | undefined): Promise<KeyPrincipal>;
  /** The sign-up policy gate (open, invite, domains, closed). */
  signupGate: (email: string, options?: { invited?: boolean }) => Promise<void>;
}

export interface IdentityOptions {
  config: Config;
  db: Kysely<Database>;
  clock: Clock;
  secret: ServerSecret;
  logger: Logger;
  mailer: Mailer;
  baseUrl(): string;
  /** Billing's onboarding of a new organization (tier, trial grant). */
  onboard: Onboard;
}

/** Accounts, sessions, verification and sign-in throttling, built once at boot. */
export function createIdentity(options: IdentityOptions): Identity {
  const { config } = options;
  const deps: IdentityDeps = {
    db: options.db,
    clock: options.clock,
    secret: options.secret,
    logger: options.logger,
    mailer: options.mailer,
    config,
    baseUrl: options.baseUrl,
    timeouts: { idleMs: config.sessions.idle_timeout_ms, absoluteMs: config.sessions.absolute_timeout_ms },
    sms: createSmsSender({ httpUrl: config.sms.http_url, httpToken: config.sms.http_token, from: config.sms.from, logger: options.logger }),
    throttle: createSignInThrottle({
      db: options.db,
      clock: options.clock,
      secret: options.secret,
      limits: {
        perAccountAndAddress: config.accounts.max_failed_sign_ins,
        perAddress: config.accounts.max_failed_sign_ins_per_address,
        perAccount: config.accounts.max_failed_sign_ins_per_account,
      },
    }),
    secondFactors: [],
  };
  const gate = signupGate(options.db, options.clock, config);
  const routes = [
    ...accountRoutes(deps, { signupGate: gate, describe: async (userId) => ({ organizations: await membershipsOf(options.db, userId) }) }),
    ...peopleAccountRoutes(deps, { signupGate: gate, onboard: options.onboard }),
  ];
  return {
    deps,
    routes,
    plugin: accountPlugin(deps, routes),
    addSecondFactor: (factor) => void deps.secondFactors.push(factor),
    sessionPrincipal: (request, route, endpoint) => sessionPrincipal(deps, request, route, endpoint),
    signupGate: gate,
  };
}
