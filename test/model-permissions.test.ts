import OpenAI from 'openai';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { startTollgate, type Tollgate } from '../src/tollgate.js';
import { client, type Call } from './helpers/admin.js';
import { createPostgresDatabase, POSTGRES_URL, postgresSkipReason, redisPrefix, redisSkipReason, REDIS_URL } from './helpers/services.js';
import { startTestTollgate, tempDir, type TestTollgate } from './helpers/tollgate.js';

/**
 * Model access per project (OpenAI's model permissions, driven with the openai
 * SDK's admin client) and per key: enforced on every inference endpoint with
 * OpenAI's 403, on fallbacks, and in GET /v1/models.
 */
const MODELS = [
  { name: 'smart', aliases: ['default'], deployments: [{ provider: 'simulator', model: 'tollgate-sim' }], fallbacks: ['cheap'] },
  { name: 'cheap', deployments: [{ provider: 'simulator', model: 'tollgate-sim' }] },
  { name: 'vectors', type: 'embeddings', deployments: [{ provider: 'simulator', model: 'tollgate-sim-embed' }] },
];

function suite(label: string, settings: () => Promise<{ settings: Record<string, unknown>; cleanup(): Promise<void> }>) {
  describe(`model permissions (${label})`, () => {
    let tg: TestTollgate;
    let sdk: OpenAI;
    let admin: Call;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      const setup = await settings();
      cleanup = setup.cleanup;
      tg = await startTestTollgate({ models: MODELS, ...setup.settings });
      sdk = new OpenAI({ baseURL: `${tg.url}/v1`, apiKey: tg.projectKey, adminAPIKey: tg.adminKey, maxRetries: 0 });
      admin = client(tg.url, tg.adminKey);
    });
    afterAll(async () => {
      await tg?.stop();
      await cleanup?.();
    });

    const chat = (key: string, model: string, headers: Record<string, string> = {}) =>
      client(tg.url, key)('POST', '/v1/chat/completions', { model, messages: [{ role: 'user', content: 'echo: hi' }] }, headers);
    const modelIds = async (key: string) => ((await client(tg.url, key)('GET', '/v1/models')).body.data as { id: string }[]).map((m) => m.id).sort();

    it('serves OpenAI\'s project model permissions through the SDK and enforces them', async () => {
      const permissions = sdk.admin.organization.projects.modelPermissions;
      expect(await permissions.retrieve(tg.projectId)).toEqual({ object: 'project.model_permissions', mode: 'deny_list', model_ids: [] });
      expect(await modelIds(tg.projectKey)).toEqual(['cheap', 'smart', 'tollgate-sim', 'tollgate-sim-embed', 'vectors']);
      const withFallback = await chat(tg.projectKey, 'smart', { 'x-tollgate-sim-fault': '500' });
      const attemptsWithFallback = Number(withFallback.headers.get('x-tollgate-attempts'));

      const updated = await permissions.update(tg.projectId, { mode: 'allow_list', model_ids: ['default', 'vectors', 'default'] });
      expect(updated).toEqual({ object: 'project.model_permissions', mode: 'allow_list', model_ids: ['default', 'vectors'] });
      expect(await permissions.retrieve(tg.projectId)).toEqual(updated);

      // An alias in the list allows the model by every name; the change is seen by the very next request.
      expect(await modelIds(tg.projectKey)).toEqual(['smart', 'vectors']);
      expect((await chat(tg.projectKey, 'smart')).status).toBe(200);
      const refused = await chat(tg.projectKey, 'cheap');
      expect(refused.status).toBe(403);
      expect(refused.body).toEqual({
        error: { message: `Project \`${tg.projectId}\` does not have access to model \`cheap\``, type: 'invalid_request_error', param: null, code: 'model_not_found' },
      });
      const sdkError = await sdk.chat.completions.create({ model: 'tollgate-sim', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
      expect(sdkError).toBeInstanceOf(OpenAI.PermissionDeniedError);
      expect((sdkError as InstanceType<typeof OpenAI.PermissionDeniedError>).code).toBe('model_not_found');
      expect((await client(tg.url, tg.projectKey)('GET', '/v1/models/cheap')).status).toBe(404);
      expect((await client(tg.url, tg.projectKey)('GET', '/v1/models/smart')).body.id).toBe('smart');

      // Every inference endpoint checks it.
      const call = client(tg.url, tg.projectKey);
      expect((await call('POST', '/v1/embeddings', { model: 'vectors', input: 'hi' })).status).toBe(200);
      expect((await call('POST', '/v1/completions', { model: 'cheap', prompt: 'hi' })).status).toBe(403);
      expect((await call('POST', '/v1/responses', { model: 'cheap', input: 'hi' })).status).toBe(403);
      expect((await call('POST', '/v1/responses', { model: 'default', input: 'echo: hi' })).status).toBe(200);

      // A fallback the project may not use is not tried.
      const failing = await chat(tg.projectKey, 'smart', { 'x-tollgate-sim-fault': '500' });
      expect(failing.status).toBe(500);
      expect(Number(failing.headers.get('x-tollgate-attempts'))).toBeLessThan(attemptsWithFallback);

      const deleted = await permissions.delete(tg.projectId);
      expect(deleted).toEqual({ object: 'project.model_permissions.deleted', deleted: true });
      expect((await chat(tg.projectKey, 'cheap')).status).toBe(200);

      const audit = await admin('GET', `/v1/organization/audit_logs?resource_ids[]=${tg.projectId}&limit=2`);
      expect(audit.body.data.map((e: any) => e.type)).toEqual(['model_permissions.deleted', 'model_permissions.updated']);
    });

    it('gives each key its own list, which narrows the project\'s', async () => {
      const created = await admin('POST', `/v1/organization/projects/${tg.projectId}/api_keys`, { name: 'narrow' });
      const key = created.body as { id: string; value: string };
      const path = `/v1/organization/projects/${tg.projectId}/api_keys/${key.id}/model_permissions`;
      expect((await admin('GET', path)).body).toEqual({ object: 'project.api_key.model_permissions', mode: 'deny_list', model_ids: [] });
      expect((await chat(key.value, 'cheap')).status).toBe(200); // cached now

      const set = await admin('POST', path, { mode: 'deny_list', model_ids: ['cheap'] });
      expect(set.body).toEqual({ object: 'project.api_key.model_permissions', mode: 'deny_list', model_ids: ['cheap'] });
      const refused = await chat(key.value, 'cheap');
      expect(refused.status).toBe(403);
      expect(refused.body.error.message).toBe(`API key \`${key.id}\` does not have access to model \`cheap\``);
      expect(await modelIds(key.value)).toEqual(['smart', 'tollgate-sim', 'tollgate-sim-embed', 'vectors']);
      // Other keys of the project are untouched.
      expect((await chat(tg.projectKey, 'cheap')).status).toBe(200);

      // The project's list applies as well: the key gets what both allow.
      await admin('POST', `/v1/organization/projects/${tg.projectId}/model_permissions`, { mode: 'allow_list', model_ids: ['cheap', 'smart'] });
      expect(await modelIds(key.value)).toEqual(['smart']);
      await admin('DELETE', `/v1/organization/projects/${tg.projectId}/model_permissions`);

      expect((await admin('DELETE', path)).body).toEqual({ object: 'project.api_key.model_permissions.deleted', deleted: true });
      expect((await chat(key.value, 'cheap')).status).toBe(200);
    });

    it('refuses bad input with a 400 naming the field, and other projects\' keys with a 404', async () => {
      const base = `/v1/organization/projects/${tg.projectId}/model_permissions`;
      const badMode = await admin('POST', base, { mode: 'block', model_ids: [] });
      expect(badMode.status).toBe(400);
      expect(badMode.body.error.param).toBe('mode');
      const missing = await admin('POST', base, { mode: 'allow_list' });
      expect(missing.status).toBe(400);
      expect(missing.body.error.param).toBe('model_ids');
      const tooMany = await admin('POST', base, { mode: 'allow_list', model_ids: Array.from({ length: 501 }, (_, i) => `m${i}`) });
      expect(tooMany.status).toBe(400);
      expect(tooMany.body.error.param).toBe('model_ids');
      expect((await admin('GET', '/v1/organization/projects/proj_nope/model_permissions')).status).toBe(404);
      const other = await admin('POST', '/v1/organization/projects', { name: 'other' });
      const otherKey = await admin('GET', `/v1/organization/projects/${other.body.id}/api_keys/${'key_missing'}/model_permissions`);
      expect(otherKey.status).toBe(404);
      // A project key cannot read or change permissions.
      expect((await client(tg.url, tg.projectKey)('GET', base)).status).toBe(403);
    });
  });
}

