import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, type Call } from './helpers/admin.js';
import { createPostgresDatabase, POSTGRES_URL, postgresSkipReason } from './helpers/services.js';
import { insertEvents } from './helpers/usage-fixtures.js';
import { startTestTollgate, type TestTollgate } from './helpers/tollgate.js';

const T = Date.UTC(2026, 10, 2, 12);

for (const store of ['sqlite', 'postgres'] as const) {
  describe.skipIf(store === 'postgres' && !POSTGRES_URL)(`the request log (GET /v1/organization/usage/requests) on ${store}${store === 'postgres' ? postgresSkipReason : ''}`, () => {
    let tg: TestTollgate;
    let admin: Call;
    let other: Call;
    let database: { url: string; drop(): Promise<void> } | null = null;
    beforeAll(async () => {
      database = store === 'postgres' ? await createPostgresDatabase() : null;
      tg = await startTestTollgate(database ? { database_url: database.url } : {});
      const db = tg.services.store.db;
      admin = client(tg.url, tg.adminKey);
      await db.insertInto('organizations').values({ id: 'org_other', name: 'Other', status: 'active', created_at: Date.now() }).execute();
      other = client(tg.url, (await tg.services.keys.create({ kind: 'admin', organizationId: 'org_other', projectId: null, name: 'B' })).secret);
      const A = tg.organizationId;
      await insertEvents(db, [
        // five requests in the same millisecond: pages must split them exactly once each
        ...Array.from({ length: 5 }, (_, i) => ({ org: A, project: 'proj_1', key: 'key_1', model: 'gpt-5.4-nano', at: T, prompt: 10 + i, completion: 1, cost: 1_000_000n })),
        { org: A, project: 'proj_2', key: 'key_2', model: 'gpt-5.4-mini', at: T + 1000, prompt: 7, completion: 3, cost: 123_456_789n },
        { org: A, project: 'proj_2', key: 'key_2', model: 'gpt-5.4-mini', at: T + 2000, status: 'error' as const },
        { org: A, project: 'proj_1', key: 'key_1', model: 'gpt-5.4-nano', at: T - 3_600_000, prompt: 1, cost: 5n },
        { org: 'org_other', project: 'proj_x', key: 'key_x', model: 'gpt-5.4-nano', at: T, prompt: 99, cost: 9n },
      ]);
    });
    afterAll(async () => {
      await tg?.stop();
      await database?.drop();
    });

    it('lists the organization\'s requests newest first, with tokens, exact cost, latency and status', async () => {
      const page = (await admin('GET', '/v1/organization/usage/requests?limit=2')).body;
      expect(page.object).toBe('list');
      expect(page.has_more).toBe(true);
      expect(page.data.map((r: any) => [r.model, r.status, r.http_status])).toEqual([
        ['gpt-5.4-mini', 'error', 500],
        ['gpt-5.4-mini', 'ok', 200],
      ]);
      expect(page.data[1]).toMatchObject({
        object: 'organization.usage.request',
        created_at: (T + 1000) / 1000,
        created_at_ms: T + 1000,
        project_id: 'proj_2',
        api_key_id: 'key_2',
        endpoint: 'chat.completions',
        input_tokens: 7,
        output_tokens: 3,
        cost: { value: 0.000123456789, currency: 'usd', value_exact: '0.000123456789' },
        latency_ms: 10,
      });
    });

    it('pages by keyset through requests made in the same millisecond, each exactly once', async () => {
      const seen: string[] = [];
      let after: string | undefined;
      for (let i = 0; i < 10; i++) {
        const page = (await admin('GET', `/v1/organization/usage/requests?limit=3${after ? `&after=${after}` : ''}`)).body;
        seen.push(...page.data.map((r: any) => r.id));
        if (!page.has_more) break;
        after = page.last_id;
      }
      expect(seen.length).toBe(8);
      expect(new Set(seen).size).toBe(8);
    });

    it('filters by time, project, key, model and status, as key[]= or repeated keys', async () => {
      const ids = async (query: string) => (await admin('GET', `/v1/organization/usage/requests?${query}`)).body.data.map((r: any) => r.input_tokens);
      expect((await ids(`start_time=${T / 1000}&end_time=${T / 1000 + 1}`)).sort()).toEqual([10, 11, 12, 13, 14]);
      expect(await ids('project_ids[]=proj_2&statuses[]=ok')).toEqual([7]);
      expect(await ids('api_key_ids=key_2&api_key_ids=key_9&statuses=error')).toEqual([0]);
      expect((await ids('models[]=gpt-5.4-nano&end_time=' + T / 1000)).length).toBe(1);
    });

    it('never shows another organization\'s requests, nor pages from its ids', async () => {
      const mine = (await admin('GET', '/v1/organization/usage/requests?limit=100')).body.data;
      expect(mine.some((r: any) => r.project_id === 'proj_x')).toBe(false);
      const theirs = (await other('GET', '/v1/organization/usage/requests')).body.data;
      expect(theirs.map((r: any) => r.input_tokens)).toEqual([99]);
      const refused = await other('GET', `/v1/organization/usage/requests?after=${mine[0].id}`);
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ param: 'after', type: 'invalid_request_error' });
    });

    it('refuses bad input with a 400 naming the parameter', async () => {
      for (const [query, param] of [
        ['limit=0', 'limit'],
        ['limit=101', 'limit'],
        ['statuses[]=done', 'statuses'],
        ['start_time=yesterday', 'start_time'],
        ['colour=red', null],
      ] as const) {
        const answer = await admin('GET', `/v1/organization/usage/requests?${query}`);
        expect(answer.status, query).toBe(400);
        if (param) expect(String(answer.body.error.param), query).toContain(param);
      }
    });
  });
}
