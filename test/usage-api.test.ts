import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertEvents } from './helpers/usage-fixtures.js';
import { startTestTollgate, type TestTollgate } from './helpers/tollgate.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** 2026-11-02T00:00:00Z */
const D = Date.UTC(2026, 10, 2);
const s = (ms: number) => ms / 1000;

interface Page {
  object: string;
  data: { object: string; start_time: number; end_time: number; results: Record<string, unknown>[] }[];
  has_more: boolean;
  next_page: string | null;
}

describe('usage and costs reads (/v1/organization/usage/*, /v1/organization/costs)', () => {
  let tg: TestTollgate;
  let orgB: string;
  let adminB: string;
  const P1 = 'proj_one';
  const P2 = 'proj_two';

  beforeAll(async () => {
    tg = await startTestTollgate();
    const db = tg.services.store.db;
    orgB = 'org_other';
    await db.insertInto('organizations').values({ id: orgB, name: 'Other', status: 'active', created_at: Date.now() }).execute();
    adminB = (await tg.services.keys.create({ kind: 'admin', organizationId: orgB, projectId: null, name: 'B admin' })).secret;
    const A = tg.organizationId;
    await insertEvents(db, [
      // Day 0: the first millisecond and the last millisecond of the day.
      { org: A, project: P1, key: 'key_1', model: 'gpt-5.4-nano', at: D, prompt: 100, cached: 20, completion: 50, cost: 1_000_000n },
      { org: A, project: P1, key: 'key_2', model: 'gpt-5.4-mini', at: D + DAY - 1, prompt: 200, completion: 10, cost: 2_000_000n },
      // Day 1: a request at the boundary, and a failed one (not a model request, still listed).
      { org: A, project: P2, key: 'key_3', model: 'gpt-5.4-nano', at: D + DAY, prompt: 300, completion: 30, cost: 3_000_000n },
      { org: A, project: P2, key: 'key_3', model: 'gpt-5.4-nano', at: D + DAY + HOUR, status: 'error' },
      // Day 2: embeddings only.
      { org: A, project: P1, key: 'key_1', model: 'text-embedding-3-small', endpoint: 'embeddings', at: D + 2 * DAY + 5 * 60_000, prompt: 40, cost: 800_000n },
      // Day 3: nothing. Day 4: a cost beyond a float's exact range.
      { org: A, project: P1, key: 'key_1', model: 'gpt-5.4-nano', at: D + 4 * DAY + 30 * 60_000, prompt: 5, completion: 5, cost: 123_456_789_012_345_678n },
      // Another organization, same hours: never visible to A.
      { org: orgB, project: 'proj_b', key: 'key_b', model: 'gpt-5.4-nano', at: D + 10, prompt: 999_999, completion: 1, cost: 5_000_000_000_000n },
    ]);
  });
  afterAll(() => tg.stop());

  const get = async (path: string, key = tg.adminKey): Promise<{ status: number; body: Page & { error?: { param: string | null; message: string; code: string | null } } }> => {
    const res = await fetch(`${tg.url}/v1/organization${path}`, { headers: { authorization: `Bearer ${key}` } });
    return { status: res.status, body: (await res.json()) as Page & { error?: { param: string | null; message: string; code: string | null } } };
  };
  const range = `start_time=${s(D)}&end_time=${s(D + 5 * DAY)}`;

  it('sums completions per day with empty buckets, in OpenAI shape', async () => {
    const { status, body } = await get(`/usage/completions?${range}&bucket_width=1d`);
    expect(status).toBe(200);
    expect(body.object).toBe('page');
    expect(body.has_more).toBe(false);
    expect(body.next_page).toBeNull();
    expect(body.data.map((b) => [b.start_time, b.end_time])).toEqual([0, 1, 2, 3, 4].map((i) => [s(D + i * DAY), s(D + (i + 1) * DAY)]));
    expect(body.data[0]!.results).toEqual([
      {
        object: 'organization.usage.completions.result',
        input_tokens: 300,
        output_tokens: 60,
        input_cached_tokens: 20,
        input_cache_write_tokens: 0,
        input_uncached_tokens: 280,
        input_audio_tokens: 0,
        output_audio_tokens: 0,
        output_reasoning_tokens: 0,
        num_model_requests: 2,
        project_id: null,
        user_id: null,
        api_key_id: null,
        model: null,
        batch: null,
        service_tier: null,
      },
    ]);
    expect(body.data[1]!.results).toMatchObject([{ input_tokens: 300, output_tokens: 30, num_model_requests: 1 }]);
    expect(body.data[2]!.results).toEqual([]); // embeddings are not completions
    expect(body.data[3]!.results).toEqual([]);
    expect(body.data[4]!.results).toMatchObject([{ input_tokens: 5, output_tokens: 5, num_model_requests: 1 }]);
  });

  it('groups by model and project in both array forms, and filters', async () => {
    const brackets = await get(`/usage/completions?${range}&group_by[]=model&group_by[]=project_id&limit=1`);
    const repeated = await get(`/usage/completions?${range}&group_by=model&group_by=project_id&limit=1`);
    expect(repeated.body).toEqual(brackets.body);
    expect(brackets.body.data[0]!.results.map((r) => [r.project_id, r.model, r.input_tokens, r.api_key_id])).toEqual([
      [P1, 'gpt-5.4-mini', 200, null],
      [P1, 'gpt-5.4-nano', 100, null],
    ]);
    const filtered = await get(`/usage/completions?${range}&project_ids[]=${P2}&api_key_ids=key_3&group_by[]=api_key_id`);
    expect(filtered.body.data.map((b) => b.results.map((r) => [r.api_key_id, r.input_tokens, r.num_model_requests]))).toEqual([[], [['key_3', 300, 1]], [], [], []]);
    const models = await get(`/usage/completions?${range}&models[]=gpt-5.4-mini`);
    expect(models.body.data.map((b) => b.results.length)).toEqual([1, 0, 0, 0, 0]);
  });

  it('pages with page/next_page until has_more is false', async () => {
    const seen: number[] = [];
    let page: string | null = null;
    let pages = 0;
    do {
      const { body } = await get(`/usage/completions?${range}&limit=2${page ? `&page=${page}` : ''}`);
      seen.push(...body.data.map((b) => b.start_time));
      expect(body.data.length).toBeLessThanOrEqual(2);
      page = body.next_page;
      expect(body.has_more).toBe(page !== null);
      pages++;
    } while (page);
    expect(pages).toBe(3);
    expect(seen).toEqual([0, 1, 2, 3, 4].map((i) => s(D + i * DAY)));
  });

  it('counts embeddings on their own endpoint, and hour and minute buckets at the edges', async () => {
    const emb = await get(`/usage/embeddings?${range}&group_by[]=model`);
    expect(emb.body.data[2]!.results).toEqual([
      { object: 'organization.usage.embeddings.result', input_tokens: 40, num_model_requests: 1, project_id: null, user_id: null, api_key_id: null, model: 'text-embedding-3-small' },
    ]);
    const hours = await get(`/usage/completions?start_time=${s(D + 23 * HOUR)}&end_time=${s(D + DAY + 2 * HOUR)}&bucket_width=1h`);
    expect(hours.body.data.map((b) => b.results.map((r) => [r.input_tokens, r.num_model_requests]))).toEqual([[[200, 1]], [[300, 1]], [[0, 0]]]);
    const minutes = await get(`/usage/embeddings?start_time=${s(D + 2 * DAY)}&end_time=${s(D + 2 * DAY + 10 * 60_000)}&bucket_width=1m`);
    expect(minutes.body.data).toHaveLength(10);
    expect(minutes.body.data.map((b) => b.results.length)).toEqual([0, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
  });

  it('clips a bucket to a start_time inside it', async () => {
    const { body } = await get(`/usage/completions?start_time=${s(D + 12 * HOUR)}&end_time=${s(D + 2 * DAY)}`);
    expect(body.data.map((b) => [b.start_time, b.end_time])).toEqual([
      [s(D + 12 * HOUR), s(D + DAY)],
      [s(D + DAY), s(D + 2 * DAY)],
    ]);
    expect(body.data[0]!.results).toMatchObject([{ input_tokens: 200 }]);
  });

  it('reports costs per day, project and model line item with exact decimals', async () => {
    const { body } = await get(`/costs?${range}&group_by[]=line_item&group_by[]=project_id`);
    expect(body.data[0]!.results).toEqual([
      { object: 'organization.costs.result', amount: { value: 0.000002, currency: 'usd', value_exact: '0.000002' }, line_item: 'gpt-5.4-mini', project_id: P1, api_key_id: null },
      { object: 'organization.costs.result', amount: { value: 0.000001, currency: 'usd', value_exact: '0.000001' }, line_item: 'gpt-5.4-nano', project_id: P1, api_key_id: null },
    ]);
    expect(body.data[2]!.results).toMatchObject([{ line_item: 'text-embedding-3-small', amount: { value_exact: '0.0000008' } }]);
    expect(body.data[4]!.results[0]!.amount).toEqual({ value: 123456.78901234568, currency: 'usd', value_exact: '123456.789012345678' });
    const total = await get(`/costs?${range}&limit=31`);
    expect(total.body.data.map((b) => (b.results[0]?.amount as { value_exact: string } | undefined)?.value_exact ?? null)).toEqual([
      '0.000003',
      '0.000003',
      '0.0000008',
      null,
      '123456.789012345678',
    ]);
  });

  it('keeps every organization to its own rows', async () => {
    const a = await get(`/costs?${range}`);
    expect(JSON.stringify(a.body)).not.toContain('"value_exact":"5.');
    const b = await get(`/usage/completions?${range}&group_by[]=project_id`, adminB);
    expect(b.body.data.map((x) => x.results.map((r) => [r.project_id, r.input_tokens]))).toEqual([[['proj_b', 999_999]], [], [], [], []]);
    // Filtering by another organization's project finds nothing.
    const probe = await get(`/usage/completions?${range}&project_ids[]=proj_b`);
    expect(probe.body.data.every((x) => x.results.length === 0)).toBe(true);
  });

  it('answers the same after the rollups fold the events in', async () => {
    const paths = [
      `/usage/completions?${range}&group_by[]=model&group_by[]=project_id&group_by[]=api_key_id`,
      `/usage/completions?start_time=${s(D + 23 * HOUR + 1)}&end_time=${s(D + DAY + 2 * HOUR - 1)}&bucket_width=1h`,
      `/usage/embeddings?${range}`,
      `/costs?${range}&group_by[]=line_item&group_by[]=project_id&group_by[]=api_key_id`,
    ];
    const before = await Promise.all(paths.map((p) => get(p)));
    // The server's maintenance job, run now (its timer may already have run it: either way each event is folded once).
    await tg.services.usageMaintenance.runOnce();
    const db = tg.services.store.db;
    const unrolled = await db.selectFrom('usage_events').select(({ fn }) => fn.countAll<bigint>().as('n')).where('rolled_up_at', 'is', null).executeTakeFirstOrThrow();
    expect(Number(unrolled.n)).toBe(0);
    const rolled = await db.selectFrom('usage_rollups_hourly').select(({ fn }) => [fn.countAll<bigint>().as('n'), fn.sum<bigint>('events').as('events')]).executeTakeFirstOrThrow();
    expect([Number(rolled.n), Number(rolled.events)]).toEqual([7, 7]);
    const after = await Promise.all(paths.map((p) => get(p)));
    expect(after).toEqual(before);
  });

  it('rejects bad parameters with a 400 naming the param', async () => {
    const cases: [string, string, RegExp][] = [
      ['/usage/completions', 'start_time', /Missing required parameter: 'start_time'/],
      ['/usage/completions?start_time=abc', 'start_time', /unix seconds/],
      [`/usage/completions?start_time=${s(D)}&bucket_width=2h`, 'bucket_width', /Supported values are: '1d', '1h', '1m'/],
      [`/costs?start_time=${s(D)}&bucket_width=1h`, 'bucket_width', /Supported values are: '1d'/],
      [`/usage/completions?start_time=${s(D)}&limit=32`, 'limit', /from 1 to 31/],
      [`/usage/completions?start_time=${s(D)}&bucket_width=1h&limit=0`, 'limit', /from 1 to 168/],
      [`/usage/completions?start_time=${s(D)}&group_by[]=user_id`, 'group_by', /'user_id'/],
      [`/costs?start_time=${s(D)}&group_by[]=model`, 'group_by', /'project_id', 'api_key_id', 'line_item'/],
      [`/usage/completions?start_time=${s(D)}&end_time=${s(D)}`, 'end_time', /after start_time/],
      [`/usage/completions?start_time=${s(D)}&page=bogus`, 'page', /not a cursor/],
      [`/usage/completions?start_time=${Math.ceil(Date.now() / 1000) + 3600}`, 'start_time', /not in the past/],
      [`/usage/completions?start_time=${s(D)}&start_time=${s(D)}`, 'start_time', /give it once/],
      [`/usage/completions?start_time=${s(D)}&colour=red`, 'colour', /Unknown parameter: 'colour'/],
    ];
    for (const [path, param, message] of cases) {
      const { status, body } = await get(path);
      expect({ path, status, param: body.error?.param }).toEqual({ path, status: 400, param });
      expect(body.error!.message).toMatch(message);
    }
    // A cursor from another range is refused, not silently re-read.
    const first = await get(`/usage/completions?${range}&limit=1`);
    const other = await get(`/usage/completions?start_time=${s(D + 10 * DAY)}&end_time=${s(D + 11 * DAY)}&page=${first.body.next_page}`);
    expect(other.body.error?.param).toBe('page');
  });

  it('needs an admin key', async () => {
    const { status, body } = await get(`/usage/completions?${range}`, tg.projectKey);
    expect(status).toBe(403);
    expect(body.error?.code).toBe('permission_denied');
  });
});
