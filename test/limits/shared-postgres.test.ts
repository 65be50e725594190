import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/common/clock.js';
import { loadConfig } from '../../src/config/index.js';
import { countChatPromptTokens, encodingForModel } from '../../src/tokens/index.js';
import { startTollgate, type Tollgate } from '../../src/tollgate.js';
import { createPostgresDatabase, POSTGRES_URL, postgresSkipReason } from '../helpers/services.js';
import { startTestTollgate, tempDir, type TestTollgate } from '../helpers/tollgate.js';
import { post, totals, type Reply } from './helpers.js';

/**
 * Hard caps and rate limits on instances that share one PostgreSQL database
 * and no Redis. Before the PostgreSQL limit store each instance counted alone
 * in its own memory: two instances admitted twice a budget, and an instance
 * started after others had spent a budget admitted it all again.
 */

const PICOS_PER_USD = 1_000_000_000_000n;
const text = 'alpha beta gamma delta';
const messages = [{ role: 'user' as const, content: `echo: ${text}` }];
const encoding = encodingForModel('tollgate-sim');
// max_tokens is exactly the reply's length, so every request costs exactly its worst case.
const completion = encoding.count(text);
const prompt = countChatPromptTokens(messages, encoding);
const COST = BigInt(prompt) * 100_000_000n + BigInt(completion) * 400_000_000n;
const body = { model: 'tollgate-sim', messages, max_tokens: completion };
const settings = { pricing: { models: { 'tollgate-sim': { input: '100', output: '400' } } }, metering: { flush_interval_ms: 50 }, limits: { policy_cache_ms: 600_000 } };

interface Cluster {
  a: TestTollgate;
  others: Tollgate[];
  database: Awaited<ReturnType<typeof createPostgresDatabase>>;
  /** Starts one more instance on the same database (no Redis). */
  add(): Promise<Tollgate>;
  stop(): Promise<void>;
}

async function startCluster(extra: Record<string, unknown> = {}, clock?: Clock): Promise<Cluster> {
  const database = await createPostgresDatabase();
  const shared = { database_url: database.url, ...settings, ...extra };
  const a = await startTestTollgate(shared, { env: {}, ...(clock ? { clock } : {}) });
  const dirs: ReturnType<typeof tempDir>[] = [];
  const others: Tollgate[] = [];
  return {
    a,
    others,
    database,
    async add() {
      const dir = tempDir();
      dirs.push(dir);
      const { config } = loadConfig({ env: {}, overrides: { data_dir: dir.path, server: { port: 0 }, log: { level: 'silent' }, secret: 'test-secret-test-secret-test-secret-0123', ...shared } });
      const tollgate = await startTollgate(config, { logger: pino({ level: 'silent' }), env: {}, ...(clock ? { clock } : {}) });
      others.push(tollgate);
      return tollgate;
    },
    async stop() {
      await Promise.all([a.stop(), ...others.map((o) => o.close())]);
      for (const dir of dirs) dir.remove();
      await database.drop();
    },
  };
}

async function admin(tg: TestTollgate, path: string, payload: unknown): Promise<Reply> {
  const reply = await post(`${tg.url}/v1/organization${path}`, tg.adminKey, payload);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply;
}

/**
 * Resolves once `tg` has heard (and applied) the broadcast about `id`: its own
 * invalidation listener runs first. Rejects when it never arrives.
 */
