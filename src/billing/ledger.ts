import { sql, type Kysely, type Selectable } from 'kysely';
import { newId } from '../common/ids.js';
import type { Picos } from '../common/money.js';
import { toBigInt, type Database, type LedgerEntriesTable } from '../store/index.js';

/**
 * The credit ledger: one append-only entry per money movement, in integer
 * picodollars, each with an idempotency key unique in its organization.
 * `credit_accounts` holds the running totals of the entries, changed in the
 * same transaction as each entry under the account's row lock, so every entry
 * gets the next sequence number and the balance after it:
 * balance = credited - usage debited = the sum of the entries.
 */
export type EntryKind = 'purchase' | 'grant' | 'usage' | 'refund' | 'adjustment' | 'expiry';

/** The sign each kind must have: money in, money out, or either (adjustments). */
const SIGNS: Record<EntryKind, 'positive' | 'negative' | 'non-positive' | 'non-zero'> = {
  purchase: 'positive',
  grant: 'positive',
  // A batch of requests on unpriced models costs 0 and is still entered, so event counts reconcile.
  usage: 'non-positive',
  refund: 'negative',
  expiry: 'negative',
  adjustment: 'non-zero',
};

export interface EntryInput {
  organizationId: string;
  kind: EntryKind;
  /** Signed: money in is positive. */
  amount: Picos;
  /** Unique per organization: posting the same key again returns the first entry and changes nothing. */
  idempotencyKey: string;
  description: string;
  now: number;
  /** When the movement counts (statements, months); default `now`. */
  effectiveAt?: number;
  referenceId?: string | null;
  actor?: string | null;
  /** Usage debits: how many usage events the entry covers. */
  eventCount?: number;
}

export interface LedgerEntry {
  id: string;
  organizationId: string;
  seq: number;
  kind: EntryKind;
  amount: Picos;
  balanceAfter: Picos;
  description: string;
  idempotencyKey: string;
  referenceId: string | null;
  actor: string | null;
  eventCount: number;
  effectiveAt: number;
  createdAt: number;
}

export interface CreditAccount {
  organizationId: string;
  /** Every entry but usage debits: purchases, grants, refunds, adjustments, expiries. */
  credited: Picos;
  /** Usage debits, as a positive amount. */
  debited: Picos;
  balance: Picos;
  /** Purchases less refunds: what usage tiers follow. */
  paid: Picos;
  firstPaidAt: number | null;
  entries: number;
}

/** The same idempotency key was posted again for a different movement. */
export class LedgerConflictError extends Error {
  override readonly name = 'LedgerConflictError';
}

function checkSign(kind: EntryKind, amount: Picos): void {
  const sign = SIGNS[kind];
  const ok = sign === 'positive' ? amount > 0n : sign === 'negative' ? amount < 0n : sign === 'non-positive' ? amount <= 0n : amount !== 0n;
  if (!ok) throw new RangeError(`a ${kind} entry must be ${sign.replace('-', ' ')}, not ${amount}`);
}

export function entryOf(row: Selectable<LedgerEntriesTable>): LedgerEntry {
  return {
    id: row.id,
    organizationId: row.organization_id,
    seq: Number(row.seq),
    kind: row.kind as EntryKind,
    amount: toBigInt(row.amount_picos),
    balanceAfter: toBigInt(row.balance_after_picos),
    description: row.description,
    idempotencyKey: row.idempotency_key,
    referenceId: row.reference_id,
    actor: row.actor,
    eventCount: Number(row.event_count),
    effectiveAt: Number(row.effective_at),
    createdAt: Number(row.created_at),
  };
}

/**
 * Posts one entry, exactly once per idempotency key, inside the caller's
 * transaction (or its own). Steps: make sure the account exists, take its
 * row lock (so entries of one organization are numbered one at a time across
 * instances), look the key up, then add to the totals and append the entry.
 */
export async function postEntry(db: Kysely<Database>, input: EntryInput): Promise<{ entry: LedgerEntry; created: boolean }> {
  checkSign(input.kind, input.amount);
  if (!db.isTransaction) return db.transaction().execute((trx) => postEntry(trx, input));
  const { organizationId, amount, now } = input;
  await db
    .insertInto('credit_accounts')
    .values({ organization_id: organizationId, granted_picos: 0n, debited_picos: 0n, paid_picos: 0n, entries: 0n, first_paid_at: null, updated_at: now })
    .onConflict((oc) => oc.column('organization_id').doNothing())
    .execute();
  await db.updateTable('credit_accounts').set({ updated_at: now }).where('organization_id', '=', organizationId).execute();
  const existing = await db.selectFrom('ledger_entries').selectAll().where('organization_id', '=', organizationId).where('idempotency_key', '=', input.idempotencyKey).executeTakeFirst();
  if (existing) {
    const entry = entryOf(existing);
    if (entry.kind !== input.kind || entry.amount !== amount) {
      throw new LedgerConflictError(`idempotency key ${input.idempotencyKey} was used for a ${entry.kind} of ${entry.amount} picodollars`);
    }
    return { entry, created: false };
  }
  const usage = input.kind === 'usage';
  const paid = input.kind === 'purchase' || input.kind === 'refund' ? amount : 0n;
  const totals = await db
    .updateTable('credit_accounts')
    .set({
      granted_picos: sql`granted_picos + ${usage ? 0n : amount}`,
      debited_picos: sql`debited_picos + ${usage ? -amount : 0n}`,
      paid_picos: sql`paid_picos + ${paid}`,
      first_paid_at: input.kind === 'purchase' ? sql`coalesce(first_paid_at, ${now})` : sql`first_paid_at`,
      entries: sql`entries + 1`,
    })
    .where('organization_id', '=', organizationId)
    .returning(['granted_picos', 'debited_picos', 'entries'])
    .executeTakeFirstOrThrow();
  const row = {
    id: newId('led', now),
    organization_id: organizationId,
    kind: input.kind,
    amount_picos: amount,
    description: input.description,
    event_count: input.eventCount ?? 0,
    created_at: now,
    idempotency_key: input.idempotencyKey,
    seq: toBigInt(totals.entries),
    balance_after_picos: toBigInt(totals.granted_picos) - toBigInt(totals.debited_picos),
    effective_at: input.effectiveAt ?? now,
    reference_id: input.referenceId ?? null,
    actor: input.actor ?? null,
  };
  await db.insertInto('ledger_entries').values(row).execute();
  return { entry: entryOf({ ...row, amount_picos: amount, event_count: BigInt(row.event_count), created_at: BigInt(now), effective_at: BigInt(row.effective_at) }), created: true };
}

