import { sql, type Kysely } from 'kysely';
import { TollgateError } from '../../common/errors.js';
import type { Picos } from '../../common/money.js';
import { toBigInt, type Database } from '../../store/index.js';
import { aggregateUsage } from '../../usage/index.js';
import type { EntryKind } from '../ledger.js';
import { readProfile, type BillingProfile } from '../profile.js';
import { purchaseOf, type Purchase } from '../purchases.js';

/**
 * What receipts and statements say, read once from the ledger, the purchases
 * and the usage; `render.ts` turns it into JSON, CSV or PDF, so the three
 * formats cannot disagree.
 */
export interface Receipt {
  number: string;
  purchase: Purchase;
  card: { brand: string; last4: string };
  organization: BillingProfile;
}

export async function readReceipt(db: Kysely<Database>, organizationId: string, purchaseId: string): Promise<Receipt> {
  const row = await db.selectFrom('purchases').selectAll().where('id', '=', purchaseId).where('organization_id', '=', organizationId).executeTakeFirst();
  if (!row) throw new TollgateError('not_found', { message: `No such purchase: ${purchaseId.slice(0, 100)}` });
  const purchase = purchaseOf(row);
  if (purchase.status !== 'succeeded' || purchase.receiptNumber === null) {
    throw new TollgateError('not_found', { message: `Purchase ${purchase.id} has no receipt: only a successful purchase has one (this one is ${purchase.status}).` });
  }
  const card = await db.selectFrom('payment_methods').select(['brand', 'last4']).where('id', '=', purchase.paymentMethodId).executeTakeFirst();
  return { number: purchase.receiptNumber, purchase, card: card ?? { brand: 'card', last4: '????' }, organization: await readProfile(db, organizationId) };
}

export interface StatementLine {
  date: number;
  kind: EntryKind;
  description: string;
  amount: Picos;
  /** The purchase's receipt number, for purchases. */
  receiptNumber: string | null;
}

export interface UsageLine {
  projectId: string | null;
  projectName: string | null;
  model: string;
  requests: bigint;
  cost: Picos;
}

export interface Statement {
  organization: BillingProfile;
  /** `YYYY-MM` (UTC). */
  period: string;
  from: number;
  to: number;
  opening: Picos;
  closing: Picos;
  purchases: StatementLine[];
  /** Grants, refunds, adjustments and expiries: every entry but purchases and usage. */
  credits: StatementLine[];
  /** The usage debits of the ledger in the month (they equal the usage events' costs). */
  usageDebited: Picos;
  usage: UsageLine[];
}

/** The month `YYYY-MM` as [from, to) in epoch ms, UTC; a 400 naming `period` otherwise. */
export function monthRange(period: string): { from: number; to: number } {
  const match = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(period);
  if (!match) throw new TollgateError('invalid_value', { param: 'period', message: `A statement period is a month such as "2026-05", not ${JSON.stringify(period.slice(0, 40))}.` });
  const year = Number(match[1]);
  const month = Number(match[2]) - 1;
  return { from: Date.UTC(year, month, 1), to: Date.UTC(year, month + 1, 1) };
}

async function ledgerSum(db: Kysely<Database>, organizationId: string, before: number): Promise<Picos> {
  const row = await db
    .selectFrom('ledger_entries')
    .select(sql<string | bigint | null>`sum(amount_picos)`.as('total'))
    .where('organization_id', '=', organizationId)
    .where('effective_at', '<', BigInt(before))
    .executeTakeFirst();
  return toBigInt(row?.total ?? 0n);
}

/**
 * A month's statement: the balance at its start and end (the ledger's
 * entries that count before each instant, by `effective_at`), the purchases,
 * the other credits, and usage by project and model from the usage events.
 * opening + purchases + credits - usage = closing, to the picodollar.
 */
export async function readStatement(db: Kysely<Database>, organizationId: string, period: string): Promise<Statement> {
  const { from, to } = monthRange(period);
  const [organization, opening, closing, entries, usageRows] = await Promise.all([
    readProfile(db, organizationId),
    ledgerSum(db, organizationId, from),
    ledgerSum(db, organizationId, to),
    db
      .selectFrom('ledger_entries')
      .leftJoin('purchases', 'purchases.ledger_entry_id', 'ledger_entries.id')
      .select(['ledger_entries.kind', 'ledger_entries.amount_picos', 'ledger_entries.description', 'ledger_entries.effective_at', 'ledger_entries.seq', 'purchases.receipt_number'])
      .where('ledger_entries.organization_id', '=', organizationId)
      .where('ledger_entries.effective_at', '>=', BigInt(from))
      .where('ledger_entries.effective_at', '<', BigInt(to))
      .orderBy('ledger_entries.effective_at')
      .orderBy('ledger_entries.seq')
      .execute(),
    aggregateUsage(db, { organizationId, endpoints: null, from, to, origin: from, width: to - from, useRollups: true, projectIds: [], apiKeyIds: [], models: [], groupBy: ['project_id', 'model'] }),
  ]);
  const purchases: StatementLine[] = [];
  const credits: StatementLine[] = [];
  let usageDebited = 0n;
  for (const e of entries) {
    const amount = toBigInt(e.amount_picos);
    if (e.kind === 'usage') {
      usageDebited -= amount;
      continue;
    }
    const line = { date: Number(e.effective_at), kind: e.kind as EntryKind, description: e.description, amount, receiptNumber: e.receipt_number ?? null };
    (e.kind === 'purchase' ? purchases : credits).push(line);
  }
  const projectIds = [...new Set(usageRows.map((r) => r.projectId).filter((id): id is string => id !== null))];
  const projects = projectIds.length === 0 ? [] : await db.selectFrom('projects').select(['id', 'name']).where('id', 'in', projectIds).execute();
  const names = new Map(projects.map((p) => [p.id, p.name]));
  const usage = usageRows
    .filter((r) => r.events > 0n)
    .map((r) => ({ projectId: r.projectId, projectName: r.projectId ? (names.get(r.projectId) ?? null) : null, model: r.model ?? '', requests: r.events, cost: r.costPicos }))
    .sort((a, b) => (a.projectName ?? '').localeCompare(b.projectName ?? '') || a.model.localeCompare(b.model));
  return { organization, period, from, to, opening, closing, purchases, credits, usageDebited, usage };
}
