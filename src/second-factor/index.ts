import { LINK_PATHS, sendMail, type AccountRoute, type IdentityDeps, type SecondFactor } from '../identity/index.js';
import { createCodeThrottle } from './check.js';
import { removedByOperatorMail } from './messages.js';
import { totpRoutes } from './routes.js';
import { getTotpFactor, removeTotpFactor } from './totp.js';

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

/**
 * The operator's way back in for a person who lost both the authenticator
 * and the recovery codes (once the operator has made sure who is asking):
 * the factor and its codes are removed, and the address is told by mail.
 */
export async function removeSecondFactor(deps: IdentityDeps, user: { id: string; email: string }): Promise<boolean> {
  const removed = await removeTotpFactor(deps, user.id);
  if (removed) sendMail(deps, removedByOperatorMail(user.email, `${deps.baseUrl().replace(/\/+$/, '')}${LINK_PATHS.forgotPassword}`));
  return removed;
}

export { RECENT_SIGN_IN_MS } from './routes.js';
