import type { Kysely } from 'kysely';
import { TollgateError } from '../common/errors.js';
import { newId } from '../common/ids.js';
import { formatUsd, PICOS_PER_USD, type Picos } from '../common/money.js';
import type { Database } from '../store/index.js';
import { insertPurchase } from './purchases.js';

/**
 * Auto-recharge, as OpenAI words it: "when the credit balance goes below
 * $threshold, bring it back up to $target". It fires once per crossing: the
 * usage writer, in the transaction that debits usage, flips `armed` from 1 to
 * 0 by a conditional update and inserts the recharge purchase; only one
 * transaction can win that update, however many instances flush at once. The
 * purchase is charged by any instance's billing worker; its success re-arms.
 */
export interface AutoRechargeSettings {
  enabled: boolean;
  threshold: Picos;
  target: Picos;
  paymentMethodId: string;
  consecutiveFailures: number;
  /** Why it was turned off after failed charges (cleared when it is turned on again). */
  disabledReason: string | null;
  lastPurchaseId: string | null;
}

/** The purchase bounds a recharge respects (the same as a manual purchase's). */
export interface PurchaseBounds {
  min: Picos;
  max: Picos;
}

export async function readAutoRecharge(db: Kysely<Database>, organizationId: string): Promise<AutoRechargeSettings | null> {
  const row = await db.selectFrom('auto_recharge').selectAll().where('organization_id', '=', organizationId).executeTakeFirst();
  if (!row) return null;
  return {
    enabled: Number(row.enabled) === 1,
    threshold: row.threshold_picos,
    target: row.target_picos,
    paymentMethodId: row.payment_method_id,
    consecutiveFailures: Number(row.consecutive_failures),
    disabledReason: row.disabled_reason,
    lastPurchaseId: row.last_purchase_id,
  };
}

/** Turns auto-recharge on (re-armed, failures forgotten) or off. */
export async function writeAutoRecharge(
  db: Kysely<Database>,
  organizationId: string,
  settings: { enabled: boolean; threshold: Picos; target: Picos; paymentMethodId: string },
  bounds: PurchaseBounds,
  by: string | null,
  now: number,
): Promise<void> {
  if (settings.target <= settings.threshold) {
    throw new TollgateError('invalid_value', { param: 'target_usd', message: 'target_usd must be above threshold_usd: a recharge brings the balance from below the threshold up to the target.' });
  }
  if (settings.target - settings.threshold < bounds.min) {
    throw new TollgateError('invalid_value', { param: 'target_usd', message: `target_usd must be at least the smallest purchase ($${formatUsd(bounds.min, 2)}) above threshold_usd.` });
  }
  if (settings.target > bounds.max) throw new TollgateError('invalid_value', { param: 'target_usd', message: `target_usd can be at most the largest purchase, $${formatUsd(bounds.max, 2)}.` });
  const values = {
    enabled: settings.enabled ? 1 : 0,
    threshold_picos: settings.threshold,
    target_picos: settings.target,
    payment_method_id: settings.paymentMethodId,
    armed: 1,
    consecutive_failures: 0,
    disabled_reason: null,
    updated_by: by,
    updated_at: now,
  };
  await db
    .insertInto('auto_recharge')
    .values({ organization_id: organizationId, last_purchase_id: null, ...values })
    .onConflict((oc) => oc.column('organization_id').doUpdateSet(values))
    .execute();
}

/** What a recharge charges: up to the target, in whole cents (rounded up), within the purchase bounds. */
export function rechargeAmount(balance: Picos, target: Picos, bounds: PurchaseBounds): Picos {
  const cent = PICOS_PER_USD / 100n;
  const missing = target - balance;
  let amount = ((missing + cent - 1n) / cent) * cent;
  if (amount < bounds.min) amount = bounds.min;
  if (amount > bounds.max) amount = bounds.max;
  return amount;
}

/**
 * Called by the usage writer after it debited an organization, inside that
 * transaction: a balance below the threshold of an armed, enabled
 * auto-recharge disarms it and creates the recharge purchase. Returns the
 * purchase id, or null.
 */
export async function triggerAutoRecharge(db: Kysely<Database>, organizationId: string, balance: Picos, provider: string, bounds: PurchaseBounds, now: number): Promise<string | null> {
  const purchaseId = newId('pur', now);
  const fired = await db
    .updateTable('auto_recharge')
    .set({ armed: 0, last_purchase_id: purchaseId, updated_at: now })
    .where('organization_id', '=', organizationId)
    .where('enabled', '=', 1n)
    .where('armed', '=', 1n)
    .where('threshold_picos', '>', balance)
    .returning(['target_picos', 'payment_method_id'])
    .executeTakeFirst();
  if (!fired) return null;
  const amount = rechargeAmount(balance, fired.target_picos, bounds);
  await insertPurchase(db, provider, { organizationId, source: 'auto_recharge', amount, paymentMethodId: fired.payment_method_id, idempotencyKey: null, createdBy: 'auto_recharge', now, id: purchaseId });
  return purchaseId;
}
