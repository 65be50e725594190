import { sql, type Kysely, type Selectable } from 'kysely';
import type { Clock } from '../common/clock.js';
import { TollgateError } from '../common/errors.js';
import { newId } from '../common/ids.js';
import { formatUsd, PICOS_PER_USD, type Picos } from '../common/money.js';
import { recordNotification } from '../control/notifications.js';
import type { Database, PurchasesTable } from '../store/index.js';
import { postEntry, readAccount } from './ledger.js';
import { customerOf } from './payment-methods.js';
import { PaymentError, type PaymentProvider } from './payments/provider.js';
import { promoteAndAnnounce, type TierRule } from './tiers.js';

/**
 * Buying credit. A purchase is a row first (pending), then a charge with an
 * idempotency key derived from the row, then, in one transaction, the
 * outcome: a ledger entry and a receipt number for a success (exactly once:
 * the row moves out of pending by a conditional update), a failure reason
 * otherwise, never credit for a failed charge. A process that dies mid-charge
 * leaves the row pending; whoever picks it up next asks the provider again
 * with the same key, so the card is charged at most once.
 */
export type PurchaseStatus = 'pending' | 'requires_action' | 'succeeded' | 'failed';
export type PurchaseSource = 'manual' | 'auto_recharge';

export interface Purchase {
  id: string;
  organizationId: string;
  source: PurchaseSource;
  amount: Picos;
  paymentMethodId: string;
  status: PurchaseStatus;
  idempotencyKey: string | null;
  chargeRef: string | null;
  clientSecret: string | null;
  attempts: number;
  nextAttemptAt: number;
  failureCode: string | null;
  failureMessage: string | null;
  receiptNumber: string | null;
  createdAt: number;
  completedAt: number | null;
}

export function purchaseOf(row: Selectable<PurchasesTable>): Purchase {
  return {
    id: row.id,
    organizationId: row.organization_id,
    source: row.source as PurchaseSource,
    amount: row.amount_picos,
    paymentMethodId: row.payment_method_id,
    status: row.status as PurchaseStatus,
    idempotencyKey: row.idempotency_key,
    chargeRef: row.charge_ref,
    clientSecret: row.client_secret,
    attempts: Number(row.attempts),
    nextAttemptAt: Number(row.next_attempt_at),
    failureCode: row.failure_code,
    failureMessage: row.failure_message,
    receiptNumber: row.receipt_number,
    createdAt: Number(row.created_at),
    completedAt: row.completed_at === null ? null : Number(row.completed_at),
  };
}

export interface PurchaseDeps {
  db: Kysely<Database>;
  provider: PaymentProvider;
  clock: Clock;
  tierRules: TierRule[];
  /** Tier of an organization that has none recorded. */
  fallbackTier: string;
  /** Auto-recharge: charges tried before it is turned off, and the wait before the first retry (doubled each time). */
  recharge: { maxFailures: number; retryBaseMs: number };
  /** Called after credit or a tier changed (admission's caches are dropped on every instance). */
  onCredited(organizationId: string): void;
}

/** How long one instance holds a purchase while it charges it. */
const LEASE_MS = 60_000;
/** A manual purchase whose provider could not be reached is asked about again after this. */
const PROVIDER_RETRY_MS = 30_000;

const CENT = PICOS_PER_USD / 100n;

export function centsOf(amount: Picos): bigint {
  if (amount % CENT !== 0n) throw new RangeError('a charge is a whole number of cents');
  return amount / CENT;
}

async function nextReceiptNumber(db: Kysely<Database>): Promise<string> {
  await db.insertInto('billing_sequences').values({ name: 'receipt', value: 0 }).onConflict((oc) => oc.column('name').doNothing()).execute();
  const row = await db
    .updateTable('billing_sequences')
    .set({ value: sql`value + 1` })
    .where('name', '=', 'receipt')
    .returning('value')
    .executeTakeFirstOrThrow();
  return `TG-${row.value.toString().padStart(6, '0')}`;
}

export async function getPurchase(db: Kysely<Database>, organizationId: string, id: string): Promise<Purchase | null> {
  const row = await db.selectFrom('purchases').selectAll().where('id', '=', id).where('organization_id', '=', organizationId).executeTakeFirst();
  return row ? purchaseOf(row) : null;
}

