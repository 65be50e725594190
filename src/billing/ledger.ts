import { sql, type Kysely } from 'kysely';
import { newId } from '../common/ids.js';
import type { Picos } from '../common/money.js';
import { toBigInt, type Database } from '../store/index.js';

/**
 * The credit ledger: every grant and every usage debit is an integer
 * picodollar entry, and `credit_accounts` keeps the running totals in the same
 * transaction, so balance = granted - debited = the sum of the entries.
 */
export interface CreditAccount {
  organizationId: string;
  granted: Picos;
  debited: Picos;
  balance: Picos;
}

async function addToAccount(db: Kysely<Database>, organizationId: string, granted: Picos, debited: Picos, now: number): Promise<void> {
  await db
    .insertInto('credit_accounts')
    .values({ organization_id: organizationId, granted_picos: granted, debited_picos: debited, updated_at: now })
    .onConflict((oc) =>
      oc.column('organization_id').doUpdateSet({
        granted_picos: sql`credit_accounts.granted_picos + excluded.granted_picos`,
        debited_picos: sql`credit_accounts.debited_picos + excluded.debited_picos`,
        updated_at: now,
      }),
    )
    .execute();
}

export async function grantCredits(db: Kysely<Database>, organizationId: string, amount: Picos, description: string, now: number): Promise<string> {
  if (amount <= 0n) throw new RangeError('a credit grant must be positive');
  const id = newId('led', now);
  await db
    .insertInto('ledger_entries')
    .values({ id, organization_id: organizationId, kind: 'grant', amount_picos: amount, description, event_count: 0, created_at: now })
    .execute();
  await addToAccount(db, organizationId, amount, 0n, now);
  return id;
}

/** One debit entry for a batch of usage events of one organization (called inside the metering transaction). */
export async function debitUsage(db: Kysely<Database>, organizationId: string, amount: Picos, eventCount: number, now: number): Promise<void> {
  await db
    .insertInto('ledger_entries')
    .values({ id: newId('led', now), organization_id: organizationId, kind: 'usage', amount_picos: -amount, description: `usage: ${eventCount} request(s)`, event_count: eventCount, created_at: now })
    .execute();
  await addToAccount(db, organizationId, 0n, amount, now);
}

export async function readAccount(db: Kysely<Database>, organizationId: string): Promise<CreditAccount> {
  const row = await db.selectFrom('credit_accounts').select(['granted_picos', 'debited_picos']).where('organization_id', '=', organizationId).executeTakeFirst();
  const granted = toBigInt(row?.granted_picos);
  const debited = toBigInt(row?.debited_picos);
  return { organizationId, granted, debited, balance: granted - debited };
}