function heardOn(tg: Tollgate, id: string): Promise<number> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the change to ${id} never reached the other instance`)), 20_000);
    tg.services.limits.store.onBroadcast((heard) => {
      if (heard !== id) return;
      clearTimeout(timer);
      resolve(performance.now() - start);
    });
  });
}

const chat = (tg: Tollgate, key: string) => post(`${tg.url}/v1/chat/completions`, key, body);

type Level = 'organization' | 'project' | 'key';

async function setCap(c: Cluster, level: Level, keyId: string, usd: string): Promise<string> {
  const { a } = c;
  if (level === 'organization') await admin(a, '/budget', { monthly_limit_usd: usd });
  if (level === 'project') await admin(a, `/projects/${a.projectId}/budget`, { monthly_limit_usd: usd });
  if (level === 'key') await admin(a, `/projects/${a.projectId}/api_keys/${keyId}/limits`, { monthly_budget_usd: usd });
  return level === 'organization' ? a.organizationId : level === 'project' ? a.projectId : `key:${keyId}`;
}

function expectQuotaRefusal(reply: Reply): void {
  expect(reply.status, JSON.stringify(reply.body)).toBe(429);
  expect(reply.body.error).toMatchObject({ type: 'insufficient_quota', code: 'insufficient_quota' });
}

describe.skipIf(!POSTGRES_URL)(`hard caps on instances sharing PostgreSQL without Redis${postgresSkipReason}`, () => {
  for (const level of ['organization', 'project', 'key'] as const) {
    describe(`the ${level} cap`, () => {
      let c: Cluster;
      let keyId: string;
      beforeAll(async () => {
        c = await startCluster();
        keyId = (await c.a.services.store.db.selectFrom('api_keys').select('id').where('kind', '=', 'project').executeTakeFirstOrThrow()).id;
      });
      afterAll(() => c?.stop());

      it('is exact for a concurrent burst, then for an instance started after it was set, then for alternating single requests', { timeout: 240_000 }, async () => {
        const { a } = c;
        const b = await c.add();
        // Both instances have served the key and cached its organization and project before the cap exists.
        expect((await chat(a, a.projectKey)).status).toBe(200);
        expect((await chat(b, a.projectKey)).status).toBe(200);

        const scope = level === 'key' ? `key:${keyId}` : level === 'organization' ? a.organizationId : a.projectId;
        const heard = heardOn(b, scope);
        await setCap(c, level, keyId, '0.05');
        const latencyMs = await heard;
        console.log(`${level} cap: from the admin request to the other instance applying it (PostgreSQL NOTIFY): ${latencyMs.toFixed(1)} ms`);

        // A burst of 100, alternating between the instances: together they admit what fits, to the request.
        const cap1 = (5n * PICOS_PER_USD) / 100n;
        const fits1 = Number(cap1 / COST);
        expect(fits1).toBeGreaterThan(10);
        expect(fits1).toBeLessThan(60);
        const burst = await Promise.all(Array.from({ length: 100 }, (_, i) => chat(i % 2 ? b : a, a.projectKey)));
        const burstAdmitted = burst.filter((r) => r.status === 200).length;
        expect(burstAdmitted).toBe(fits1 - 2);
        for (const r of burst.filter((x) => x.status !== 200)) expectQuotaRefusal(r);
        expect([0, 1].map((side) => burst.filter((r, i) => i % 2 === side && r.status === 200).length).every((n) => n > 0)).toBe(true);

        // An instance started now shares what the others spent: it has nothing left to admit.
        const late = await c.add();
        expectQuotaRefusal(await chat(late, a.projectKey));

        // Raise the cap by $0.02 and alternate single requests between the late and an early instance.
        const heardLate = heardOn(late, scope);
        const heardB = heardOn(b, scope);
        await setCap(c, level, keyId, '0.07');
        await Promise.all([heardLate, heardB]);
        const cap2 = (7n * PICOS_PER_USD) / 100n;
        const fits2 = Number(cap2 / COST);
        const singles: Reply[] = [];
        for (let i = 0; i < fits2 - fits1 + 4; i++) {
          singles.push(await chat(i % 2 ? late : b, a.projectKey));
          await new Promise((resolve) => setTimeout(resolve, 30));
        }
        const statuses = singles.map((r) => r.status);
        expect(statuses).toEqual([...Array<number>(fits2 - fits1).fill(200), 429, 429, 429, 429]);

        await Promise.all([a, ...c.others].map((tg) => tg.services.limits.close()));
        await Promise.all([a, ...c.others].map((tg) => tg.services.recorder.flush()));
        const t = await totals(a);
        expect(t.events).toBe(fits2);
        expect(t.eventCost).toBe(BigInt(fits2) * COST);
        expect(t.eventCost).toBeLessThanOrEqual(cap2);
        expect(cap2 - t.eventCost).toBeLessThan(COST);
        const counter = level === 'organization' ? `organization:${a.organizationId}` : level === 'project' ? `project:${a.projectId}` : `key:${keyId}`;
        expect(t.counters.get(counter)).toBe(t.eventCost);
      });
    });
  }
});

describe.skipIf(!POSTGRES_URL)(`an RPM limit of 30 on instances sharing PostgreSQL without Redis${postgresSkipReason}`, () => {
  // Time stands still, so "exactly 30" does not depend on how fast this machine sends the requests.
  const now = Date.now();
  const clock: Clock = { now: () => now };
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster({}, clock);
  });
  afterAll(() => c?.stop());

  it('admits exactly 30 of 120 concurrent requests spread over two instances', { timeout: 120_000 }, async () => {
    const { a } = c;
    const b = await c.add();
    await admin(a, `/projects/${a.projectId}/rate_limits/rl-tollgate-sim`, { max_requests_per_1_minute: 30 });
    // b never cached the project's overrides, so it reads them fresh.
    const replies = await Promise.all(Array.from({ length: 120 }, (_, i) => post(`${(i % 2 ? b.url : a.url)}/v1/chat/completions`, a.projectKey, { ...body, max_tokens: 5 })));
    const admitted = replies.filter((r) => r.status === 200);
    expect(admitted).toHaveLength(30);
    expect(admitted.map((r) => Number(r.headers['x-ratelimit-remaining-requests'])).sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    for (const r of replies.filter((x) => x.status !== 200)) {
      expect(r.status).toBe(429);
      expect(r.body.error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded' });
    }
  });
});