export async function listPurchases(db: Kysely<Database>, organizationId: string, page: { limit: number; after?: string | undefined }): Promise<{ purchases: Purchase[]; hasMore: boolean }> {
  let query = db.selectFrom('purchases').selectAll().where('organization_id', '=', organizationId);
  if (page.after) query = query.where('id', '<', page.after);
  const rows = await query.orderBy('id', 'desc').limit(page.limit + 1).execute();
  return { purchases: rows.slice(0, page.limit).map(purchaseOf), hasMore: rows.length > page.limit };
}

export interface NewPurchase {
  organizationId: string;
  source: PurchaseSource;
  amount: Picos;
  paymentMethodId: string;
  idempotencyKey: string | null;
  createdBy: string | null;
  now: number;
  /** Default: a new id. */
  id?: string;
}

/** Inserts a pending purchase (inside the caller's transaction when there is one). */
export async function insertPurchase(db: Kysely<Database>, provider: string, input: NewPurchase): Promise<Purchase> {
  const row = {
    id: input.id ?? newId('pur', input.now),
    organization_id: input.organizationId,
    source: input.source,
    amount_picos: input.amount,
    payment_method_id: input.paymentMethodId,
    provider,
    status: 'pending',
    idempotency_key: input.idempotencyKey,
    charge_ref: null,
    client_secret: null,
    attempts: 0,
    next_attempt_at: input.now,
    lease_until: null,
    failure_code: null,
    failure_message: null,
    receipt_number: null,
    ledger_entry_id: null,
    created_by: input.createdBy,
    created_at: input.now,
    updated_at: input.now,
    completed_at: null,
  };
  await db.insertInto('purchases').values(row).execute();
  return purchaseOf({ ...row, amount_picos: input.amount, attempts: 0n, next_attempt_at: BigInt(input.now), lease_until: null, created_at: BigInt(input.now), updated_at: BigInt(input.now), completed_at: null });
}

/**
 * The success of a charge, exactly once: the purchase leaves pending, the
 * ledger gets its entry (idempotency key `purchase:<id>`), the receipt its
 * number, the tier may rise; an auto-recharge is re-armed. A second report of
 * the same success (a late webhook) finds the purchase settled and does nothing.
 */
export async function completePurchase(deps: PurchaseDeps, purchaseId: string, chargeRef: string | null): Promise<{ purchase: Purchase; credited: boolean }> {
  const now = deps.clock.now();
  const result = await deps.db.transaction().execute(async (trx) => {
    const moved = await trx
      .updateTable('purchases')
      .set({ status: 'succeeded', charge_ref: chargeRef === null ? sql`charge_ref` : chargeRef, client_secret: null, lease_until: null, completed_at: now, updated_at: now })
      .where('id', '=', purchaseId)
      .where('status', 'in', ['pending', 'requires_action'])
      .returningAll()
      .executeTakeFirst();
    if (!moved) return null;
    const purchase = purchaseOf(moved);
    const { entry } = await postEntry(trx, {
      organizationId: purchase.organizationId,
      kind: 'purchase',
      amount: purchase.amount,
      idempotencyKey: `purchase:${purchase.id}`,
      description: purchase.source === 'auto_recharge' ? 'auto-recharge' : 'credit purchase',
      referenceId: purchase.id,
      actor: moved.created_by,
      now,
    });
    const receipt = await nextReceiptNumber(trx);
    await trx.updateTable('purchases').set({ receipt_number: receipt, ledger_entry_id: entry.id }).where('id', '=', purchase.id).execute();
    await promoteAndAnnounce(trx, deps, purchase.organizationId, now);
    const account = await readAccount(trx, purchase.organizationId);
    if (purchase.source === 'auto_recharge') {
      await trx.updateTable('auto_recharge').set({ armed: 1, consecutive_failures: 0, updated_at: now }).where('organization_id', '=', purchase.organizationId).where('last_purchase_id', '=', purchase.id).execute();
      await recordNotification(trx, deps.clock, {
        organizationId: purchase.organizationId,
        projectId: null,
        type: 'auto_recharge.succeeded',
        resourceId: purchase.id,
        dedupeKey: `auto_recharge.succeeded:${purchase.id}`,
        payload: { purchase_id: purchase.id, amount_usd: formatUsd(purchase.amount, 2), balance_usd: formatUsd(account.balance, 2), receipt_number: receipt },
      });
    }
    return { purchase: { ...purchase, receiptNumber: receipt }, credited: true };
  });
  if (result) {
    deps.onCredited(result.purchase.organizationId);
    return result;
  }
  const current = await deps.db.selectFrom('purchases').selectAll().where('id', '=', purchaseId).executeTakeFirstOrThrow();
  return { purchase: purchaseOf(current), credited: false };
}

