import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, type Call } from './helpers/admin.js';
import { createPostgresDatabase, POSTGRES_URL, postgresSkipReason } from './helpers/services.js';
import { startTestTollgate, type TestTollgate } from './helpers/tollgate.js';

/**
 * Attribution: a request's `user` and `metadata` are recorded on its usage
 * event, shown in the request log, and the usage and costs reads filter and
 * group by them; bad values are refused with a 400 naming the field.
 */
for (const store of ['sqlite', 'postgres'] as const) {
  describe.skipIf(store === 'postgres' && !POSTGRES_URL)(`usage attribution by user and metadata on ${store}${store === 'postgres' ? postgresSkipReason : ''}`, () => {
    let tg: TestTollgate;
    let admin: Call;
    let gateway: Call;
    let database: { url: string; drop(): Promise<void> } | null = null;
    const start = Math.floor(Date.now() / 1000) - 60;

    beforeAll(async () => {
      database = store === 'postgres' ? await createPostgresDatabase() : null;
      tg = await startTestTollgate({ ...(database ? { database_url: database.url } : {}) });
      admin = client(tg.url, tg.adminKey);
      gateway = client(tg.url, tg.projectKey);
      const chat = (user: string | undefined, metadata: Record<string, string> | undefined) =>
        gateway('POST', '/v1/chat/completions', { model: 'tollgate-sim', messages: [{ role: 'user', content: 'echo: one two three' }], user, metadata });
      for (const [user, metadata] of [
        ['alice', { team: 'search', env: 'prod' }],
        ['alice', { team: 'search' }],
        ['bob', { team: 'ads' }],
        [undefined, undefined],
      ] as const) {
        expect((await chat(user, metadata)).status).toBe(200);
      }
      expect((await gateway('POST', '/v1/responses', { model: 'tollgate-sim', input: 'echo: hi', user: 'carol', metadata: { team: 'ads' } })).status).toBe(200);
      expect((await gateway('POST', '/v1/embeddings', { model: 'tollgate-sim-embed', input: 'hello', user: 'alice' })).status).toBe(200);
      await tg.services.recorder.flush();
    });
    afterAll(async () => {
      await tg?.stop();
      await database?.drop();
    });

    const results = async (path: string) => {
      const page = (await admin('GET', `/v1/organization/${path}${path.includes('?') ? '&' : '?'}start_time=${start}&bucket_width=1d`)).body;
      return page.data.flatMap((b: any) => b.results);
    };

    it('records user and metadata on each event, shown in the request log', async () => {
      const log = (await admin('GET', '/v1/organization/usage/requests?limit=10')).body.data;
      expect(log.map((r: any) => [r.endpoint, r.end_user, r.metadata])).toEqual([
        ['embeddings', 'alice', null],
        ['responses', 'carol', { team: 'ads' }],
        ['chat.completions', null, null],
        ['chat.completions', 'bob', { team: 'ads' }],
        ['chat.completions', 'alice', { team: 'search' }],
        ['chat.completions', 'alice', { team: 'search', env: 'prod' }],
      ]);
    });

    it('groups and filters completions usage by end user', async () => {
      const grouped = await results('usage/completions?group_by[]=end_user');
      const byUser = Object.fromEntries(grouped.map((r: any) => [r.end_user, r.num_model_requests]));
      expect(byUser).toEqual({ alice: 2, bob: 1, carol: 1, null: 1 });
      const onlyAlice = await results('usage/completions?end_users[]=alice');
      expect(onlyAlice).toHaveLength(1);
      expect(onlyAlice[0].num_model_requests).toBe(2);
      expect(onlyAlice[0]).not.toHaveProperty('end_user');
      const embeddings = await results('usage/embeddings?group_by[]=end_user');
      expect(embeddings.map((r: any) => [r.end_user, r.num_model_requests])).toEqual([['alice', 1]]);
    });

    it('groups by a metadata key and filters by metadata values', async () => {
      const byTeam = await results('usage/completions?group_by[]=metadata.team');
      expect(Object.fromEntries(byTeam.map((r: any) => [r.metadata.team, r.num_model_requests]))).toEqual({ search: 2, ads: 2, null: 1 });
      const ads = await results('usage/completions?metadata[team]=ads&group_by=end_user');
      expect(ads.map((r: any) => [r.end_user, r.num_model_requests]).sort()).toEqual([['bob', 1], ['carol', 1]]);
      const prodOrAds = await results('usage/completions?metadata[team]=search&metadata[env]=prod');
      expect(prodOrAds[0].num_model_requests).toBe(1);
      const either = await results('usage/completions?metadata[team]=search&metadata[team]=ads');
      expect(either[0].num_model_requests).toBe(4);
    });

    it('splits exact costs by end user', async () => {
      const all = await results('costs');
      const byUser = await results('costs?group_by[]=end_user');
      const sum = byUser.reduce((total: bigint, r: any) => total + BigInt(r.amount.value_exact.replace('.', '').padEnd(15, '0')), 0n);
      expect(sum).toBe(all.reduce((total: bigint, r: any) => total + BigInt(r.amount.value_exact.replace('.', '').padEnd(15, '0')), 0n));
      expect(byUser.map((r: any) => r.end_user).sort()).toEqual(['alice', 'bob', 'carol', null]);
    });

    it('refuses unbounded attribution with a 400 naming the field', async () => {
      const tooMany = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));
      const chat = { model: 'tollgate-sim', messages: [{ role: 'user', content: 'hi' }] };
      const many = await gateway('POST', '/v1/chat/completions', { ...chat, metadata: tooMany });
      expect(many.status).toBe(400);
      expect(many.body.error.param).toBe('metadata');
      const longValue = await gateway('POST', '/v1/chat/completions', { ...chat, metadata: { k: 'x'.repeat(513) } });
      expect(longValue.status).toBe(400);
      expect(longValue.body.error.param).toMatch(/^metadata/);
      const longUser = await gateway('POST', '/v1/embeddings', { model: 'tollgate-sim-embed', input: 'x', user: 'u'.repeat(257) });
      expect(longUser.status).toBe(400);
      expect(longUser.body.error.param).toBe('user');
      const twoKeys = await admin('GET', `/v1/organization/usage/completions?start_time=${start}&group_by=metadata.a&group_by=metadata.b`);
      expect(twoKeys.status).toBe(400);
      expect(twoKeys.body.error.param).toBe('group_by');
      const unknown = await admin('GET', `/v1/organization/usage/completions?start_time=${start}&group_by=user`);
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.message).toContain("'end_user'");
    });
  });
}
