import { execFile } from 'node:child_process';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { createOrganization } from '../src/control/index.js';
import { startTollgate } from '../src/tollgate.js';
import { chatCompletion, sendError, sendJson, startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { startTestTollgate, tempDir, type TestTollgate } from './helpers/tollgate.js';

const run = promisify(execFile);
const STORED_KEY = 'sk-stored-upstream-secret-7f3a9c';
const ENV_KEY = 'sk-env-upstream-secret-41d2e8';

/** Captures every log line of a Tollgate instance. */
function capturingLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level: 'trace' }, stream), text: () => lines.join('') };
}

describe('upstream credentials', () => {
  let upstream: FakeOpenAI;
  let tg: TestTollgate;
  const logs = capturingLogger();

  beforeAll(async () => {
    upstream = await startFakeOpenAI((req, res) => sendJson(res, 200, chatCompletion(req.body.model, 'ok')));
    tg = await startTestTollgate(
      {
        providers: { up: { kind: 'openai', base_url: upstream.baseUrl, api_key_env: 'UP_KEY' } },
        models: [{ name: 'up-model', deployments: [{ provider: 'up', model: 'up' }] }],
      },
      { env: { UP_KEY: ENV_KEY }, logger: logs.logger },
    );
  });
  afterAll(async () => {
    await tg.stop();
    await upstream.close();
  });
  beforeEach(() => {
    upstream.requests.length = 0;
  });

  const admin = (method: string, url: string, body?: object, key = tg.adminKey) =>
    fetch(`${tg.url}/v1/organization${url}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  const chat = () =>
    fetch(`${tg.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tg.projectKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'up-model', messages: [{ role: 'user', content: 'hi' }] }),
    });

  it('uses the environment key until a key is stored, then the stored one at once, and back after clearing', async () => {
    await chat();
    expect(upstream.requests[0]!.headers.authorization).toBe(`Bearer ${ENV_KEY}`);

    const set = await admin('PUT', '/providers/up/key', { api_key: STORED_KEY });
    expect(set.status).toBe(200);
    const setText = await set.text();
    expect(setText).not.toContain(STORED_KEY);
    expect(JSON.parse(setText)).toMatchObject({ object: 'organization.provider', id: 'up', kind: 'openai', key_source: 'store' });

    await chat();
    expect(upstream.requests[1]!.headers.authorization).toBe(`Bearer ${STORED_KEY}`);

    const list = await (await admin('GET', '/providers')).text();
    expect(list).not.toContain(STORED_KEY);
    expect(JSON.parse(list).data).toEqual([expect.objectContaining({ id: 'up', key_source: 'store', key_updated_at: expect.any(Number) })]);

    const row = await tg.services.store.db.selectFrom('provider_credentials').selectAll().executeTakeFirstOrThrow();
    expect(row.sealed_api_key).toMatch(/^v1\./);
    expect(row.sealed_api_key).not.toContain(STORED_KEY);
    expect(tg.services.secret.decrypt(row.sealed_api_key)).toBe(STORED_KEY);

    const cleared = await admin('DELETE', '/providers/up/key');
    expect((await cleared.json()) as object).toMatchObject({ key_source: 'env', key_updated_at: null });
    await chat();
    expect(upstream.requests[2]!.headers.authorization).toBe(`Bearer ${ENV_KEY}`);
  });

  it('refuses project keys, admins of other organizations, unknown providers and malformed keys', async () => {
    expect((await admin('GET', '/providers', undefined, tg.projectKey)).status).toBe(403);
    const org = await createOrganization(tg.services.store.db, tg.services.clock, 'Tenant');
    const tenantAdmin = await tg.services.keys.create({ kind: 'admin', organizationId: org.id, projectId: null, name: 'tenant admin' });
    const denied = await admin('PUT', '/providers/up/key', { api_key: 'sk-tenant-key' }, tenantAdmin.secret);
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { error: { code: string } }).error.code).toBe('permission_denied');
    const unknown = await admin('PUT', '/providers/nope/key', { api_key: STORED_KEY });
    expect(unknown.status).toBe(404);
    const bad = await admin('PUT', '/providers/up/key', { api_key: 'has spaces in it' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { param: string } }).error.param).toBe('api_key');
    const missing = await admin('PUT', '/providers/up/key', {});
    expect(((await missing.json()) as { error: { param: string } }).error.param).toBe('api_key');
  });

  it('takes the operator\'s authority from the key: an admin key the operator makes has it, one its organization makes without the operator has not', async () => {
    const made = await (await admin('POST', '/admin_api_keys', { name: 'ops deputy' })).json() as { value: string; id: string };
    expect((await admin('GET', '/providers', undefined, made.value)).status).toBe(200);
    const db = tg.services.store.db;
    const plain = await tg.services.keys.create({ kind: 'admin', organizationId: tg.organizationId, projectId: null, name: 'made by an Owner' });
    const refused = await admin('GET', '/providers', undefined, plain.secret);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('permission_denied');
    expect((await db.selectFrom('api_keys').select('operator').where('id', '=', made.id).executeTakeFirstOrThrow()).operator).toBe(1n);
  });

  it('never puts an upstream key in an error answer', async () => {
    await admin('PUT', '/providers/up/key', { api_key: STORED_KEY });
    upstream.handle((_req, res) => sendError(res, 401, `Incorrect API key provided: ${STORED_KEY}.`, {}, 'invalid_request_error', 'invalid_api_key'));
    const res = await chat();
    const text = await res.text();
    expect(res.status).toBe(502);
    expect(text).not.toContain(STORED_KEY);
    expect(JSON.parse(text).error.message).toBe("The upstream provider up rejected the gateway's credentials.");
    upstream.handle((req, res) => sendJson(res, 200, chatCompletion(req.body.model, 'ok')));
  });

  it('never writes an upstream key to the logs', () => {
    const text = logs.text();
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toContain(STORED_KEY);
    expect(text).not.toContain(ENV_KEY);
  });
});

