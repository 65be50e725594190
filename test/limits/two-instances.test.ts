import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/common/clock.js';
import { loadConfig } from '../../src/config/index.js';
import { countChatPromptTokens, encodingForModel } from '../../src/tokens/index.js';
import { startTollgate, type Tollgate } from '../../src/tollgate.js';
import { createPostgresDatabase, POSTGRES_URL, postgresSkipReason, REDIS_URL, redisPrefix, redisSkipReason } from '../helpers/services.js';
import { startTestTollgate, tempDir, type TestTollgate } from '../helpers/tollgate.js';
import { post, totals, type Reply } from './helpers.js';

const DOLLAR = 1_000_000_000_000n;

interface Pair {
  a: TestTollgate;
  b: Tollgate;
  stop(): Promise<void>;
}

/** Two Tollgate servers sharing one PostgreSQL database and one Redis (with a prefix of their own). */
async function startPair(settings: Record<string, unknown>, clock?: Clock): Promise<Pair> {
  const database = await createPostgresDatabase();
  const shared = { database_url: database.url, redis_url: REDIS_URL, redis_prefix: redisPrefix(), ...settings };
  const a = await startTestTollgate(shared, clock ? { clock } : {});
  const dir = tempDir();
  const { config } = loadConfig({
    env: {},
    overrides: { data_dir: dir.path, server: { port: 0 }, log: { level: 'silent' }, secret: 'test-secret-test-secret-test-secret-0123', ...shared },
  });
  const b = await startTollgate(config, { logger: pino({ level: 'silent' }), env: {}, ...(clock ? { clock } : {}) });
  return {
    a,
    b,
    async stop() {
      await Promise.all([a.stop(), b.close()]);
      dir.remove();
      await database.drop();
    },
  };
}

async function admin(tg: TestTollgate, path: string, body: unknown): Promise<Reply> {
  const reply = await post(`${tg.url}/v1/organization${path}`, tg.adminKey, body);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply;
}

describe.skipIf(!POSTGRES_URL || !REDIS_URL)(`a $1.00 project budget shared by two instances${postgresSkipReason}${redisSkipReason}`, () => {
  const text = 'alpha beta gamma delta';
  const messages = [{ role: 'user' as const, content: `echo: ${text}` }];
  const encoding = encodingForModel('tollgate-sim');
  // max_tokens is exactly the reply's length, so every request costs exactly its worst case.
  const completion = encoding.count(text);
  const prompt = countChatPromptTokens(messages, encoding);
  const cost = BigInt(prompt) * 100_000_000n + BigInt(completion) * 400_000_000n;
  const fits = DOLLAR / cost;
  let pair: Pair;

  beforeAll(async () => {
    // $100 / $400 per 1M tokens: $1.00 is a few hundred of these requests.
    pair = await startPair({ pricing: { models: { 'tollgate-sim': { input: '100', output: '400' } } }, metering: { flush_interval_ms: 50 } });
  });
  afterAll(() => pair?.stop());

  it('admits requests until less than one worst case is left, and never spends past $1.00', { timeout: 120_000 }, async () => {
    const { a, b } = pair;
    expect(fits).toBeGreaterThan(150n);
    expect(fits).toBeLessThan(450n);
    await admin(a, `/projects/${a.projectId}/budget`, { monthly_limit_usd: '1.00' });

    const body = { model: 'tollgate-sim', messages, max_tokens: completion };
    const replies = await Promise.all(Array.from({ length: 500 }, (_, i) => post(`${(i % 2 ? b.url : a.url)}/v1/chat/completions`, a.projectKey, body)));
    const admitted = replies.filter((r) => r.status === 200);
    const refused = replies.filter((r) => r.status !== 200);
    expect(admitted).toHaveLength(Number(fits));
    expect(admitted.every((r) => r.body.usage.completion_tokens === completion && r.body.usage.prompt_tokens === prompt)).toBe(true);
    for (const r of refused) {
      expect(r.status).toBe(429);
      expect(r.body.error).toMatchObject({ type: 'insufficient_quota', code: 'insufficient_quota' });
      expect(r.headers['x-should-retry']).toBe('false');
    }
    expect(refused[0]!.body.error.message).toContain(`project ${a.projectId} has $`);
    expect(refused[0]!.body.error.message).toContain(`left of its $1.00 monthly budget`);
    expect(refused[0]!.body.error.message).toContain(`POST /v1/organization/projects/${a.projectId}/budget`);
    // Both instances admitted some: the budget really was shared.
    const byInstance = [0, 1].map((side) => replies.filter((r, i) => i % 2 === side && r.status === 200).length);
    expect(byInstance[0]).toBeGreaterThan(0);
    expect(byInstance[1]).toBeGreaterThan(0);

    await Promise.all([a.services.limits.close(), b.services.limits.close()]);
    await Promise.all([a.services.recorder.flush(), b.services.recorder.flush()]);
    const t = await totals(a);
    expect(t.events).toBe(Number(fits));
    expect(t.eventCost).toBe(fits * cost);
    expect(t.eventCost).toBeLessThanOrEqual(DOLLAR);
    expect(DOLLAR - t.eventCost).toBeLessThan(cost);
    expect(t.counters.get(`project:${a.projectId}`)).toBe(t.eventCost);
    expect(t.ledgerDebits).toBe(t.eventCost);
  });
});

