import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/store/index.js';
import { foldUsageBatch, foldUsageEvents, parseReportQuery, pruneUsageEvents, readReport, type ReportKind } from '../src/usage/index.js';
import { createPostgresDatabase, POSTGRES_URL, postgresSkipReason } from './helpers/services.js';
import { tempDir } from './helpers/tollgate.js';
import { insertEvents, type TestEvent } from './helpers/usage-fixtures.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const D = Date.UTC(2026, 9, 30); // 2026-10-30T00:00:00Z

/** A small deterministic PRNG, so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeEvents(count: number, seed: number, from: number, span: number): TestEvent[] {
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  return Array.from({ length: count }, () => {
    const endpoint = pick(['chat.completions', 'chat.completions', 'responses', 'embeddings']);
    return {
      org: pick(['org_a', 'org_a', 'org_b']),
      project: pick(['proj_1', 'proj_2', 'proj_3', null]),
      key: pick(['key_1', 'key_2', 'key_3']),
      model: endpoint === 'embeddings' ? 'text-embedding-3-small' : pick(['gpt-5.4-nano', 'gpt-5.4-mini', 'o3']),
      endpoint,
      at: from + Math.floor(rnd() * span),
      prompt: Math.floor(rnd() * 5000),
      cached: Math.floor(rnd() * 100),
      completion: endpoint === 'embeddings' ? 0 : Math.floor(rnd() * 2000),
      // Costs up to ~$1,000 each: far past a double's exact integer range once summed in picodollars.
      cost: BigInt(Math.floor(rnd() * 1e9)) * 1_000_000n + BigInt(Math.floor(rnd() * 1e6)),
      status: pick(['ok', 'ok', 'ok', 'aborted', 'error'] as const),
    };
  });
}

const ENDPOINTS: Record<ReportKind, string[] | null> = { completions: ['chat.completions', 'responses', 'completions'], embeddings: ['embeddings'], costs: null };

/** What a report must say, computed from the events in JS with bigint sums. */
function expected(events: TestEvent[], kind: ReportKind, org: string, start: number, end: number, widthMs: number): Map<string, string> {
  const out = new Map<string, { cost: bigint; prompt: bigint; completion: bigint; cached: bigint; requests: bigint }>();
  for (const e of events) {
    if (e.org !== org || e.at < start || e.at >= end) continue;
    if (ENDPOINTS[kind] && !ENDPOINTS[kind]!.includes(e.endpoint!)) continue;
    const bucket = Math.max(start, Math.floor(e.at / widthMs) * widthMs) / 1000;
    const key = [bucket, e.project ?? null, e.key, e.model].join('|');
    const sums = out.get(key) ?? { cost: 0n, prompt: 0n, completion: 0n, cached: 0n, requests: 0n };
    sums.cost += e.cost!;
    sums.prompt += BigInt(e.prompt!);
    sums.completion += BigInt(e.completion!);
    sums.cached += BigInt(e.cached!);
    if (e.status !== 'error') sums.requests += 1n;
    out.set(key, sums);
  }
  const text = (v: { cost: bigint; prompt: bigint; completion: bigint; cached: bigint; requests: bigint }) =>
    kind === 'costs' ? String(v.cost) : kind === 'embeddings' ? [v.prompt, v.requests].join(',') : [v.prompt, v.completion, v.cached, v.requests].join(',');
  return new Map([...out].map(([k, v]) => [k, text(v)]));
}

