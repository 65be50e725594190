import type { Kysely } from 'kysely';
import { formatUsd, type Picos } from '../common/money.js';
// Straight from the module: the usage writer thread loads this file.
import { recordNotification } from '../control/notifications.js';
import type { Database } from '../store/index.js';

/**
 * Notices the usage writer raises inside the transaction that debits usage,
 * so a notice exists exactly when its debit does. Each is once per
 * threshold and period: the dedupe key names them, and the crossing test
 * (before < mark <= after) holds for one debit only, since debits of one
 * organization are serialised by its ledger row.
 */
export interface SpendStep {
  organizationId: string;
  scope: 'organization' | 'project' | 'key';
  scopeId: string;
  period: string;
  before: Picos;
  after: Picos;
  now: number;
}

const usd = (picos: Picos) => formatUsd(picos, 12).replace(/(\.\d\d\d*?)0+$/, '$1');

/** The month's spend reached the hard cap: requests charged to it are refused from now on. */
export async function recordBudgetExhausted(db: Kysely<Database>, step: SpendStep, limit: Picos): Promise<boolean> {
  if (!(step.before < limit && step.after >= limit)) return false;
  return recordNotification(db, { now: () => step.now }, {
    organizationId: step.organizationId,
    projectId: step.scope === 'project' ? step.scopeId : null,
    type: 'budget.exhausted',
    resourceId: step.scopeId,
    dedupeKey: `budget.exhausted:${step.scope}:${step.scopeId}:${step.period}`,
    payload: { scope: step.scope, scope_id: step.scopeId, period: step.period, limit_usd: usd(limit), spent_usd: usd(step.after) },
  });
}

/** OpenAI's spend alerts (dollar thresholds) of an organization or project that this step crossed. */
export async function recordSpendAlerts(db: Kysely<Database>, step: SpendStep): Promise<number> {
  if (step.scope === 'key') return 0;
  const alerts = await db
    .selectFrom('spend_alerts')
    .select(['id', 'threshold_picos'])
    .where('scope', '=', step.scope)
    .where('scope_id', '=', step.scopeId)
    .where('threshold_picos', '<=', step.after)
    .where('threshold_picos', '>', step.before)
    .execute();
  let recorded = 0;
  for (const alert of alerts) {
    const threshold = alert.threshold_picos;
    const once = await recordNotification(db, { now: () => step.now }, {
      organizationId: step.organizationId,
      projectId: step.scope === 'project' ? step.scopeId : null,
      type: 'budget.threshold_crossed',
      resourceId: step.scopeId,
      dedupeKey: `budget.threshold_crossed:${step.scope}:${step.scopeId}:${step.period}:alert:${alert.id}`,
      payload: { scope: step.scope, scope_id: step.scopeId, period: step.period, alert_id: alert.id, threshold_usd: usd(threshold), spent_usd: usd(step.after) },
    });
    if (once) recorded++;
  }
  return recorded;
}

export interface BalanceStep {
  organizationId: string;
  /** The usage debit that moved the balance (its id names the crossing: one debit crosses once). */
  entryId: string;
  before: Picos;
  after: Picos;
  now: number;
}

/** A prepaid balance that fell below the low mark, or to zero, with this debit. */
export async function recordBalanceCrossings(db: Kysely<Database>, step: BalanceStep, low: Picos): Promise<number> {
  let recorded = 0;
  if (step.before >= low && step.after < low && step.after > 0n) {
    const once = await recordNotification(db, { now: () => step.now }, {
      organizationId: step.organizationId,
      projectId: null,
      type: 'balance.low',
      resourceId: step.organizationId,
      dedupeKey: `balance.low:${step.organizationId}:${step.entryId}`,
      payload: { balance_usd: usd(step.after), threshold_usd: usd(low) },
    });
    if (once) recorded++;
  }
  if (step.before > 0n && step.after <= 0n) {
    const once = await recordNotification(db, { now: () => step.now }, {
      organizationId: step.organizationId,
      projectId: null,
      type: 'balance.exhausted',
      resourceId: step.organizationId,
      dedupeKey: `balance.exhausted:${step.organizationId}:${step.entryId}`,
      payload: { balance_usd: usd(step.after) },
    });
    if (once) recorded++;
  }
  return recorded;
}
