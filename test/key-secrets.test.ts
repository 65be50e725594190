import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, type Call } from './helpers/admin.js';
import { startTestTollgate, type TestTollgate } from './helpers/tollgate.js';

/**
 * Leak reports, and the promise that no secret is ever written anywhere but
 * the one answer that creates it: every log line (captured at trace level),
 * every error body and every audit or notification row is searched for every
 * secret this suite created.
 */
describe('leak reports and secrets never leaving their one answer', () => {
  let tg: TestTollgate;
  let admin: Call;
  const logLines: string[] = [];
  const secrets = new Set<string>();
  const bodies: string[] = [];

  const remember = (value: unknown) => {
    if (typeof value === 'string' && /^sk-(proj|svcacct|admin)-/.test(value)) secrets.add(value);
  };
  const call = async (key: string | null, method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
    const answer = await client(tg.url, key)(method, path, body, headers);
    if (answer.status >= 400) bodies.push(JSON.stringify(answer.body));
    return answer;
  };

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    tg = await startTestTollgate({ keys: { max_failed_auth_per_minute: 0 } }, { logger: pino({ level: 'trace' }, sink) });
    admin = client(tg.url, tg.adminKey);
    remember(tg.adminKey);
    remember(tg.projectKey);
  });
  afterAll(() => tg.stop());

  it('revokes a live key at once, audits it, records a notification, and echoes no secret', async () => {
    const live = (await admin('POST', `/v1/organization/projects/${tg.projectId}/api_keys`, { name: 'leaky' })).body;
    const dead = (await admin('POST', `/v1/organization/projects/${tg.projectId}/api_keys`, { name: 'dead' })).body;
    remember(live.value);
    remember(dead.value);
    await admin('DELETE', `/v1/organization/projects/${tg.projectId}/api_keys/${dead.id}`);
    expect((await call(live.value, 'GET', '/v1/models')).status).toBe(200);

    const unknown = 'sk-proj-' + live.value.slice(8, 12) + 'x'.repeat(39) + live.value.slice(51);
    const report = await call(null, 'POST', '/v1/leaks', { strings: [live.value, dead.value, `  ${live.value}  `, 'sk-proj-tooshort', unknown], source: 'https://example.com/repo/blob/main/.env' }, { 'user-agent': 'scanner/2.0' });
    expect(report.status).toBe(200);
    expect(report.body).toEqual({
      object: 'leak_report',
      live: 1,
      data: [
        { index: 0, redacted_value: `sk-proj-...${live.value.slice(-4)}`, status: 'revoked', live: true },
        { index: 1, redacted_value: `sk-proj-...${dead.value.slice(-4)}`, status: 'inactive', live: false },
        { index: 2, redacted_value: `sk-proj-...${live.value.slice(-4)}`, status: 'inactive', live: false },
        { index: 3, redacted_value: null, status: 'not_a_key', live: false },
        { index: 4, redacted_value: null, status: 'not_a_key', live: false },
      ],
    });
    bodies.push(JSON.stringify(report.body));
    expect((await call(live.value, 'GET', '/v1/models')).status).toBe(401);

    const key = await admin('GET', `/v1/organization/projects/${tg.projectId}/api_keys/${live.id}`);
    expect(key.body).toMatchObject({ status: 'revoked', revoked_reason: 'leak_report' });
    const audit = await admin('GET', `/v1/organization/audit_logs?resource_ids[]=${live.id}&event_types[]=api_key.revoked&event_types[]=leak.reported`);
    expect(audit.body.data.map((e: any) => e.type)).toEqual(['leak.reported', 'leak.reported', 'api_key.revoked']);
    expect(audit.body.data[2]).toMatchObject({ actor: { type: 'system', user_agent: 'scanner/2.0', ip_address: '127.0.0.1' }, 'api_key.revoked': { reason: 'leak_report' } });
    const events = await tg.services.store.db.selectFrom('notification_events').selectAll().where('type', '=', 'api_key.leaked').execute();
    expect(events.map((e) => e.resource_id)).toEqual([live.id]);
  });

  it('validates leak reports', async () => {
    const empty = await call(null, 'POST', '/v1/leaks', { strings: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.error.param).toBe('strings');
    const tooMany = await call(null, 'POST', '/v1/leaks', { strings: Array(101).fill('x') });
    expect(tooMany.status).toBe(400);
  });

  it('writes no secret to any log line, error body, audit entry or notification', async () => {
    // Exercise every path that touches a secret: creation of every kind, rotation, failures of every kind.
    const project = (await admin('POST', '/v1/organization/projects', { name: 'Secrets' })).body;
    const base = `/v1/organization/projects/${project.id}`;
    const key = (await admin('POST', `${base}/api_keys`, { allowed_ips: ['10.0.0.0/8'] })).body;
    remember(key.value);
    const rotated = (await admin('POST', `${base}/api_keys/${key.id}/rotate`, { grace_period_seconds: 60 })).body;
    remember(rotated.value);
    const account = (await admin('POST', `${base}/service_accounts`, { name: 'svc' })).body;
    remember(account.api_key.value);
    const adminKey = (await admin('POST', '/v1/organization/admin_api_keys', { name: 'a2' })).body;
    remember(adminKey.value);
    await call(key.value, 'GET', '/v1/models'); // wrong IP
    await call(rotated.value, 'GET', '/v1/organization/projects'); // project key on the admin API
    await call(tg.adminKey, 'POST', '/v1/chat/completions', {}); // admin key on inference
    await call(account.api_key.value.slice(0, -1) + '0', 'GET', '/v1/models'); // wrong checksum
    await call(`${tg.projectKey}x`, 'GET', '/v1/models'); // too long
    await call(null, 'GET', '/v1/models', undefined, { 'api-key': tg.projectKey.replace('sk-proj-', 'sk-svcacct-') });
    await call(adminKey.value, 'POST', `${base}/api_keys/${key.id}`, { permissions: { mode: 'none' } }); // a 400
    await tg.services.keys.flushLastUsed();

    expect(secrets.size).toBe(8);
    const audit = await tg.services.store.db.selectFrom('audit_logs').select(['details', 'actor_user_agent']).execute();
    const notifications = await tg.services.store.db.selectFrom('notification_events').select('payload').execute();
    const keyRows = await tg.services.store.db.selectFrom('api_keys').selectAll().execute();
    const keyTable = JSON.stringify(keyRows, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    // Keys are stored only as keyed hashes: each secret's HMAC under the server secret is on a row; an unkeyed hash of it is nowhere.
    const hashes = new Set(keyRows.map((row) => row.hash));
    for (const secret of secrets) {
      expect(hashes.has(tg.services.secret.hash(secret)), `no keyed hash stored for ${secret.slice(0, 12)}...`).toBe(true);
      expect(keyTable).not.toContain(createHash('sha256').update(secret).digest('hex'));
    }
    const logs = logLines.join('\n');
    expect(logLines.length).toBeGreaterThan(20);
    const places: [string, string][] = [
      ['api_keys table', keyTable],
      ['logs', logs],
      ['error bodies', bodies.join('\n')],
      ['audit log', JSON.stringify(audit)],
      ['notifications', JSON.stringify(notifications)],
    ];
    for (const secret of secrets) {
      const body = secret.slice(secret.lastIndexOf('-') + 1);
      for (const [where, text] of places) {
        expect(text.includes(body), `a secret ${secret.slice(0, 12)}... appears in the ${where}`).toBe(false);
      }
    }
  });
});