/**
 * A declined or failed charge: never credit. A manual purchase fails at once;
 * an auto-recharge retries with backoff until `maxFailures` consecutive
 * failures, then fails and turns auto-recharge off with the reason.
 */
export async function failPurchase(deps: PurchaseDeps, purchaseId: string, failure: { code: string; message: string; chargeRef: string | null }): Promise<Purchase> {
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('purchases').selectAll().where('id', '=', purchaseId).executeTakeFirstOrThrow();
    const purchase = purchaseOf(row);
    if (purchase.status === 'succeeded' || purchase.status === 'failed') return purchase;
    const attempts = purchase.attempts + 1;
    const base = { attempts, failure_code: failure.code, failure_message: failure.message, charge_ref: failure.chargeRef ?? row.charge_ref, client_secret: null, lease_until: null, updated_at: now };
    if (purchase.source === 'manual') {
      const done = await trx.updateTable('purchases').set({ ...base, status: 'failed', completed_at: now }).where('id', '=', purchaseId).returningAll().executeTakeFirstOrThrow();
      return purchaseOf(done);
    }
    const settings = await trx
      .updateTable('auto_recharge')
      .set({ consecutive_failures: sql`consecutive_failures + 1`, updated_at: now })
      .where('organization_id', '=', purchase.organizationId)
      .returning(['consecutive_failures'])
      .executeTakeFirst();
    const failures = Number(settings?.consecutive_failures ?? attempts);
    const notice = { organizationId: purchase.organizationId, projectId: null, resourceId: purchase.id } as const;
    const amount = formatUsd(purchase.amount, 2);
    await recordNotification(trx, deps.clock, {
      ...notice,
      type: 'auto_recharge.failed',
      dedupeKey: `auto_recharge.failed:${purchase.id}:${attempts}`,
      payload: { purchase_id: purchase.id, amount_usd: amount, attempt: attempts, code: failure.code, reason: failure.message },
    });
    if (failures < deps.recharge.maxFailures) {
      const wait = deps.recharge.retryBaseMs * 2 ** (attempts - 1);
      const retrying = await trx.updateTable('purchases').set({ ...base, next_attempt_at: now + wait }).where('id', '=', purchaseId).returningAll().executeTakeFirstOrThrow();
      return purchaseOf(retrying);
    }
    const reason = `${failures} charges in a row failed; the last: ${failure.message} (${failure.code})`;
    await trx.updateTable('auto_recharge').set({ enabled: 0, armed: 1, disabled_reason: reason, updated_at: now }).where('organization_id', '=', purchase.organizationId).execute();
    await recordNotification(trx, deps.clock, {
      ...notice,
      type: 'auto_recharge.disabled',
      dedupeKey: `auto_recharge.disabled:${purchase.id}`,
      payload: { purchase_id: purchase.id, amount_usd: amount, reason },
    });
    const done = await trx.updateTable('purchases').set({ ...base, status: 'failed', completed_at: now }).where('id', '=', purchaseId).returningAll().executeTakeFirstOrThrow();
    return purchaseOf(done);
  });
}

/**
 * Charges a pending purchase that is due, if no other instance holds it:
 * the lease is taken by a conditional update, the provider is asked with
 * the key `tollgate-purchase-<id>-<failed attempts>`, and the answer is
 * recorded. A provider that cannot be reached leaves the purchase pending
 * for a later ask with the same key (the charge may have gone through).
 */
