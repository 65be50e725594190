import { sql, type Kysely } from 'kysely';
import { formatUsd, parseUsd, type Picos } from '../common/money.js';
import { recordNotification } from '../control/notifications.js';
import { toBigInt, type Database } from '../store/index.js';

export type BudgetScope = 'organization' | 'project' | 'key';

export interface Budget {
  scope: BudgetScope;
  scopeId: string;
  /** Hard cap per calendar month (UTC); null = none. */
  monthlyLimit: Picos | null;
  /** Percentages of the limit at which a notification event is recorded. */
  thresholds: number[];
}

/** What applies where no budget row exists. */
export interface BudgetDefaults {
  organization: Picos | null;
  project: Picos | null;
  thresholds: number[];
}

export function budgetDefaults(config: { organization_monthly_usd: string | null; project_monthly_usd: string | null; thresholds: number[] }): BudgetDefaults {
  return {
    organization: config.organization_monthly_usd === null ? null : parseUsd(config.organization_monthly_usd),
    project: config.project_monthly_usd === null ? null : parseUsd(config.project_monthly_usd),
    thresholds: config.thresholds,
  };
}

/** A scope's budget as enforced: its own row, else the defaults (a row with a null limit means no cap). A key's limit lives on the key. */
export function effectiveBudget(row: Budget | null, scope: BudgetScope, defaults: BudgetDefaults): { monthlyLimit: Picos | null; thresholds: number[] } {
  const fallback = scope === 'organization' ? defaults.organization : scope === 'project' ? defaults.project : null;
  return { monthlyLimit: row ? row.monthlyLimit : fallback, thresholds: row?.thresholds ?? defaults.thresholds };
}

/** Calendar month, UTC: budgets reset at 00:00 UTC on the 1st. */
let cachedMonth = { from: 0, to: -1, name: '' };

/** `YYYY-MM` (UTC) of a time; the current month is remembered, it is asked for on every request. */
export function monthOf(ms: number): string {
  if (ms >= cachedMonth.from && ms < cachedMonth.to) return cachedMonth.name;
  const date = new Date(ms);
  const from = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  const to = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
  cachedMonth = { from, to, name: date.toISOString().slice(0, 7) };
  return cachedMonth.name;
}

export async function readBudget(db: Kysely<Database>, scope: BudgetScope, scopeId: string): Promise<Budget | null> {
  const row = await db.selectFrom('spend_budgets').selectAll().where('scope', '=', scope).where('scope_id', '=', scopeId).executeTakeFirst();
  if (!row) return null;
  return { scope, scopeId, monthlyLimit: row.monthly_limit_picos, thresholds: JSON.parse(row.thresholds) as number[] };
}

export async function writeBudget(db: Kysely<Database>, budget: Budget, now: number): Promise<void> {
  const values = { monthly_limit_picos: budget.monthlyLimit, thresholds: JSON.stringify(budget.thresholds), updated_at: now };
  await db
    .insertInto('spend_budgets')
    .values({ scope: budget.scope, scope_id: budget.scopeId, ...values })
    .onConflict((oc) => oc.columns(['scope', 'scope_id']).doUpdateSet(values))
    .execute();
}

export async function readSpent(db: Kysely<Database>, scope: BudgetScope, scopeId: string, period: string): Promise<Picos> {
  const row = await db
    .selectFrom('spend_counters')
    .select('spent_picos')
    .where('scope', '=', scope)
    .where('scope_id', '=', scopeId)
    .where('period', '=', period)
    .executeTakeFirst();
  return toBigInt(row?.spent_picos);
}

/** Adds to a month's spent counter (inside the metering transaction); returns the new total. */
export async function addSpent(db: Kysely<Database>, scope: BudgetScope, scopeId: string, period: string, amount: Picos): Promise<Picos> {
  const row = await db
    .insertInto('spend_counters')
    .values({ scope, scope_id: scopeId, period, spent_picos: amount })
    .onConflict((oc) => oc.columns(['scope', 'scope_id', 'period']).doUpdateSet({ spent_picos: sql`spend_counters.spent_picos + excluded.spent_picos` }))
    .returning('spent_picos')
    .executeTakeFirstOrThrow();
  return toBigInt(row.spent_picos);
}

export interface ThresholdCrossing {
  organizationId: string;
  scope: BudgetScope;
  scopeId: string;
  period: string;
  limit: Picos;
  before: Picos;
  after: Picos;
  thresholds: number[];
  now: number;
}

/** Records each threshold the counter crossed (once per scope, month and threshold, whichever instance sees it first). */
export async function recordCrossings(db: Kysely<Database>, c: ThresholdCrossing): Promise<number> {
  let recorded = 0;
  for (const percent of c.thresholds) {
    const mark = (c.limit * BigInt(percent)) / 100n;
    if (!(c.before < mark && c.after >= mark)) continue;
    const once = await recordNotification(db, { now: () => c.now }, {
      organizationId: c.organizationId,
      projectId: c.scope === 'project' ? c.scopeId : null,
      type: 'budget.threshold_crossed',
      resourceId: c.scopeId,
      // Several instances flushing at once record a crossing once.
      dedupeKey: `budget.threshold_crossed:${c.scope}:${c.scopeId}:${c.period}:${percent}`,
      payload: { scope: c.scope, scope_id: c.scopeId, period: c.period, threshold_percent: percent, limit_usd: formatUsd(c.limit, 12), spent_usd: formatUsd(c.after, 12) },
    });
    if (once) recorded++;
  }
  return recorded;
}