/** The report, all pages, flattened to the same form. */
async function actual(store: Store, kind: ReportKind, org: string, start: number, end: number, width: '1h' | '1d'): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let page: string | undefined;
  do {
    const groups = kind === 'costs' ? ['project_id', 'api_key_id', 'line_item'] : ['project_id', 'api_key_id', 'model'];
    const raw: Record<string, unknown> = { start_time: String(start / 1000), end_time: String(end / 1000), bucket_width: width, 'group_by[]': groups, ...(page ? { page } : {}) };
    const report = await readReport(store.db, org, parseReportQuery(kind, raw, end));
    for (const bucket of report.data) {
      for (const r of bucket.results as Record<string, unknown>[]) {
        const key = [bucket.start_time, r.project_id, r.api_key_id, r.model ?? r.line_item].join('|');
        const value =
          kind === 'costs'
            ? (r.amount as { value_exact: string }).value_exact
            : kind === 'embeddings'
              ? [r.input_tokens, r.num_model_requests].join(',')
              : [r.input_tokens, r.output_tokens, r.input_cached_tokens, r.num_model_requests].join(',');
        out.set(key, value);
      }
    }
    page = report.next_page ?? undefined;
  } while (page);
  // Exact decimal text back to picodollars.
  if (kind === 'costs') for (const [k, v] of out) out.set(k, String(BigInt(v.replace('.', '')) * 10n ** BigInt(12 - v.split('.')[1]!.length)));
  return out;
}

async function expectReportsMatch(store: Store, events: TestEvent[], start: number, end: number): Promise<void> {
  for (const kind of ['completions', 'embeddings', 'costs'] as const) {
    for (const width of kind === 'costs' ? (['1d'] as const) : (['1h', '1d'] as const)) {
      for (const org of ['org_a', 'org_b']) {
        const want = expected(events, kind, org, start, end, width === '1h' ? HOUR : DAY);
        expect(await actual(store, kind, org, start, end, width), `${kind} ${width} ${org}`).toEqual(want);
      }
    }
  }
}

