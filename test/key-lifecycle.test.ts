import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMaintenance } from '../src/control/index.js';
import { client, manualClock, type Call } from './helpers/admin.js';
import { createPostgresDatabase, POSTGRES_URL } from './helpers/services.js';
import { startTestTollgate, type TestTollgate } from './helpers/tollgate.js';

const CHAT = { model: 'tollgate-sim', messages: [{ role: 'user', content: 'echo: hi' }] };

const STORES = [{ store: 'SQLite' }, ...(POSTGRES_URL ? [{ store: 'PostgreSQL' }] : [])];

describe.each(STORES)('key lifecycle in one process on $store', ({ store }) => {
  let tg: TestTollgate;
  let dropDatabase: (() => Promise<void>) | undefined;
  let admin: Call;
  const clock = manualClock();
  const keysPath = () => `/v1/organization/projects/${tg.projectId}/api_keys`;
  const chat = (key: string) => client(tg.url, key)('POST', '/v1/chat/completions', CHAT);
  const newKey = async (body: Record<string, unknown> = {}) => {
    const answer = await admin('POST', keysPath(), { name: 'k', ...body });
    expect(answer.status).toBe(200);
    return answer.body as { id: string; value: string } & Record<string, any>;
  };

  beforeAll(async () => {
    // Maintenance runs by hand here, so the background pass never races the assertions.
    let database_url: string | undefined;
    if (store === 'PostgreSQL') {
      const database = await createPostgresDatabase();
      database_url = database.url;
      dropDatabase = database.drop;
    }
    tg = await startTestTollgate({ database_url, keys: { maintenance_interval_ms: 3_600_000 } }, { clock });
    admin = client(tg.url, tg.adminKey);
  });
  afterAll(async () => {
    await tg?.stop();
    await dropDatabase?.();
  });

  it('revocation takes effect on the very next request', async () => {
    const key = await newKey();
    expect((await chat(key.value)).status).toBe(200); // now cached
    const revoked = await admin('DELETE', `${keysPath()}/${key.id}`);
    expect(revoked.body).toEqual({ object: 'organization.project.api_key.deleted', id: key.id, deleted: true });
    const after = await chat(key.value);
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('invalid_api_key');
    const shown = await admin('GET', `${keysPath()}/${key.id}`);
    expect(shown.body).toMatchObject({ status: 'revoked', revoked_reason: 'manual', redacted_value: `sk-proj-...${key.value.slice(-4)}` });
    expect(JSON.stringify(shown.body)).not.toContain(key.value);
  });

  it('rotation keeps the old secret for the grace period, then revokes it', async () => {
    const key = await newKey({ rpm_limit: 60, allowed_ips: ['127.0.0.0/8'], permissions: { mode: 'restricted', resources: { chat_completions: 'write' } } });
    expect((await chat(key.value)).status).toBe(200);
    const rotated = await admin('POST', `${keysPath()}/${key.id}/rotate`, { grace_period_seconds: 3600 });
    expect(rotated.status).toBe(200);
    const fresh = rotated.body;
    expect(fresh.value).toMatch(/^sk-proj-/);
    expect(fresh.value).not.toBe(key.value);
    expect(fresh).toMatchObject({ rotated_from: key.id, rpm_limit: 60, allowed_ips: ['127.0.0.0/8'], permissions: { mode: 'restricted', resources: { chat_completions: 'write' } } });
    expect(fresh.previous).toMatchObject({ id: key.id, rotated_to: fresh.id, status: 'active', revokes_at: Math.floor(clock.now() / 1000) + 3600 });
    expect((await chat(key.value)).status).toBe(200);
    expect((await chat(fresh.value)).status).toBe(200);

    clock.advance(3600 * 1000);
    expect((await chat(key.value)).status).toBe(401); // the grace ended: refused before any maintenance ran
    expect((await chat(fresh.value)).status).toBe(200);
    expect(await runMaintenance(tg.services.management.control)).toMatchObject({ revoked: 1 });
    const old = await admin('GET', `${keysPath()}/${key.id}`);
    expect(old.body).toMatchObject({ status: 'revoked', revoked_reason: 'rotation_grace_ended', rotated_to: fresh.id });
    const audit = await admin('GET', `/v1/organization/audit_logs?resource_ids[]=${key.id}`);
    expect(audit.body.data.map((e: any) => e.type)).toEqual(['api_key.revoked', 'api_key.rotated', 'api_key.created']);
    expect(audit.body.data[0]['api_key.revoked']).toMatchObject({ reason: 'rotation_grace_ended' });
    expect(audit.body.data[0].actor.type).toBe('system');
  });

  it('rotation defaults to a 24 h grace, and a grace of 0 revokes at once; a rotated key cannot be rotated again', async () => {
    const key = await newKey();
    const rotated = await admin('POST', `${keysPath()}/${key.id}/rotate`);
    expect(rotated.body.previous.revokes_at).toBe(Math.floor(clock.now() / 1000) + 24 * 3600);
    const again = await admin('POST', `${keysPath()}/${key.id}/rotate`);
    expect(again.status).toBe(409);
    const now = await admin('POST', `${keysPath()}/${rotated.body.id}/rotate`, { grace_period_seconds: 0 });
    expect((await chat(rotated.body.value)).status).toBe(401);
    expect((await chat(now.body.value)).status).toBe(200);
  });

  it('archiving a project stops its keys at once', async () => {
    const project = (await admin('POST', '/v1/organization/projects', { name: 'Doomed' })).body;
    const key = (await admin('POST', `/v1/organization/projects/${project.id}/api_keys`, {})).body;
    expect((await chat(key.value)).status).toBe(200);
    const archived = await admin('POST', `/v1/organization/projects/${project.id}/archive`);
    expect(archived.body).toMatchObject({ object: 'organization.project', status: 'archived', archived_at: Math.floor(clock.now() / 1000) });
    expect((await chat(key.value)).status).toBe(401);
    const refused = await admin('POST', `/v1/organization/projects/${project.id}/api_keys`, {});
    expect(refused.status).toBe(400);
    const listed = await admin('GET', '/v1/organization/projects');
    expect(listed.body.data.map((p: any) => p.id)).not.toContain(project.id);
    const all = await admin('GET', '/v1/organization/projects?include_archived=true');
    expect(all.body.data.map((p: any) => p.id)).toContain(project.id);
  });

  it('an update changes what the key may do on the next request', async () => {
    const key = await newKey();
    expect((await chat(key.value)).status).toBe(200);
    const updated = await admin('POST', `${keysPath()}/${key.id}`, { permissions: { mode: 'read_only' }, name: 'reader', tpm_limit: 1000, monthly_usage_limit_usd: '0.000000000001' });
    expect(updated.body).toMatchObject({ name: 'reader', permissions: { mode: 'read_only' }, tpm_limit: 1000, monthly_usage_limit_usd: '0.000000000001' });
    expect((await chat(key.value)).status).toBe(403);
    expect((await client(tg.url, key.value)('GET', '/v1/models')).status).toBe(200);
    await admin('POST', `${keysPath()}/${key.id}`, { allowed_ips: ['203.0.113.0/24'] });
    const refused = await client(tg.url, key.value)('GET', '/v1/models');
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('ip_not_authorized');
    await admin('POST', `${keysPath()}/${key.id}`, { allowed_ips: null, expires_at: Math.floor(clock.now() / 1000) + 10 });
    expect((await client(tg.url, key.value)('GET', '/v1/models')).status).toBe(200);
    clock.advance(10_000);
    expect((await client(tg.url, key.value)('GET', '/v1/models')).status).toBe(401);
    expect((await admin('GET', `${keysPath()}/${key.id}`)).body.status).toBe('expired');
    const audit = await admin('GET', `/v1/organization/audit_logs?resource_ids[]=${key.id}&event_types[]=api_key.updated`);
    expect(audit.body.data.at(-1)['api_key.updated'].changes).toEqual({ name: 'reader', permissions: { mode: 'read_only' }, tpm_limit: 1000, monthly_usage_limit_picos: '1' });
  });

  it('stores the monthly usage limit exactly in picodollars', async () => {
    const cases: [string | number, string, bigint][] = [
      ['25.50', '25.5', 25_500_000_000_000n],
      [12.5, '12.5', 12_500_000_000_000n],
      ['0.000001', '0.000001', 1_000_000n],
      ['92233', '92233', 92_233_000_000_000_000n],
    ];
    for (const [input, shown, picos] of cases) {
      const key = await newKey({ monthly_usage_limit_usd: input });
      expect(key.monthly_usage_limit_usd).toBe(shown);
      const row = await tg.services.store.db.selectFrom('api_keys').select('monthly_budget_picos').where('id', '=', key.id).executeTakeFirstOrThrow();
      expect(row.monthly_budget_picos).toBe(picos);
    }
    for (const bad of ['1e3', '-1', '0.0000000000001', 'ten', 1e-7]) {
      const answer = await admin('POST', keysPath(), { monthly_usage_limit_usd: bad });
      expect(answer.status).toBe(400);
      expect(answer.body.error.param).toBe('monthly_usage_limit_usd');
    }
  });

  it('keeps last use in memory and writes it in a batch', async () => {
    const key = await newKey();
    await chat(key.value);
    const shown = await admin('GET', `${keysPath()}/${key.id}`);
    expect(shown.body.last_used_at).toBe(Math.floor(clock.now() / 1000));
    const stored = () => tg.services.store.db.selectFrom('api_keys').select('last_used_at').where('id', '=', key.id).executeTakeFirstOrThrow();
    expect((await stored()).last_used_at).toBeNull();
    await tg.services.keys.flushLastUsed();
    expect((await stored()).last_used_at).toBe(BigInt(clock.now()));
  });

  it('flags keys older than 90 days and records one notification event per key', async () => {
    const key = await newKey();
    clock.advance(91 * 24 * 3600 * 1000);
    const listed = await admin('GET', `${keysPath()}?limit=100`);
    const row = listed.body.data.find((k: any) => k.id === key.id);
    expect(row.rotation_due).toBe(true);
    await runMaintenance(tg.services.management.control);
    await runMaintenance(tg.services.management.control);
    const events = await tg.services.store.db.selectFrom('notification_events').selectAll().where('resource_id', '=', key.id).execute();
    expect(events.map((e) => e.type)).toEqual(['api_key.rotation_due']);
    expect(JSON.parse(events[0]!.payload)).toMatchObject({ key_id: key.id, redacted_value: `sk-proj-...${key.value.slice(-4)}` });
  });

  it('paginates lists in OpenAI\'s shape', async () => {
    for (const name of ['p1', 'p2', 'p3']) await admin('POST', '/v1/organization/projects', { name });
    const first = await admin('GET', '/v1/organization/projects?limit=2');
    expect(first.body).toMatchObject({ object: 'list', has_more: true });
    expect(first.body.data).toHaveLength(2);
    expect(first.body.first_id).toBe(first.body.data[0].id);
    expect(first.body.last_id).toBe(first.body.data[1].id);
    const seen = [...first.body.data];
    let page = first.body;
    while (page.has_more) {
      page = (await admin('GET', `/v1/organization/projects?limit=2&after=${page.last_id}`)).body;
      seen.push(...page.data);
    }
    expect(new Set(seen.map((p) => p.id)).size).toBe(seen.length);
    expect(seen.map((p) => p.name)).toEqual(expect.arrayContaining(['Default', 'p1', 'p2', 'p3']));
  });

  it('validates every input with an OpenAI 400 naming the parameter', async () => {
    const cases: [string, string, unknown, string, string][] = [
      ['POST', '/v1/organization/projects', {}, 'name', 'missing_required_parameter'],
      ['POST', '/v1/organization/projects', { name: 'x', colour: 'red' }, 'colour', 'unknown_parameter'],
      ['GET', '/v1/organization/projects?limit=0', undefined, 'limit', 'invalid_value'],
      ['GET', '/v1/organization/projects?limit=abc', undefined, 'limit', 'invalid_type'],
      ['POST', keysPath(), { allowed_ips: ['10.0.0.0/8', 'nope'] }, 'allowed_ips[1]', 'invalid_value'],
      ['POST', keysPath(), { permissions: { mode: 'restricted', resources: { embeddings: 'read' } } }, 'permissions.resources.embeddings', 'invalid_value'],
      ['POST', keysPath(), { rpm_limit: 0 }, 'rpm_limit', 'invalid_value'],
      ['POST', keysPath(), { expires_at: 1 }, 'expires_at', 'invalid_value'],
      ['GET', '/v1/organization/audit_logs?effective_at[gte]=soon', undefined, 'effective_at[gte]', 'invalid_type'],
    ];
    for (const [method, path, body, param, code] of cases) {
      const answer = await admin(method, path, body);
      expect({ path, status: answer.status, param: answer.body.error?.param, code: answer.body.error?.code }).toEqual({ path, status: 400, param, code });
    }
  });

  it('service accounts get sk-svcacct- keys, shown once, revoked with the account', async () => {
    const created = await admin('POST', `/v1/organization/projects/${tg.projectId}/service_accounts`, { name: 'deployer' });
    expect(created.body).toMatchObject({ object: 'organization.project.service_account', name: 'deployer', role: 'member', api_key: { object: 'organization.project.service_account.api_key' } });
    const secret = created.body.api_key.value as string;
    expect(secret).toMatch(/^sk-svcacct-[0-9A-Za-z]{49}$/);
    expect((await chat(secret)).status).toBe(200);
    const key = await admin('GET', `${keysPath()}/${created.body.api_key.id}`);
    expect(key.body).toMatchObject({ kind: 'service_account', owner: { type: 'service_account', service_account: { id: created.body.id, name: 'deployer' } } });
    expect(JSON.stringify(key.body)).not.toContain(secret);
    const listed = await admin('GET', `/v1/organization/projects/${tg.projectId}/service_accounts`);
    expect(listed.body.data.map((a: any) => a.id)).toContain(created.body.id);
    const deleted = await admin('DELETE', `/v1/organization/projects/${tg.projectId}/service_accounts/${created.body.id}`);
    expect(deleted.body).toEqual({ object: 'organization.project.service_account.deleted', id: created.body.id, deleted: true });
    expect((await chat(secret)).status).toBe(401);
  });

  it('admin keys: created once with their secret, listed redacted, revoked', async () => {
    const created = await admin('POST', '/v1/organization/admin_api_keys', { name: 'ops' });
    expect(created.body).toMatchObject({ object: 'organization.admin_api_key', name: 'ops', redacted_value: expect.stringMatching(/^sk-admin-\.\.\./) });
    const ops = client(tg.url, created.body.value);
    expect((await ops('GET', '/v1/organization/projects')).status).toBe(200);
    const listed = await admin('GET', '/v1/organization/admin_api_keys');
    expect(listed.body.data.map((k: any) => k.id)).toContain(created.body.id);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.value);
    await admin('DELETE', `/v1/organization/admin_api_keys/${created.body.id}`);
    expect((await ops('GET', '/v1/organization/projects')).status).toBe(401);
  });

  it('audits who did what, from where, filtered like OpenAI\'s audit log', async () => {
    const project = (await admin('POST', '/v1/organization/projects', { name: 'Audited' }, { 'user-agent': 'audit-test/1.0' })).body;
    await admin('POST', `/v1/organization/projects/${project.id}`, { name: 'Audited 2' });
    const log = await admin('GET', `/v1/organization/audit_logs?project_ids[]=${project.id}`);
    expect(log.body.data.map((e: any) => e.type)).toEqual(['project.updated', 'project.created']);
    const [updated, created] = log.body.data;
    expect(created).toMatchObject({ object: 'organization.audit_log', project: { id: project.id }, actor: { type: 'api_key', ip_address: '127.0.0.1', user_agent: 'audit-test/1.0' } });
    expect(created['project.created']).toEqual({ id: project.id, name: 'Audited' });
    expect(updated['project.updated']).toEqual({ id: project.id, changes: { name: { from: 'Audited', to: 'Audited 2' } } });
    const byType = await admin('GET', '/v1/organization/audit_logs?event_types[]=project.updated&limit=1');
    expect(byType.body.data.every((e: any) => e.type === 'project.updated')).toBe(true);
  });
});
