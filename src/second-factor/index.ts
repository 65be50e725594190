import type { AccountRoute, IdentityDeps, SecondFactor } from '../identity/index.js';
import { createCodeThrottle } from './check.js';
import { totpRoutes } from './routes.js';
import { getTotpFactor } from './totp.js';

export interface SecondFactorService {
  /** Registered with identity: password and SSO sign-in stop at a pending token for accounts with an active factor. */
  factor: SecondFactor;
  routes: AccountRoute[];
}

/** The optional TOTP second factor with recovery codes, built once at boot. */
export function createSecondFactor(deps: IdentityDeps, options: { issuer: string }): SecondFactorService {
  return {
    factor: { name: 'totp', enrolled: async (userId) => (await getTotpFactor(deps, userId))?.status === 'active' },
    routes: totpRoutes(deps, { issuer: options.issuer, throttle: createCodeThrottle(deps) }),
  };
}

export { RECENT_SIGN_IN_MS } from './routes.js';
