import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { startTollgate, type Tollgate } from '../src/tollgate.js';
import { client, type Call } from './helpers/admin.js';
import { createPostgresDatabase, POSTGRES_URL, postgresSkipReason, redisPrefix, redisSkipReason, REDIS_URL } from './helpers/services.js';
import { startTestTollgate, tempDir, type TestTollgate } from './helpers/tollgate.js';

const CHAT = { model: 'tollgate-sim', messages: [{ role: 'user', content: 'echo: hi' }] };

/** A second instance on the same store (no bootstrap: the first one did it). */
async function startPeer(settings: Record<string, unknown>): Promise<{ tollgate: Tollgate; stop(): Promise<void> }> {
  const dir = tempDir();
  const { config } = loadConfig({
    env: {},
    overrides: { data_dir: dir.path, server: { port: 0 }, log: { level: 'silent' }, secret: 'test-secret-test-secret-test-secret-0123', ...settings },
  });
  const tollgate = await startTollgate(config, { logger: pino({ level: 'silent' }), env: {} });
  return { tollgate, stop: async () => (await tollgate.close(), dir.remove()) };
}

/** Polls until `check` holds; returns the milliseconds it took, or null after `limitMs`. */
async function within(limitMs: number, check: () => Promise<boolean>): Promise<number | null> {
  const started = performance.now();
  while (performance.now() - started < limitMs) {
    if (await check()) return performance.now() - started;
    await new Promise((r) => setTimeout(r, 10));
  }
  return null;
}

describe.skipIf(!POSTGRES_URL || !REDIS_URL)(`key revocation and rotation across two instances on PostgreSQL + Redis${postgresSkipReason}${redisSkipReason}`, () => {
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let a: TestTollgate;
  let b: Awaited<ReturnType<typeof startPeer>>;
  let admin: Call;
  const onB = (key: string) => client(b.tollgate.url, key)('POST', '/v1/chat/completions', CHAT);

  beforeAll(async () => {
    database = await createPostgresDatabase();
    // Store re-validation is pushed far out: only Redis can carry the invalidation in time.
    const settings = { database_url: database.url, redis_url: REDIS_URL, redis_prefix: redisPrefix(), keys: { revalidate_interval_ms: 600_000, maintenance_interval_ms: 3_600_000 } };
    a = await startTestTollgate(settings);
    b = await startPeer(settings);
    admin = client(a.url, a.adminKey);
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await database?.drop();
  });

  const newKey = async () => (await admin('POST', `/v1/organization/projects/${a.projectId}/api_keys`, { name: 'shared' })).body as { id: string; value: string };

  it('a key revoked on one instance is refused by the other within 1 s', async () => {
    const key = await newKey();
    expect((await onB(key.value)).status).toBe(200); // cached on B
    expect((await onB(key.value)).status).toBe(200);
    await admin('DELETE', `/v1/organization/projects/${a.projectId}/api_keys/${key.id}`);
    const took = await within(1000, async () => (await onB(key.value)).status === 401);
    expect(took, 'revocation did not reach the second instance within 1 s').not.toBeNull();
    console.info(`revocation propagated to the second instance in ${took!.toFixed(1)} ms`);
  });

  it('rotation: both secrets work on both instances during the grace; a grace of 0 ends the old one everywhere', async () => {
    const key = await newKey();
    expect((await onB(key.value)).status).toBe(200);
    const rotated = (await admin('POST', `/v1/organization/projects/${a.projectId}/api_keys/${key.id}/rotate`, { grace_period_seconds: 3600 })).body;
    expect((await onB(key.value)).status).toBe(200);
    expect((await onB(rotated.value)).status).toBe(200);
    const next = (await admin('POST', `/v1/organization/projects/${a.projectId}/api_keys/${rotated.id}/rotate`, { grace_period_seconds: 0 })).body;
    const took = await within(1000, async () => (await onB(rotated.value)).status === 401);
    expect(took).not.toBeNull();
    expect((await onB(next.value)).status).toBe(200);
    expect((await onB(key.value)).status).toBe(200); // the first key's own grace is still running
  });

  it('archiving a project on one instance stops its keys on the other', async () => {
    const project = (await admin('POST', '/v1/organization/projects', { name: 'Shared' })).body;
    const key = (await admin('POST', `/v1/organization/projects/${project.id}/api_keys`, {})).body;
    expect((await onB(key.value)).status).toBe(200);
    await admin('POST', `/v1/organization/projects/${project.id}/archive`);
    expect(await within(1000, async () => (await onB(key.value)).status === 401)).not.toBeNull();
  });
});

describe.skipIf(!POSTGRES_URL)(`revocation without Redis: store re-validation${postgresSkipReason}`, () => {
  it('reaches a second instance on its next re-validation', { timeout: 120_000 }, async () => {
    const database = await createPostgresDatabase();
    const settings = { database_url: database.url, keys: { revalidate_interval_ms: 200 } };
    const a = await startTestTollgate(settings);
    const b = await startPeer(settings);
    try {
      const admin = client(a.url, a.adminKey);
      const key = (await admin('POST', `/v1/organization/projects/${a.projectId}/api_keys`, {})).body;
      const onB = () => client(b.tollgate.url, key.value)('POST', '/v1/chat/completions', CHAT);
      expect((await onB()).status).toBe(200);
      await admin('DELETE', `/v1/organization/projects/${a.projectId}/api_keys/${key.id}`);
      expect(await within(5000, async () => (await onB()).status === 401)).not.toBeNull();
    } finally {
      await b.stop();
      await a.stop();
      await database.drop();
    }
  });
});