export interface GrantInput {
  organizationId: string;
  amount: Picos;
  description: string;
  now: number;
  /** Default: a fresh key (each call is a new grant). */
  idempotencyKey?: string;
  actor?: string | null;
}

export async function grantCredits(db: Kysely<Database>, input: GrantInput): Promise<{ entry: LedgerEntry; created: boolean }> {
  const id = newId('led', input.now);
  return postEntry(db, {
    organizationId: input.organizationId,
    kind: 'grant',
    amount: input.amount,
    idempotencyKey: input.idempotencyKey ?? `grant:${id}`,
    description: input.description,
    actor: input.actor ?? null,
    now: input.now,
  });
}

export async function readAccount(db: Kysely<Database>, organizationId: string): Promise<CreditAccount> {
  const row = await db.selectFrom('credit_accounts').selectAll().where('organization_id', '=', organizationId).executeTakeFirst();
  const credited = toBigInt(row?.granted_picos);
  const debited = toBigInt(row?.debited_picos);
  return {
    organizationId,
    credited,
    debited,
    balance: credited - debited,
    paid: toBigInt(row?.paid_picos),
    firstPaidAt: row?.first_paid_at == null ? null : Number(row.first_paid_at),
    entries: Number(row?.entries ?? 0),
  };
}

/** Newest first; `before` is a sequence number (exclusive). */
export async function listEntries(db: Kysely<Database>, organizationId: string, page: { limit: number; beforeSeq?: number; kind?: EntryKind }): Promise<{ entries: LedgerEntry[]; hasMore: boolean }> {
  let query = db.selectFrom('ledger_entries').selectAll().where('organization_id', '=', organizationId);
  if (page.beforeSeq !== undefined) query = query.where('seq', '<', BigInt(page.beforeSeq));
  if (page.kind) query = query.where('kind', '=', page.kind);
  const rows = await query.orderBy('seq', 'desc').limit(page.limit + 1).execute();
  return { entries: rows.slice(0, page.limit).map(entryOf), hasMore: rows.length > page.limit };
}

export interface LedgerCheck {
  ok: boolean;
  entries: number;
  /** Sum of every entry. */
  sum: Picos;
  balance: Picos;
  problems: string[];
}

/**
 * Re-adds an organization's whole ledger: the entries are numbered 1..n
 * without gaps, each balance_after is the previous one plus its amount, and
 * the account's totals equal the sums of the entries.
 */
export async function verifyLedger(db: Kysely<Database>, organizationId: string): Promise<LedgerCheck> {
  const problems: string[] = [];
  const account = await readAccount(db, organizationId);
  let sum = 0n;
  let credited = 0n;
  let debited = 0n;
  let paid = 0n;
  let expected = 1;
  let lastSeq = 0;
  for (;;) {
    const rows = await db.selectFrom('ledger_entries').selectAll().where('organization_id', '=', organizationId).where('seq', '>', BigInt(lastSeq)).orderBy('seq').limit(1000).execute();
    if (rows.length === 0) break;
    for (const entry of rows.map(entryOf)) {
      if (entry.seq !== expected) problems.push(`entry ${entry.id}: sequence ${entry.seq}, expected ${expected}`);
      sum += entry.amount;
      if (entry.kind === 'usage') debited -= entry.amount;
      else credited += entry.amount;
      if (entry.kind === 'purchase' || entry.kind === 'refund') paid += entry.amount;
      if (entry.balanceAfter !== sum) problems.push(`entry ${entry.id}: balance after ${entry.balanceAfter}, the entries add up to ${sum}`);
      expected = entry.seq + 1;
      lastSeq = entry.seq;
    }
  }
  if (credited !== account.credited || debited !== account.debited || paid !== account.paid) {
    problems.push(`account totals (credited ${account.credited}, debited ${account.debited}, paid ${account.paid}) differ from the entries (${credited}, ${debited}, ${paid})`);
  }
  if (expected - 1 !== account.entries) problems.push(`account counts ${account.entries} entries, the ledger holds ${expected - 1}`);
  return { ok: problems.length === 0, entries: expected - 1, sum, balance: account.balance, problems };
}
