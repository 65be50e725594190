import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { startTollgate, type Tollgate } from '../../src/tollgate.js';
import { client } from '../helpers/admin.js';
import { browser } from '../helpers/browser.js';
import { inviteAndJoin, PASSWORD, setupOperator } from '../helpers/people.js';
import { createPostgresDatabase, POSTGRES_URL, postgresSkipReason, redisPrefix, redisSkipReason, REDIS_URL } from '../helpers/services.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';
import { startTestTollgate, tempDir, type TestTollgate } from '../helpers/tollgate.js';

const CHAT = { model: 'tollgate-sim', messages: [{ role: 'user', content: 'echo: hi' }] };

async function within(limitMs: number, check: () => Promise<boolean>): Promise<number | null> {
  const started = performance.now();
  while (performance.now() - started < limitMs) {
    if (await check()) return performance.now() - started;
    await new Promise((r) => setTimeout(r, 10));
  }
  return null;
}

describe.skipIf(!POSTGRES_URL || !REDIS_URL)(`people across two instances on PostgreSQL + Redis${postgresSkipReason}${redisSkipReason}`, () => {
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let smtp: TestSmtp;
  let a: TestTollgate;
  let b: Tollgate;
  const dir = tempDir();

  beforeAll(async () => {
    database = await createPostgresDatabase();
    smtp = await startTestSmtp();
    // Store re-validation is pushed far out: only Redis can carry the revocation in time.
    const settings = { database_url: database.url, redis_url: REDIS_URL, redis_prefix: redisPrefix(), smtp_url: smtp.url, keys: { revalidate_interval_ms: 600_000, maintenance_interval_ms: 3_600_000 } };
    a = await startTestTollgate(settings);
    const { config } = loadConfig({ env: {}, overrides: { data_dir: dir.path, server: { port: 0 }, log: { level: 'silent' }, secret: 'test-secret-test-secret-test-secret-0123', ...settings } });
    b = await startTollgate(config, { logger: pino({ level: 'silent' }), env: {} });
  });
  afterAll(async () => {
    await b?.close();
    await a?.stop();
    dir.remove();
    await smtp?.stop();
    await database?.drop();
  });

  it('a session made on one instance works on the other, and a removed member\'s key stops on the other within 1 s', async () => {
    const operator = await setupOperator(a);
    const member = await inviteAndJoin(a, smtp, operator, a.organizationId, 'member@example.com', 'reader', [{ id: a.projectId, role: 'member' }]);
    // The member's session cookie is good on B: sessions live in the shared store.
    const onB = browser(b.url);
    for (const [name, value] of member.browser.cookies) onB.cookies.set(name, value);
    expect((await onB.call('GET', '/v1/me')).body.email).toBe('member@example.com');
    const key = await onB.call('POST', `/v1/organization/projects/${a.projectId}/api_keys`, { name: 'made on B' });
    expect(key.status, JSON.stringify(key.body)).toBe(200);
    const chatOnB = () => client(b.url, key.body.value)('POST', '/v1/chat/completions', CHAT);
    expect((await chatOnB()).status).toBe(200); // cached on B
    expect((await operator.call('DELETE', `/v1/organization/users/${member.userId}`)).status).toBe(200);
    const took = await within(1000, async () => (await chatOnB()).status === 401);
    expect(took, 'the removed member\'s key still worked on the other instance after 1 s').not.toBeNull();
    console.log(`a removed member's key was refused by the other instance after ${took!.toFixed(1)} ms`);
    expect((await onB.call('GET', '/v1/organization/projects')).status).toBe(403);
  });

  it('counts failed sign-ins for one account across both instances', async () => {
    const fromA = browser(a.url);
    const fromB = browser(b.url);
    for (let i = 0; i < 3; i++) expect((await fromA.signIn('operator@example.com', `wrong-password-${i}-x`)).status).toBe(401);
    for (let i = 0; i < 2; i++) expect((await fromB.signIn('operator@example.com', `wrong-password-b${i}-x`)).status).toBe(401);
    expect((await fromB.signIn('operator@example.com', PASSWORD)).status).toBe(429);
    expect((await fromA.signIn('operator@example.com', PASSWORD)).status).toBe(429);
  });
});
