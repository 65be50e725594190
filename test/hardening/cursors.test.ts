import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, type Call } from '../helpers/admin.js';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';

/** Cursors that are no id of the list (`before=abc`, `after=1e309`) once paged silently from nowhere. */
describe('list cursors', () => {
  let tg: TestTollgate;
  let admin: Call;
  beforeAll(async () => {
    tg = await startTestTollgate();
    admin = client(tg.url, tg.adminKey);
  });
  afterAll(() => tg.stop());

  it('answer 400 naming the cursor when it is not an id', async () => {
    const org = '/v1/organization';
    const cases: [string, string][] = [
      [`${org}/audit_logs?before=abc`, 'before'],
      [`${org}/audit_logs?after=1e309`, 'after'],
      [`${org}/projects?after=1e309`, 'after'],
      [`${org}/admin_api_keys?after=abc`, 'after'],
      [`${org}/projects/${tg.projectId}/api_keys?after=-1`, 'after'],
      [`${org}/projects/${tg.projectId}/service_accounts?after=proj_`, 'after'],
    ];
    for (const [path, param] of cases) {
      const res = await admin('GET', path);
      expect({ path, status: res.status, param: res.body.error?.param, code: res.body.error?.code }).toEqual({ path, status: 400, param, code: 'invalid_value' });
      expect(res.body.error.message).toContain('not an id from this list');
    }
  });

  it('page on with the ids a page returned', async () => {
    for (const name of ['a', 'b', 'c']) expect((await admin('POST', '/v1/organization/projects', { name })).status).toBe(200);
    const first = await admin('GET', '/v1/organization/projects?limit=2');
    expect(first.body.has_more).toBe(true);
    const next = await admin('GET', `/v1/organization/projects?limit=2&after=${first.body.last_id}`);
    expect(next.status).toBe(200);
    expect(next.body.data.map((p: { name: string }) => p.name)).toEqual(['b', 'c']);
  });
});
