import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/store/index.js';
import { insertEvents } from './helpers/usage-fixtures.js';
import { tempDir } from './helpers/tollgate.js';
import { startUsageMaintenance } from '../src/usage/index.js';

const DAY = 86_400_000;

describe('usage maintenance (fold + retention prune)', () => {
  let store: Store;
  let dir: ReturnType<typeof tempDir>;
  beforeAll(async () => {
    dir = tempDir();
    store = await openStore({ dataDir: dir.path });
    await store.migrate();
  });
  afterAll(async () => {
    await store.close();
    dir.remove();
  });

  const count = async (where: 'all' | 'unrolled') => {
    let q = store.db.selectFrom('usage_events').select(({ fn }) => fn.countAll<bigint>().as('n'));
    if (where === 'unrolled') q = q.where('rolled_up_at', 'is', null);
    return Number((await q.executeTakeFirstOrThrow()).n);
  };

  it('folds new events, prunes folded ones past retention at most hourly, and never an unfolded one', async () => {
    let now = Date.UTC(2026, 10, 27);
    const job = startUsageMaintenance({ store, clock: { now: () => now }, logger: pino({ level: 'silent' }), retentionDays: 30, intervalMs: 3_600_000 });
    await insertEvents(store.db, [
      { org: 'org_a', at: now - 40 * DAY, prompt: 1, cost: 10n },
      { org: 'org_a', at: now - 10 * DAY, prompt: 2, cost: 20n },
    ]);
    // First run: folds both, prunes the 40-day-old one (folded in the same run, before the prune).
    expect(await job.runOnce()).toEqual({ folded: 2, pruned: 1 });
    expect(await count('all')).toBe(1);

    // An old event arriving late is folded before it can be pruned; within the hour no prune runs.
    await insertEvents(store.db, [{ org: 'org_a', at: now - 50 * DAY, prompt: 3, cost: 30n }]);
    now += 60_000;
    expect(await job.runOnce()).toEqual({ folded: 1, pruned: 0 });
    now += 3_600_000;
    expect(await job.runOnce()).toEqual({ folded: 0, pruned: 1 });
    expect(await count('all')).toBe(1);
    expect(await count('unrolled')).toBe(0);

    // The rollups still hold all three events.
    const sums = await store.db.selectFrom('usage_rollups_hourly').select(({ fn }) => [fn.sum<bigint>('events').as('events'), fn.sum<bigint>('cost_picos').as('cost')]).executeTakeFirstOrThrow();
    expect([Number(sums.events), Number(sums.cost)]).toEqual([3, 60]);
    await job.stop();
  });
});