suite('SQLite', async () => ({ settings: {}, cleanup: async () => {} }));

describe.skipIf(!POSTGRES_URL || !REDIS_URL)(`model permissions on PostgreSQL + Redis, two instances${postgresSkipReason}${redisSkipReason}`, () => {
  suite('PostgreSQL', async () => {
    const database = await createPostgresDatabase();
    return { settings: { database_url: database.url }, cleanup: () => database.drop() };
  });

  let database: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let a: TestTollgate;
  let b: { tollgate: Tollgate; stop(): Promise<void> };
  beforeAll(async () => {
    database = await createPostgresDatabase();
    const settings = { models: MODELS, database_url: database.url, redis_url: REDIS_URL, redis_prefix: redisPrefix(), keys: { revalidate_interval_ms: 600_000 } };
    a = await startTestTollgate(settings);
    const dir = tempDir();
    const { config } = loadConfig({ env: {}, overrides: { data_dir: dir.path, server: { port: 0 }, log: { level: 'silent' }, secret: 'test-secret-test-secret-test-secret-0123', ...settings } });
    const tollgate = await startTollgate(config, { logger: pino({ level: 'silent' }) });
    b = { tollgate, stop: async () => (await tollgate.close(), dir.remove()) };
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await database?.drop();
  });

  it('a project list set through one instance is enforced by the other within 1 s', async () => {
    const onB = () => client(b.tollgate.url, a.projectKey)('POST', '/v1/chat/completions', { model: 'cheap', messages: [{ role: 'user', content: 'hi' }] });
    expect((await onB()).status).toBe(200); // the key is cached on B
    await client(a.url, a.adminKey)('POST', `/v1/organization/projects/${a.projectId}/model_permissions`, { mode: 'deny_list', model_ids: ['cheap'] });
    const started = performance.now();
    let status = 200;
    while (performance.now() - started < 1000 && status !== 403) status = (await onB()).status;
    expect(status).toBe(403);
  });
});