interface Backend {
  name: string;
  skip: boolean;
  open(): Promise<{ store: Store; second(): Promise<Store>; cleanup(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'SQLite',
    skip: false,
    async open() {
      const dir = tempDir();
      const store = await openStore({ dataDir: dir.path });
      return { store, second: async () => store, cleanup: async () => (await store.close(), dir.remove()) };
    },
  },
  {
    name: `PostgreSQL${postgresSkipReason}`,
    skip: !POSTGRES_URL,
    async open() {
      const database = await createPostgresDatabase();
      const store = await openStore({ databaseUrl: database.url, dataDir: '/nonexistent' });
      const others: Store[] = [];
      return {
        store,
        second: async () => {
          const other = await openStore({ databaseUrl: database.url, dataDir: '/nonexistent' });
          others.push(other);
          return other;
        },
        cleanup: async () => {
          for (const s of [store, ...others]) await s.close();
          await database.drop();
        },
      };
    },
  },
];

for (const backend of backends) {
  describe.skipIf(backend.skip)(`usage reads and rollups on ${backend.name}`, () => {
    let ctx: Awaited<ReturnType<Backend['open']>>;
    const events = makeEvents(3000, 42, D, 3 * DAY);
    beforeAll(async () => {
      ctx = await backend.open();
      await ctx.store.migrate();
      await insertEvents(ctx.store.db, events);
    });
    afterAll(() => ctx.cleanup());

    it('reads exact sums from raw events, part-folded and fully folded rollups alike', async () => {
      await expectReportsMatch(ctx.store, events, D, D + 3 * DAY);
      // Part-way: some events folded, the rest raw.
      expect(await foldUsageBatch(ctx.store, D + 4 * DAY, 700)).toBe(700);
      await expectReportsMatch(ctx.store, events, D, D + 3 * DAY);
      // Ranges that cut hours at both ends mix raw edges with whole rolled hours.
      await expectReportsMatch(ctx.store, events, D + 90 * 60_000 + 123_000, D + 2 * DAY + 17 * 60_000);
      expect(await foldUsageEvents(ctx.store, D + 4 * DAY, { batchSize: 500 })).toBe(2300);
      expect(await foldUsageEvents(ctx.store, D + 4 * DAY)).toBe(0); // idempotent: nothing is folded twice
      await expectReportsMatch(ctx.store, events, D, D + 3 * DAY);
      await expectReportsMatch(ctx.store, events, D + 90 * 60_000 + 123_000, D + 2 * DAY + 17 * 60_000);
    });

    it('counts late events written into hours already rolled up, before and after the next fold', async () => {
      const late = makeEvents(200, 7, D, 3 * DAY);
      await insertEvents(ctx.store.db, late);
      events.push(...late);
      await expectReportsMatch(ctx.store, events, D, D + 3 * DAY);
      expect(await foldUsageEvents(ctx.store, D + 4 * DAY)).toBe(200);
      await expectReportsMatch(ctx.store, events, D, D + 3 * DAY);
      // every event is in one hour row and one day row
      for (const table of ['usage_rollups_hourly', 'usage_rollups_daily'] as const) {
        const sums = await ctx.store.db
          .selectFrom(table)
          .select(({ fn }) => [fn.sum<bigint>('events').as('events'), fn.sum<bigint>('cost_picos').as('cost')])
          .executeTakeFirstOrThrow();
        expect(BigInt(sums.events), table).toBe(BigInt(events.length));
        expect(BigInt(sums.cost), table).toBe(events.reduce((a, e) => a + e.cost!, 0n));
      }
      const days = await ctx.store.db.selectFrom('usage_rollups_daily').select('day_start').distinct().execute();
      expect(days.map((d) => Number(d.day_start) % DAY)).toEqual(days.map(() => 0));
    });

    it('prunes only folded events past retention; whole-hour reads stay exact from the rollups', async () => {
      const unfolded: TestEvent = { org: 'org_a', project: 'proj_1', key: 'key_1', model: 'o3', endpoint: 'chat.completions', status: 'ok', at: D + 5 * 60_000, prompt: 11, cached: 0, completion: 3, cost: 77n };
      await insertEvents(ctx.store.db, [unfolded]);
      events.push(unfolded);
      const cutoff = D + 2 * DAY;
      const older = events.filter((e) => e.at < cutoff).length;
      expect(await pruneUsageEvents(ctx.store, cutoff, 400)).toBe(older - 1);
      const left = await ctx.store.db.selectFrom('usage_events').select(['model', 'cost_picos']).where('created_at', '<', BigInt(cutoff)).execute();
      expect(left.map((r) => [r.model, BigInt(r.cost_picos)])).toEqual([['o3', 77n]]);
      await expectReportsMatch(ctx.store, events, D, D + 3 * DAY);
    });

    // Two instances share a store only on PostgreSQL.
    if (backend.name.startsWith('PostgreSQL')) it('two instances folding at once while events arrive count every event exactly once', async () => {
      const other = await ctx.second();
      const more = makeEvents(4000, 99, D + 3 * DAY, DAY);
      const writes = (async () => {
        for (let i = 0; i < more.length; i += 250) await insertEvents(ctx.store.db, more.slice(i, i + 250));
      })();
      const folder = async (store: Store) => {
        let total = 0;
        for (let i = 0; i < 40; i++) total += await foldUsageBatch(store, D + 5 * DAY, 150);
        return total;
      };
      await Promise.all([writes, folder(ctx.store), folder(other)]);
      await Promise.all([foldUsageEvents(ctx.store, D + 5 * DAY, { batchSize: 300 }), foldUsageEvents(other, D + 5 * DAY, { batchSize: 300 })]);
      events.push(...more);
      const unrolled = await ctx.store.db.selectFrom('usage_events').select(({ fn }) => fn.countAll<bigint>().as('n')).where('rolled_up_at', 'is', null).executeTakeFirstOrThrow();
      expect(Number(unrolled.n)).toBe(0);
      await expectReportsMatch(ctx.store, events, D + 3 * DAY, D + 4 * DAY);
      await expectReportsMatch(other, events, D, D + 4 * DAY);
    });
  });
}
