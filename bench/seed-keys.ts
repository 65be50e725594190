/**
 * Fills a stopped Tollgate's store with `count` more project keys (the memory
 * figures are taken with a store of realistic size) and gives the bootstrap
 * project key a monthly budget, so every request reserves against one.
 */
import { randomBytes } from 'node:crypto';
import { openStore } from '../src/store/index.js';

export async function seedKeys(dataDir: string, count: number, budgetPicos: bigint): Promise<void> {
  const store = await openStore({ dataDir });
  try {
    const db = store.db;
    const first = await db.selectFrom('api_keys').select(['id', 'organization_id', 'project_id']).where('kind', '=', 'project').executeTakeFirstOrThrow();
    await db.updateTable('api_keys').set({ monthly_budget_picos: budgetPicos }).where('id', '=', first.id).execute();
    const now = Date.now();
    for (let i = 0; i < count; i += 1000) {
      const rows = Array.from({ length: Math.min(1000, count - i) }, (_, j) => {
        const n = i + j;
        return {
          id: `key_${(now - (count - n) * 1000).toString(36).padStart(10, '0')}${n.toString(36).padStart(6, '0')}`,
          kind: 'project', organization_id: first.organization_id, project_id: first.project_id, name: `bench key ${n}`,
          hash: randomBytes(32).toString('hex'), redacted: `sk-proj-...${n.toString(36).slice(-4).padStart(4, '0')}`,
          status: 'active', permissions: '{"mode":"all"}', created_by: null, created_at: now - (count - n) * 1000,
          expires_at: null, last_used_at: null, allowed_ips: null, rpm_limit: null, tpm_limit: null, monthly_budget_picos: null,
          service_account_id: null, updated_at: null, revoked_at: null, revoked_reason: null, rotated_from_id: null, rotated_to_id: null, revoke_at: null,
        };
      });
      await db.insertInto('api_keys').values(rows as never).execute();
    }
  } finally {
    await store.close();
  }
}
