import { writeFileSync } from 'node:fs';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/tollgate.js';
import { openStore, type Store } from '../store/index.js';
import { createUsageRecorder, type UsageEvent } from './recorder.js';
import { startBatchWriter } from './writer.js';

const defaults = { organization: null, project: null, thresholds: [50, 80, 100] };

function event(i: number, cost: bigint): UsageEvent {
  return {
    id: `evt_${i}`,
    request_id: `req_${i}`,
    organization_id: 'org_a',
    project_id: 'proj_a',
    api_key_id: 'key_a',
    endpoint: 'chat.completions',
    model: 'tollgate-sim',
    provider: 'simulator',
    deployment_model: 'tollgate-sim',
    prompt_tokens: 10,
    cached_tokens: 0,
    cache_write_tokens: 0,
    completion_tokens: 5,
    reasoning_tokens: 0,
    cost_picos: cost,
    usage_estimated: 0,
    latency_ms: 3,
    ttft_ms: null,
    status: 'ok',
    http_status: 200,
    error_code: null,
    created_at: Date.UTC(2026, 10, 27),
  };
}

describe('usage recorder', () => {
  const dir = tempDir();
  let store: Store;
  let dataDir: string;
  beforeEach(async () => {
    dataDir = `${dir.path}/${Math.random()}`;
    store = await openStore({ dataDir });
    await store.migrate();
  });
  const writer = () => startBatchWriter({ dataDir, budgetDefaults: defaults });
  afterEach(async () => {
    await store.close();
  });
  afterAll(() => dir.remove());

  it('keeps a batch the store refused and writes it, once, when the store is back', async () => {
    const recorder = createUsageRecorder({ writer: writer(), logger: pino({ level: 'silent' }), flushIntervalMs: 60_000, batchSize: 1000, now: () => Date.UTC(2026, 10, 27) });
    // A real failure: the table is gone for a moment.
    await sql`alter table usage_events rename to usage_events_away`.execute(store.db);
    for (let i = 0; i < 10; i++) recorder.record(event(i, 7n));
    await recorder.flush();
    expect(recorder.pending()).toBe(10);
    await sql`alter table usage_events_away rename to usage_events`.execute(store.db);
    await recorder.close();
    expect(recorder.pending()).toBe(0);
    const rows = await store.db.selectFrom('usage_events').select('id').execute();
    expect(rows).toHaveLength(10);
    // The failed attempt rolled back whole: no debit or counter was written twice.
    const ledger = await store.db.selectFrom('ledger_entries').selectAll().execute();
    expect(ledger.map((l) => [l.amount_picos, l.event_count])).toEqual([[-70n, 10n]]);
    const counters = await store.db.selectFrom('spend_counters').select(['scope', 'spent_picos']).orderBy('scope').execute();
    expect(counters).toEqual([
      { scope: 'key', spent_picos: 70n },
      { scope: 'organization', spent_picos: 70n },
      { scope: 'project', spent_picos: 70n },
    ]);
  });

  it('writes a full batch at once, without waiting for the interval', async () => {
    const recorder = createUsageRecorder({ writer: writer(), logger: pino({ level: 'silent' }), flushIntervalMs: 60_000, batchSize: 5, now: () => Date.UTC(2026, 10, 27) });
    for (let i = 0; i < 4; i++) recorder.record(event(i, 1n));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await store.db.selectFrom('usage_events').select('id').execute()).toHaveLength(0);
    recorder.record(event(4, 1n));
    // The fifth event fills the batch: it is written now, not in 60 s.
    for (let i = 0; i < 1000 && recorder.pending() > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(recorder.pending()).toBe(0);
    expect(await store.db.selectFrom('usage_events').select('id').execute()).toHaveLength(5);
    await recorder.close();
  });
});

describe('usage writer thread', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('reports a batch unwritten when its thread cannot open the store, and starts a new thread for the next one', async () => {
    // A data directory that cannot be created: the thread fails while opening the store.
    const blocker = `${dir.path}/a-file`;
    writeFileSync(blocker, '');
    const writer = startBatchWriter({ dataDir: `${blocker}/data`, budgetDefaults: defaults });
    await expect(writer.write([event(1, 1n)], Date.UTC(2026, 10, 27))).rejects.toThrow(/ENOTDIR/);
    await expect(writer.write([event(2, 1n)], Date.UTC(2026, 10, 27))).rejects.toThrow(/ENOTDIR/);
    await writer.close();
  });
});
