import { TollgateError } from '../common/errors.js';
import type { KeyPrincipal } from '../control/index.js';

/**
 * Who may do what with money, in one place.
 *
 * - `view`: read the balance, ledger, tier, purchases, receipts: an admin key of the
 *   organization, or a signed-in member the route's session rule lets in (an Owner).
 * - `manage`: buy credit, add or remove payment methods, change auto-recharge and
 *   budgets: the organization's Owner (a session with the Owner role, or an admin key,
 *   which only Owners can create), or the operator.
 * - `operate`: credit grants, adjustments and tier overrides: the operator only (an
 *   operator session or operator admin key). An organization can never grant itself
 *   money or limits.
 *
 * The organization is the one the caller acts in: its own, or for the operator any one
 * it names in the `OpenAI-Organization` header (the admin plugin checks it exists).
 * Every billing route calls `authorize` and acts on the organization it returns.
 */
export type BillingPower = 'view' | 'manage' | 'operate';

export interface BillingAuthority {
  /** The organization the caller acts in, once it may use `power` there. */
  authorize(principal: KeyPrincipal | undefined, power: BillingPower): string;
}

export function isOperator(principal: KeyPrincipal): boolean {
  return principal.operator === true;
}

/** An Owner of the organization the principal acts in: an admin key, or a session with the Owner role. */
function isOwner(principal: KeyPrincipal): boolean {
  return principal.kind === 'admin' || (principal.kind === 'session' && principal.role === 'owner');
}

export function createBillingAuthority(): BillingAuthority {
  return {
    authorize(principal, power) {
      if (!principal) throw new TollgateError('missing_api_key');
      if (principal.kind !== 'admin' && principal.kind !== 'session') {
        throw new TollgateError('permission_denied', { message: 'Billing needs an admin API key (sk-admin-...) or a signed-in Owner.' });
      }
      const operator = isOperator(principal);
      if (power === 'operate' && !operator) {
        throw new TollgateError('permission_denied', { message: 'Only the operator of this Tollgate may grant credits, adjust balances or override usage tiers.' });
      }
      if (power === 'manage' && !operator && !isOwner(principal)) {
        throw new TollgateError('permission_denied', { message: "Only the organization's Owner (or the operator) may buy credit, change payment methods, auto-recharge or budgets." });
      }
      return principal.organizationId;
    },
  };
}
