import type { Kysely } from 'kysely';
import { TollgateError } from '../common/errors.js';
import type { KeyPrincipal } from '../control/index.js';
import type { Database } from '../store/index.js';

/**
 * Who may do what with money, in one place.
 *
 * - `view`: read the balance, ledger, tier, receipts: any admin key of the organization
 *   with the billing read scope (checked by the route table before this).
 * - `manage`: buy credit, add or remove payment methods, change auto-recharge: the
 *   organization's Owner, or the operator. An admin key of the organization stands for
 *   its Owner (it is made by, and acts for, the organization's administration).
 * - `operate`: credit grants, adjustments and tier overrides, for any organization: the
 *   operator only, i.e. an admin key of the operator organization (the one created at
 *   first start). An organization can never grant itself money or limits.
 *
 * Every billing route calls `authorizeBilling` and acts on the organization it returns.
 */
export type BillingPower = 'view' | 'manage' | 'operate';

export interface BillingAuthority {
  /** The organization the caller may act on with `power`: its own, or (operator only) `target`. */
  authorize(principal: KeyPrincipal | undefined, power: BillingPower, target?: string): Promise<string>;
  isOperator(principal: KeyPrincipal): Promise<boolean>;
}

export function createBillingAuthority(db: Kysely<Database>): BillingAuthority {
  // The operator organization is written once, at bootstrap; it is read once here.
  let operator: Promise<string | null> | null = null;
  const operatorOrganization = () =>
    (operator ??= db
      .selectFrom('meta')
      .select('value')
      .where('key', '=', 'operator_organization')
      .executeTakeFirst()
      .then((row) => row?.value ?? null)
      .catch((err: unknown) => {
        operator = null;
        throw err;
      }));

  async function isOperator(principal: KeyPrincipal): Promise<boolean> {
    return principal.kind === 'admin' && principal.organizationId === (await operatorOrganization());
  }

  return {
    isOperator,
    async authorize(principal, power, target) {
      if (!principal) throw new TollgateError('missing_api_key');
      const own = principal.organizationId;
      const operatorCaller = await isOperator(principal);
      if (power === 'operate' && !operatorCaller) {
        throw new TollgateError('permission_denied', { message: 'Only the operator of this Tollgate instance may grant credits, adjust balances or override usage tiers.' });
      }
      if (principal.kind !== 'admin') throw new TollgateError('permission_denied', { message: 'Billing needs an admin API key (sk-admin-...).' });
      if (target === undefined || target === own) return own;
      if (!operatorCaller) throw new TollgateError('not_found', { message: `No such organization: ${target.slice(0, 100)}` });
      const exists = await db.selectFrom('organizations').select('id').where('id', '=', target).executeTakeFirst();
      if (!exists) throw new TollgateError('not_found', { message: `No such organization: ${target.slice(0, 100)}` });
      return target;
    },
  };
}
