import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, type Call } from '../helpers/admin.js';
import { createPostgresDatabase, POSTGRES_URL, postgresSkipReason } from '../helpers/services.js';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';

/**
 * PostgreSQL refuses the NUL character in text, SQLite stores it: every one of
 * these once answered 500 on PostgreSQL and 200 on SQLite. Each store now gives
 * the same answer, a 400 naming the parameter.
 */
const stores = [
  { name: 'SQLite', skip: false, database: async () => ({ settings: {}, drop: async () => {} }) },
  {
    name: `PostgreSQL${postgresSkipReason}`,
    skip: !POSTGRES_URL,
    database: async () => {
      const db = await createPostgresDatabase();
      return { settings: { database_url: db.url }, drop: db.drop };
    },
  },
];

for (const store of stores) {
  describe.skipIf(store.skip)(`a NUL character in any text input, on ${store.name}`, () => {
    let tg: TestTollgate;
    let drop: () => Promise<void>;
    let admin: Call;
    beforeAll(async () => {
      const db = await store.database();
      drop = db.drop;
      tg = await startTestTollgate(db.settings);
      admin = client(tg.url, tg.adminKey);
    }, 60_000);
    afterAll(async () => {
      await tg?.stop();
      await drop?.();
    });

    const refused = (param: string) => ({
      error: { message: `Invalid value for '${param}': text may not contain the NUL character (\\u0000).`, type: 'invalid_request_error', param, code: 'invalid_value' },
    });

    it('is refused with a 400 naming the field in every name and description', async () => {
      const org = '/v1/organization';
      const P = `${org}/projects/${tg.projectId}`;
      const cases: [string, unknown, string][] = [
        [`${org}/projects`, { name: 'a\u0000b' }, 'name'],
        [`${P}/api_keys`, { name: 'key\u0000' }, 'name'],
        [`${P}/service_accounts`, { name: '\u0000' }, 'name'],
        [`${org}/admin_api_keys`, { name: 'admin\u0000key', scopes: ['projects.read'] }, 'name'],
        [`${org}/credits/grants`, { amount_usd: '1.00', description: 'gift\u0000' }, 'description'],
        [`${org}/projects`, { name: 'ok', metadata: { ['k\u0000']: 'v' } }, 'metadata.k\\u0000'],
      ];
      for (const [path, body, param] of cases) {
        const res = await admin('POST', path, body);
        expect({ path, status: res.status, body: res.body }).toEqual({ path, status: 400, body: refused(param) });
      }
    });

    it('is refused with a 400 naming the query or path parameter', async () => {
      const org = '/v1/organization';
      const cases: [string, string][] = [
        [`${org}/audit_logs?event_types[]=a%00b`, 'event_types[]'],
        [`${org}/audit_logs?project_ids[]=%00`, 'project_ids[]'],
        [`${org}/projects?after=%00`, 'after'],
        [`${org}/projects/proj_%00`, 'project_id'],
        [`${org}/projects/${tg.projectId}/api_keys/key_%00`, 'key_id'],
      ];
      for (const [path, param] of cases) {
        const res = await admin('GET', path);
        expect({ path, status: res.status, body: res.body }).toEqual({ path, status: 400, body: refused(param) });
      }
    });

    it('leaves other text stored faithfully, control characters and all', async () => {
      const name = 'tab\there \u0001 ünï 😀';
      const created = await admin('POST', '/v1/organization/projects', { name });
      expect(created.status).toBe(200);
      const read = await admin('GET', `/v1/organization/projects/${created.body.id}`);
      expect(read.body.name).toBe(name);
    });

    it('passes a prompt holding NUL on to the model (prompts are never stored)', async () => {
      const res = await client(tg.url, tg.projectKey)('POST', '/v1/chat/completions', { model: 'tollgate-sim', max_tokens: 8, messages: [{ role: 'user', content: 'echo: a\u0000b' }] });
      expect(res.status).toBe(200);
      expect(res.body.choices[0].message.content).toBe('a\u0000b');
    });
  });
}