describe.skipIf(!POSTGRES_URL || !REDIS_URL)(`an RPM limit of 60 shared by two instances${postgresSkipReason}${redisSkipReason}`, () => {
  // Time stands still, so "exactly 60" does not depend on how fast this machine sends 300 requests.
  const now = Date.now();
  const clock: Clock = { now: () => now };
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair({}, clock);
  });
  afterAll(() => pair?.stop());

  it('admits exactly 60 of 300 concurrent requests and counts the headers down', { timeout: 120_000 }, async () => {
    const { a, b } = pair;
    const limit = await admin(a, `/projects/${a.projectId}/rate_limits/rl-tollgate-sim`, { max_requests_per_1_minute: 60 });
    expect(limit.body).toMatchObject({ object: 'project.rate_limit', id: 'rl-tollgate-sim', model: 'tollgate-sim', max_requests_per_1_minute: 60, max_tokens_per_1_minute: 30_000_000 });

    const body = { model: 'tollgate-sim', messages: [{ role: 'user', content: 'echo: hi' }], max_tokens: 5 };
    const replies = await Promise.all(Array.from({ length: 300 }, (_, i) => post(`${(i % 2 ? b.url : a.url)}/v1/chat/completions`, a.projectKey, body)));
    const admitted = replies.filter((r) => r.status === 200);
    expect(admitted).toHaveLength(60);
    expect(admitted.map((r) => Number(r.headers['x-ratelimit-remaining-requests'])).sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(new Set(admitted.map((r) => r.headers['x-ratelimit-limit-requests']))).toEqual(new Set(['60']));
    expect(new Set(admitted.map((r) => r.headers['x-ratelimit-limit-tokens']))).toEqual(new Set(['30000000']));
    // With the clock still, every admitted request leaves the bucket 1 s further from full.
    expect(admitted.map((r) => r.headers['x-ratelimit-reset-requests']).sort()).toContain('1m0s');
    const refused = replies.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(240);
    for (const r of refused) {
      expect(r.status).toBe(429);
      expect(r.body.error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded', param: null });
      expect(r.headers).toMatchObject({ 'retry-after': '1', 'retry-after-ms': '1000', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-limit-requests': '60' });
    }
    expect(refused[0]!.body.error.message).toBe(
      `Rate limit reached for tollgate-sim in project ${a.projectId} organization ${a.organizationId} on requests per min (RPM): Limit 60, Used 60, Requested 1. ` +
        `Please try again in 1s. To raise it, an organization admin can change the project's limit (POST /v1/organization/projects/${a.projectId}/rate_limits/rl-tollgate-sim).`,
    );
  });
});

describe.skipIf(!POSTGRES_URL || !REDIS_URL)(`admin changes reach every instance${postgresSkipReason}${redisSkipReason}`, () => {
  let pair: Pair;
  beforeAll(async () => {
    // Caches that would keep stale limits for ten minutes: only the broadcast can update them.
    pair = await startPair({ limits: { policy_cache_ms: 600_000 } });
  });
  afterAll(() => pair?.stop());

  async function untilRefusedOn(tg: Tollgate, key: string, code: string): Promise<Reply> {
    for (let i = 0; i < 100; i++) {
      const reply = await post(`${tg.url}/v1/chat/completions`, key, { model: 'tollgate-sim', max_tokens: 5, messages: [{ role: 'user', content: 'echo: hi' }] });
      if (reply.status === 429 && reply.body.error.code === code) return reply;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`instance never refused with ${code}`);
  }

  it('a budget set on one instance is enforced by the other, which had cached the project', { timeout: 60_000 }, async () => {
    const { a, b } = pair;
    const chat = (tg: Tollgate) => post(`${tg.url}/v1/chat/completions`, a.projectKey, { model: 'tollgate-sim', max_tokens: 5, messages: [{ role: 'user', content: 'echo: hi' }] });
    expect((await chat(b)).status).toBe(200);
    await admin(a, `/projects/${a.projectId}/budget`, { monthly_limit_usd: '0.000001' });
    const refused = await untilRefusedOn(b, a.projectKey, 'insufficient_quota');
    expect(refused.body.error.message).toContain(`project ${a.projectId}`);
    await admin(a, `/projects/${a.projectId}/budget`, { monthly_limit_usd: null });
    const keyId = (await a.services.store.db.selectFrom('api_keys').select('id').where('kind', '=', 'project').executeTakeFirstOrThrow()).id;
    expect((await chat(b)).status).toBe(200);
    await admin(a, `/projects/${a.projectId}/api_keys/${keyId}/limits`, { max_requests_per_1_minute: 1 });
    const limited = await untilRefusedOn(b, a.projectKey, 'rate_limit_exceeded');
    expect(limited.body.error.message).toContain(`API key ${keyId}`);
  });
});