export async function chargePurchase(deps: PurchaseDeps, purchaseId: string): Promise<Purchase> {
  const { db, provider } = deps;
  const now = deps.clock.now();
  const claimed = await db
    .updateTable('purchases')
    .set({ lease_until: now + LEASE_MS, updated_at: now })
    .where('id', '=', purchaseId)
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', BigInt(now))
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', BigInt(now))]))
    .returningAll()
    .executeTakeFirst();
  if (!claimed) return purchaseOf(await db.selectFrom('purchases').selectAll().where('id', '=', purchaseId).executeTakeFirstOrThrow());
  const purchase = purchaseOf(claimed);
  const method = await db.selectFrom('payment_methods').selectAll().where('id', '=', purchase.paymentMethodId).executeTakeFirst();
  if (!method || method.removed_at !== null) {
    return failPurchase(deps, purchase.id, { code: 'payment_method_removed', message: 'The payment method was removed.', chargeRef: null });
  }
  let result;
  try {
    const customer = await customerOf(db, provider, purchase.organizationId, now);
    result = await provider.charge({
      organizationId: purchase.organizationId,
      customerRef: customer,
      token: method.token,
      amountCents: centsOf(purchase.amount),
      idempotencyKey: `tollgate-purchase-${purchase.id}-${purchase.attempts}`,
      offSession: purchase.source === 'auto_recharge',
      description: purchase.source === 'auto_recharge' ? 'Tollgate auto-recharge' : 'Tollgate credit purchase',
      purchaseId: purchase.id,
    });
  } catch (err) {
    if (err instanceof PaymentError) return failPurchase(deps, purchase.id, { code: err.code, message: err.message, chargeRef: null });
    await db.updateTable('purchases').set({ lease_until: null, next_attempt_at: deps.clock.now() + PROVIDER_RETRY_MS, updated_at: deps.clock.now() }).where('id', '=', purchase.id).where('status', '=', 'pending').execute();
    throw new TollgateError('payment_provider_unavailable', { cause: err, context: { purchase_id: purchase.id } });
  }
  if (result.status === 'succeeded') return (await completePurchase(deps, purchase.id, result.chargeRef)).purchase;
  if (result.status === 'failed') return failPurchase(deps, purchase.id, { code: result.code, message: result.message, chargeRef: result.chargeRef });
  const waiting = await db
    .updateTable('purchases')
    .set({ status: 'requires_action', charge_ref: result.chargeRef, client_secret: result.clientSecret, lease_until: null, updated_at: deps.clock.now() })
    .where('id', '=', purchase.id)
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirst();
  return waiting ? purchaseOf(waiting) : purchaseOf(await db.selectFrom('purchases').selectAll().where('id', '=', purchase.id).executeTakeFirstOrThrow());
}

/** Purchases due for a charge (new auto-recharges, retries, and ones a dead instance left), oldest first. */
export async function duePurchases(db: Kysely<Database>, now: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('purchases')
    .select('id')
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', BigInt(now))
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', BigInt(now))]))
    .orderBy('next_attempt_at')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export interface BuyInput {
  organizationId: string;
  amount: Picos;
  paymentMethodId: string;
  /** The client's Idempotency-Key: the same key never charges twice. */
  idempotencyKey: string | null;
  createdBy: string | null;
}

/**
 * A manual purchase, as Stripe treats an idempotent request: a repeated key
 * with the same amount and card answers with the first purchase (charging it
 * only if it is still waiting for its charge), with other parameters it is
 * refused, and while the first request is charging it is a 409.
 */
export async function buyCredit(deps: PurchaseDeps, input: BuyInput): Promise<Purchase> {
  const { db } = deps;
  for (let attempt = 0; ; attempt++) {
    if (input.idempotencyKey !== null) {
      const row = await db.selectFrom('purchases').selectAll().where('organization_id', '=', input.organizationId).where('idempotency_key', '=', input.idempotencyKey).executeTakeFirst();
      if (row) {
        const first = purchaseOf(row);
        if (first.amount !== input.amount || first.paymentMethodId !== input.paymentMethodId) {
          throw new TollgateError('conflict', {
            param: 'Idempotency-Key',
            code: 'idempotency_key_reused',
            message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.',
          });
        }
        if (first.status !== 'pending') return first;
        if (row.lease_until !== null && Number(row.lease_until) > deps.clock.now()) {
          throw new TollgateError('conflict', { code: 'idempotency_key_in_use', message: 'A purchase with this Idempotency-Key is being charged right now. Retry in a moment.', headers: { 'retry-after': '1' } });
        }
        return chargePurchase(deps, first.id);
      }
    }
    try {
      const purchase = await insertPurchase(db, deps.provider.name, { ...input, source: 'manual', now: deps.clock.now() });
      return await chargePurchase(deps, purchase.id);
    } catch (err) {
      // Two requests with one key at once: the second finds the first on its next turn.
      if (!isUniqueViolation(err) || attempt > 0) throw err;
    }
  }
}
