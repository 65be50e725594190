import { PostgresAdapter, sql, type Kysely } from 'kysely';

// Forward-only. The credit ledger becomes append-only with idempotency keys:
// every entry gets an organization-wide sequence number, the balance after it,
// the time it counts for (`effective_at`: for a usage debit the time of its
// latest event, so a month's entries match that month's usage events) and an
// idempotency key unique per organization. Updates and deletes of entries are
// refused by the database itself.
// `credit_accounts` keeps running totals of the entries (written in the same
// transaction as each entry): credited (every entry but usage), usage
// debited, paid (purchases less refunds) and the number of entries.
export async function up(db: Kysely<unknown>): Promise<void> {
  const columns: [string, 'text' | 'bigint'][] = [
    ['idempotency_key', 'text'],
    ['seq', 'bigint'],
    ['balance_after_picos', 'bigint'],
    ['effective_at', 'bigint'],
    // The purchase, grant or usage batch the entry is for; who made it (admin key, user, cli, system).
    ['reference_id', 'text'],
    ['actor', 'text'],
  ];
  for (const [name, type] of columns) await db.schema.alterTable('ledger_entries').addColumn(name, type).execute();
  await db.schema.alterTable('credit_accounts').addColumn('paid_picos', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('credit_accounts').addColumn('first_paid_at', 'bigint').execute();
  await db.schema.alterTable('credit_accounts').addColumn('entries', 'bigint', (c) => c.notNull().defaultTo(0)).execute();

  // Entries written before this migration: numbered in time order, their balance chain rebuilt.
  const rows = await sql<{ id: string; organization_id: string; amount_picos: bigint | string; created_at: bigint | string }>`
    select id, organization_id, amount_picos, created_at from ledger_entries order by organization_id, created_at, id`.execute(db);
  const state = new Map<string, { seq: bigint; balance: bigint }>();
  for (const row of rows.rows) {
    const at = state.get(row.organization_id) ?? { seq: 0n, balance: 0n };
    at.seq += 1n;
    at.balance += BigInt(row.amount_picos);
    state.set(row.organization_id, at);
    await sql`update ledger_entries set idempotency_key = ${`legacy:${row.id}`}, seq = ${at.seq}, balance_after_picos = ${at.balance}, effective_at = ${BigInt(row.created_at)} where id = ${row.id}`.execute(db);
  }
  for (const [organizationId, at] of state) {
    await sql`update credit_accounts set entries = ${at.seq} where organization_id = ${organizationId}`.execute(db);
  }

  await db.schema.createIndex('ledger_entries_idempotency_uq').unique().on('ledger_entries').columns(['organization_id', 'idempotency_key']).execute();
  await db.schema.createIndex('ledger_entries_seq_uq').unique().on('ledger_entries').columns(['organization_id', 'seq']).execute();
  await db.schema.createIndex('ledger_entries_org_effective_idx').on('ledger_entries').columns(['organization_id', 'effective_at']).execute();

  // Append-only, enforced where no code path can forget it.
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`create function tollgate_ledger_append_only() returns trigger language plpgsql as $$
      begin raise exception 'ledger_entries is append-only: % refused', tg_op; end $$`.execute(db);
    await sql`create trigger ledger_entries_append_only before update or delete on ledger_entries
      for each row execute function tollgate_ledger_append_only()`.execute(db);
  } else {
    await sql`create trigger ledger_entries_no_update before update on ledger_entries
      begin select raise(abort, 'ledger_entries is append-only: UPDATE refused'); end`.execute(db);
    await sql`create trigger ledger_entries_no_delete before delete on ledger_entries
      begin select raise(abort, 'ledger_entries is append-only: DELETE refused'); end`.execute(db);
  }
}