describe('stored credentials across restarts and the CLI', () => {
  it('loads a stored key at boot, and the CLI stores and lists keys without printing them', async () => {
    const upstream = await startFakeOpenAI((req, res) => sendJson(res, 200, chatCompletion(req.body.model, 'ok')));
    const dir = tempDir();
    const secret = 'cli-test-secret-cli-test-secret-0123456';
    const settings = {
      data_dir: dir.path,
      secret,
      server: { port: 0 },
      providers: { up: { kind: 'openai', base_url: upstream.baseUrl } },
      models: [{ name: 'up-model', deployments: [{ provider: 'up', model: 'up' }] }],
    };
    const env = { ...process.env, TOLLGATE_SECRET: secret, TOLLGATE_PROVIDERS: JSON.stringify(settings.providers), TOLLGATE_MODELS: JSON.stringify(settings.models) };
    try {
      const set = await run('sh', ['-c', `printf '%s' "$KEY" | node bin/tollgate.mjs providers set-key up -d "${dir.path}"`], { env: { ...env, KEY: STORED_KEY } });
      expect(set.stdout).toContain("Stored the key of provider 'up'");
      expect(set.stdout + set.stderr).not.toContain(STORED_KEY);
      const list = await run('node', ['bin/tollgate.mjs', 'providers', 'list', '-d', dir.path], { env });
      expect(list.stdout).toMatch(/up\s+openai\s+\S+\s+store/);
      expect(list.stdout).not.toContain(STORED_KEY);
      const printed = await run('node', ['bin/tollgate.mjs', 'config', 'print', '-d', dir.path], {
        env: { ...env, TOLLGATE_PROVIDERS: JSON.stringify({ up: { kind: 'openai', api_key: STORED_KEY } }) },
      });
      expect(printed.stdout).toContain('api_key: "[redacted]"');
      expect(printed.stdout).not.toContain(STORED_KEY);

      const { config } = loadConfig({ env: {}, overrides: { ...settings, log: { level: 'silent' } } });
      const tollgate = await startTollgate(config, { logger: pino({ level: 'silent' }), env: {} });
      try {
        const key = (await tollgate.services.keys.create({ kind: 'project', organizationId: (await firstOrg(tollgate)).id, projectId: (await firstProject(tollgate)).id, name: 't' })).secret;
        const res = await fetch(`${tollgate.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'up-model', messages: [{ role: 'user', content: 'hi' }] }),
        });
        expect(res.status).toBe(200);
        expect(upstream.requests[0]!.headers.authorization).toBe(`Bearer ${STORED_KEY}`);
      } finally {
        await tollgate.close();
      }
    } finally {
      await upstream.close();
      dir.remove();
    }
  });
});

async function firstOrg(t: { services: { store: { db: any } } }) {
  return t.services.store.db.selectFrom('organizations').select('id').executeTakeFirstOrThrow();
}
async function firstProject(t: { services: { store: { db: any } } }) {
  return t.services.store.db.selectFrom('projects').select('id').executeTakeFirstOrThrow();
}

describe('stored credentials across instances', () => {
  it('a key set through one instance reaches another sharing the store', async () => {
    const upstream = await startFakeOpenAI((req, res) => sendJson(res, 200, chatCompletion(req.body.model, 'ok')));
    const dir = tempDir();
    const settings = {
      data_dir: dir.path,
      secret: 'shared-secret-shared-secret-shared-0123',
      server: { port: 0 },
      log: { level: 'silent' },
      providers: { up: { kind: 'openai', base_url: upstream.baseUrl } },
      models: [{ name: 'up-model', deployments: [{ provider: 'up', model: 'up' }] }],
    };
    const { config } = loadConfig({ env: {}, overrides: settings });
    const a = await startTollgate(config, { logger: pino({ level: 'silent' }), env: {} });
    const b = await startTollgate(config, { logger: pino({ level: 'silent' }), env: {} });
    try {
      const adminKey = a.bootstrapped!.adminKey;
      const projectKey = a.bootstrapped!.projectKey;
      const callB = () =>
        fetch(`${b.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${projectKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'up-model', messages: [{ role: 'user', content: 'hi' }] }),
        });
      const put = await fetch(`${a.url}/v1/organization/providers/up/key`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ api_key: STORED_KEY }),
      });
      expect(put.status).toBe(200);
      await callB();
      expect(upstream.requests.at(-1)!.headers.authorization).toBeUndefined();
      await b.services.providers.refreshStoredKeys();
      await callB();
      expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${STORED_KEY}`);
      await fetch(`${a.url}/v1/organization/providers/up/key`, { method: 'DELETE', headers: { authorization: `Bearer ${adminKey}` } });
      await b.services.providers.refreshStoredKeys();
      await callB();
      expect(upstream.requests.at(-1)!.headers.authorization).toBeUndefined();
    } finally {
      await b.close();
      await a.close();
      await upstream.close();
      dir.remove();
    }
  });
});
