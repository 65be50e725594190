import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantCredits, LedgerConflictError, postEntry, readAccount, verifyLedger, listEntries } from '../../src/billing/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { createPostgresDatabase, POSTGRES_URL, postgresSkipReason } from '../helpers/services.js';
import { tempDir } from '../helpers/tollgate.js';

const USD = 1_000_000_000_000n;
const NOW = Date.UTC(2026, 2, 14, 12);

/** The same ledger behaviour on both dialects. */
function ledgerContract(name: string, open: () => Promise<{ store: Store; cleanup(): Promise<void> }>) {
  describe(`credit ledger on ${name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await open());
      await store.migrate();
    });
    afterAll(async () => {
      await store.close();
      await cleanup();
    });

    it('posts an entry once per idempotency key and refuses the key for another movement', async () => {
      const org = 'org_idem';
      const first = await postEntry(store.db, { organizationId: org, kind: 'purchase', amount: 10n * USD, idempotencyKey: 'purchase:p1', description: 'purchase', now: NOW });
      const again = await postEntry(store.db, { organizationId: org, kind: 'purchase', amount: 10n * USD, idempotencyKey: 'purchase:p1', description: 'purchase', now: NOW + 1 });
      expect(first.created).toBe(true);
      expect(again).toEqual({ entry: first.entry, created: false });
      await expect(postEntry(store.db, { organizationId: org, kind: 'purchase', amount: 11n * USD, idempotencyKey: 'purchase:p1', description: 'purchase', now: NOW })).rejects.toBeInstanceOf(LedgerConflictError);
      // The same key in another organization is another entry.
      expect((await postEntry(store.db, { organizationId: 'org_other', kind: 'purchase', amount: 10n * USD, idempotencyKey: 'purchase:p1', description: 'purchase', now: NOW })).created).toBe(true);
      expect(await readAccount(store.db, org)).toMatchObject({ credited: 10n * USD, paid: 10n * USD, balance: 10n * USD, entries: 1, firstPaidAt: NOW });
    });

    it('refuses entries of the wrong sign', async () => {
      await expect(grantCredits(store.db, { organizationId: 'org_sign', amount: 0n, description: 'none', now: NOW })).rejects.toThrow(/grant entry must be positive/);
      await expect(postEntry(store.db, { organizationId: 'org_sign', kind: 'usage', amount: 5n, idempotencyKey: 'u', description: 'usage', now: NOW })).rejects.toThrow(/non positive/);
      await expect(postEntry(store.db, { organizationId: 'org_sign', kind: 'refund', amount: 5n, idempotencyKey: 'r', description: 'refund', now: NOW })).rejects.toThrow(/negative/);
      expect((await readAccount(store.db, 'org_sign')).entries).toBe(0);
    });

    it('is append-only: the database refuses to change or delete an entry', async () => {
      const { entry } = await grantCredits(store.db, { organizationId: 'org_frozen', amount: USD, description: 'grant', now: NOW });
      await expect(store.db.updateTable('ledger_entries').set({ amount_picos: 2n * USD }).where('id', '=', entry.id).execute()).rejects.toThrow(/append-only/);
      await expect(store.db.deleteFrom('ledger_entries').where('id', '=', entry.id).execute()).rejects.toThrow(/append-only/);
      const row = await store.db.selectFrom('ledger_entries').select('amount_picos').where('id', '=', entry.id).executeTakeFirstOrThrow();
      expect(row.amount_picos).toBe(USD);
    });

    it('numbers concurrent entries without gaps and chains the balance after each: balance = sum of entries', async () => {
      const org = 'org_busy';
      const kinds = ['purchase', 'grant', 'usage', 'refund', 'adjustment', 'expiry'] as const;
      const amounts = { purchase: 7n * USD, grant: 3n * USD, usage: -123_456_789n, refund: -USD, adjustment: 250_000_000n, expiry: -2n * USD } as const;
      // 60 entries at once: on PostgreSQL over several pooled connections, each in its own transaction.
      await Promise.all(
        Array.from({ length: 60 }, (_, i) => {
          const kind = kinds[i % kinds.length]!;
          return postEntry(store.db, { organizationId: org, kind, amount: amounts[kind], idempotencyKey: `k${i}`, description: kind, eventCount: kind === 'usage' ? 3 : 0, now: NOW + i });
        }),
      );
      const check = await verifyLedger(store.db, org);
      expect(check.problems).toEqual([]);
      expect(check.entries).toBe(60);
      const expected = 10n * (7n * USD + 3n * USD - 123_456_789n - USD + 250_000_000n - 2n * USD);
      expect(check.sum).toBe(expected);
      expect(check.balance).toBe(expected);
      const account = await readAccount(store.db, org);
      expect(account).toMatchObject({ debited: 10n * 123_456_789n, paid: 10n * 6n * USD, entries: 60 });
      const sum = await sql<{ s: string | bigint }>`select sum(amount_picos) as s from ledger_entries where organization_id = ${org}`.execute(store.db);
      expect(BigInt(sum.rows[0]!.s)).toBe(account.balance);
      const seqs = await store.db.selectFrom('ledger_entries').select('seq').where('organization_id', '=', org).orderBy('seq').execute();
      expect(seqs.map((r) => Number(r.seq))).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    });

    it('pages the ledger newest first', async () => {
      const first = await listEntries(store.db, 'org_busy', { limit: 25 });
      expect(first.entries.map((e) => e.seq)).toEqual(Array.from({ length: 25 }, (_, i) => 60 - i));
      expect(first.hasMore).toBe(true);
      const last = await listEntries(store.db, 'org_busy', { limit: 25, beforeSeq: 11 });
      expect(last.entries.map((e) => e.seq)).toEqual(Array.from({ length: 10 }, (_, i) => 10 - i));
      expect(last.hasMore).toBe(false);
      const usage = await listEntries(store.db, 'org_busy', { limit: 100, kind: 'usage' });
      expect(usage.entries).toHaveLength(10);
      expect(usage.entries.every((e) => e.kind === 'usage' && e.eventCount === 3)).toBe(true);
    });

    it('reports a ledger whose account totals were tampered with', async () => {
      await grantCredits(store.db, { organizationId: 'org_tampered', amount: USD, description: 'grant', now: NOW });
      await store.db.updateTable('credit_accounts').set({ granted_picos: 2n * USD }).where('organization_id', '=', 'org_tampered').execute();
      const check = await verifyLedger(store.db, 'org_tampered');
      expect(check.ok).toBe(false);
      expect(check.problems[0]).toMatch(/account totals \(credited 2000000000000, .* differ from the entries \(1000000000000,/);
    });
  });
}

ledgerContract('SQLite', async () => {
  const dir = tempDir();
  return { store: await openStore({ dataDir: dir.path }), cleanup: async () => dir.remove() };
});

describe.skipIf(!POSTGRES_URL)(`credit ledger on PostgreSQL${postgresSkipReason}`, () => {
  ledgerContract('PostgreSQL', async () => {
    const database = await createPostgresDatabase();
    return { store: await openStore({ databaseUrl: database.url, dataDir: '/nonexistent', poolSize: 8 }), cleanup: () => database.drop() };
  });
});

describe('the migration to the append-only ledger', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('numbers the entries written before it and rebuilds their balance chain', async () => {
    const store = await openStore({ dataDir: dir.path });
    try {
      const migrator = new Migrator({ db: store.db, provider: migrationProvider, migrationTableName: 'tollgate_migrations', migrationLockTableName: 'tollgate_migrations_lock', allowUnorderedMigrations: true });
      const before = await migrator.migrateTo('007-lean-usage-indexes');
      expect(before.error).toBeUndefined();
      const legacy = [
        { id: 'led_1', kind: 'grant', amount_picos: 5n * USD, created_at: 1 },
        { id: 'led_2', kind: 'usage', amount_picos: -300n, created_at: 2 },
        { id: 'led_3', kind: 'grant', amount_picos: USD, created_at: 3 },
      ];
      for (const row of legacy) {
        await sql`insert into ledger_entries (id, organization_id, kind, amount_picos, description, event_count, created_at) values (${row.id}, 'org_old', ${row.kind}, ${row.amount_picos}, 'old', 0, ${row.created_at})`.execute(store.db);
      }
      await sql`insert into credit_accounts (organization_id, granted_picos, debited_picos, updated_at) values ('org_old', ${6n * USD}, 300, 3)`.execute(store.db);
      await store.migrate();
      const rows = await store.db.selectFrom('ledger_entries').select(['id', 'seq', 'balance_after_picos', 'idempotency_key', 'effective_at']).orderBy('seq').execute();
      expect(rows).toEqual([
        { id: 'led_1', seq: 1n, balance_after_picos: 5n * USD, idempotency_key: 'legacy:led_1', effective_at: 1n },
        { id: 'led_2', seq: 2n, balance_after_picos: 5n * USD - 300n, idempotency_key: 'legacy:led_2', effective_at: 2n },
        { id: 'led_3', seq: 3n, balance_after_picos: 6n * USD - 300n, idempotency_key: 'legacy:led_3', effective_at: 3n },
      ]);
      expect((await verifyLedger(store.db, 'org_old')).problems).toEqual([]);
      // The next entry continues the chain.
      const { entry } = await grantCredits(store.db, { organizationId: 'org_old', amount: USD, description: 'grant', now: 4 });
      expect(entry).toMatchObject({ seq: 4, balanceAfter: 7n * USD - 300n });
    } finally {
      await store.close();
    }
  });
});
