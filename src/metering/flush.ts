import type { Kysely } from 'kysely';
// Straight from the modules, not the billing barrel: the usage writer thread loads this file and should not load the admin API with it.
import { addSpent, effectiveBudget, monthOf, readBudget, recordCrossings, type BudgetDefaults, type BudgetScope } from '../billing/budgets.js';
import { triggerAutoRecharge, type PurchaseBounds } from '../billing/auto-recharge.js';
import { postEntry } from '../billing/ledger.js';
import { recordBalanceCrossings, recordBudgetExhausted, recordSpendAlerts } from '../notices/crossings.js';
import type { Picos } from '../common/money.js';
import { toBigInt, type Database } from '../store/index.js';
import type { UsageEvent } from './recorder.js';

/** SQLite binds at most 32766 variables per statement; 23 columns x 500 rows stays well below. */
const INSERT_CHUNK = 500;

interface Sum {
  organizationId: string;
  scope: BudgetScope;
  scopeId: string;
  period: string;
  amount: Picos;
}

/** The usage debit of one organization and month in a batch. */
interface Debit {
  organizationId: string;
  amount: Picos;
  count: number;
  /** The latest event's time: the debit counts in the month of its events. */
  effectiveAt: number;
  /** The first event's id: the debit's idempotency key. */
  firstEventId: string;
}

function sums(events: UsageEvent[]): { debits: Map<string, Debit>; counters: Map<string, Sum> } {
  const debits = new Map<string, Debit>();
  const counters = new Map<string, Sum>();
  for (const e of events) {
    const cost = toBigInt(e.cost_picos);
    const at = Number(e.created_at);
    const period = monthOf(at);
    const debitKey = `${e.organization_id}/${period}`;
    const debit = debits.get(debitKey) ?? { organizationId: e.organization_id, amount: 0n, count: 0, effectiveAt: at, firstEventId: e.id };
    debit.amount += cost;
    debit.count += 1;
    if (at > debit.effectiveAt) debit.effectiveAt = at;
    debits.set(debitKey, debit);
    const scopes: [BudgetScope, string | null | undefined][] = [
      ['organization', e.organization_id],
      ['project', e.project_id],
      ['key', e.api_key_id],
    ];
    for (const [scope, scopeId] of scopes) {
      if (!scopeId) continue;
      const id = `${scope}/${scopeId}/${period}`;
      const sum = counters.get(id) ?? { organizationId: e.organization_id, scope, scopeId, period, amount: 0n };
      sum.amount += cost;
      counters.set(id, sum);
    }
  }
  return { debits, counters };
}

async function budgetLimit(trx: Kysely<Database>, sum: Sum, defaults: BudgetDefaults): Promise<{ limit: Picos | null; thresholds: number[] }> {
  const { monthlyLimit, thresholds } = effectiveBudget(await readBudget(trx, sum.scope, sum.scopeId), sum.scope, defaults);
  if (sum.scope !== 'key') return { limit: monthlyLimit, thresholds };
  // A key's cap lives on the key record (it travels with the key's principal).
  const key = await trx.selectFrom('api_keys').select('monthly_budget_picos').where('id', '=', sum.scopeId).executeTakeFirst();
  return { limit: key?.monthly_budget_picos ?? null, thresholds };
}

/**
 * One transaction: the events, one ledger debit per organization and month, the month
 * counters of every organization, project and key touched, and the threshold
 * crossings those counters made.
 */
/** What the writer needs besides the events: budgets that apply where none are set, and how auto-recharge purchases are made. */
export interface BatchOptions {
  budgetDefaults: BudgetDefaults;
  /** The payment provider recharge purchases go to, and the purchase bounds; absent: auto-recharge is not triggered. */
  recharge?: { provider: string; bounds: PurchaseBounds };
  /** Prepaid: a balance falling below this raises the "balance low" notice (and to zero "balance exhausted"); absent: no balance notices. */
  lowBalance?: Picos;
}

export async function writeBatch(db: Kysely<Database>, events: UsageEvent[], now: number, options: BatchOptions): Promise<void> {
  const defaults = options.budgetDefaults;
  const { debits, counters } = sums(events);
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < events.length; i += INSERT_CHUNK) await trx.insertInto('usage_events').values(events.slice(i, i + INSERT_CHUNK)).execute();
    // Rows are locked in one global order, so instances flushing at once cannot deadlock.
    const balances = new Map<string, Picos>();
    for (const [, debit] of [...debits].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const { entry } = await postEntry(trx, {
        organizationId: debit.organizationId,
        kind: 'usage',
        amount: -debit.amount,
        // Event ids are unique: a batch can only ever be debited once.
        idempotencyKey: `usage:${debit.firstEventId}`,
        description: `usage: ${debit.count} request(s)`,
        eventCount: debit.count,
        effectiveAt: debit.effectiveAt,
        actor: 'system',
        now,
      });
      balances.set(debit.organizationId, entry.balanceAfter);
      if (options.lowBalance !== undefined) {
        await recordBalanceCrossings(trx, { organizationId: debit.organizationId, entryId: entry.id, before: entry.balanceAfter + debit.amount, after: entry.balanceAfter, now }, options.lowBalance);
      }
    }
    // A balance now below an armed auto-recharge's threshold creates its purchase, once per crossing.
    const recharge = options.recharge;
    if (recharge) for (const [organizationId, balance] of balances) await triggerAutoRecharge(trx, organizationId, balance, recharge.provider, recharge.bounds, now);
    for (const [, sum] of [...counters].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const after = await addSpent(trx, sum.scope, sum.scopeId, sum.period, sum.amount);
      if (sum.amount === 0n) continue;
      const step = { ...sum, before: after - sum.amount, after, now };
      await recordSpendAlerts(trx, step);
      const { limit, thresholds } = await budgetLimit(trx, sum, defaults);
      if (limit === null || limit <= 0n) continue;
      await recordCrossings(trx, { ...step, limit, thresholds });
      await recordBudgetExhausted(trx, step, limit);
    }
  });
}
