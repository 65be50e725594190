import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { AccountRoute, IdentityDeps } from '../identity/index.js';
import type { SignupGate } from './link.js';
import { createProvider, type SsoProvider } from './provider.js';
import { ssoRoutes } from './routes.js';

export interface Sso {
  providers: Map<string, SsoProvider>;
  routes: AccountRoute[];
}

export interface SsoOptions {
  config: Config;
  logger: Logger;
  signupGate: SignupGate;
}

/** Sign-in with SSO over OpenID Connect, for the providers of `sso.providers`; built once at boot. */
export function createSso(deps: IdentityDeps, options: SsoOptions): Sso {
  const providers = new Map<string, SsoProvider>();
  for (const [id, config] of Object.entries(options.config.sso.providers)) providers.set(id, createProvider(id, config, deps.clock));
  return { providers, routes: ssoRoutes({ ...deps, providers, logger: options.logger, signupGate: options.signupGate }) };
}

export type { SsoProvider } from './provider.js';
