import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthOf, readSpent } from '../../src/billing/index.js';
import { countChatPromptTokens, encodingForModel } from '../../src/tokens/index.js';
import { REDIS_URL, redisPrefix, redisSkipReason } from '../helpers/services.js';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';
import { post, until } from './helpers.js';

const messages = [{ role: 'user' as const, content: 'echo: hello world' }];
const chat = (tg: TestTollgate, body: Record<string, unknown> = {}) => post(`${tg.url}/v1/chat/completions`, tg.projectKey, { model: 'tollgate-sim', messages, ...body });

describe('TPM counts the worst case up front and the real tokens afterwards', () => {
  const now = Date.now();
  let tg: TestTollgate;
  beforeAll(async () => {
    tg = await startTestTollgate({}, { clock: { now: () => now } });
    const set = await post(`${tg.url}/v1/organization/projects/${tg.projectId}/rate_limits/rl-tollgate-sim`, tg.adminKey, { max_tokens_per_1_minute: 10_000 });
    expect(set.status).toBe(200);
  });
  afterAll(() => tg.stop());

  it('corrects the estimate to the real count at settle', async () => {
    const prompt = countChatPromptTokens(messages, encodingForModel('tollgate-sim'));
    const first = await chat(tg, { max_tokens: 1000 });
    expect(first.headers).toMatchObject({ 'x-ratelimit-limit-tokens': '10000', 'x-ratelimit-remaining-tokens': String(10_000 - prompt - 1000) });
    // The first request really used prompt + 2 tokens: 998 came back before the second was admitted.
    const second = await chat(tg, { max_tokens: 1000 });
    expect(second.headers['x-ratelimit-remaining-tokens']).toBe(String(10_000 - (prompt + 2) - (prompt + 1000)));
  });

  it('answers a request larger than the whole minute with a 429 that says not to retry', async () => {
    const reply = await chat(tg, { max_tokens: 20_000 });
    expect(reply.status).toBe(429);
    expect(reply.headers['x-should-retry']).toBe('false');
    expect(reply.body.error).toMatchObject({ type: 'tokens', code: 'rate_limit_exceeded' });
    expect(reply.body.error.message).toMatch(/^Request too large for tollgate-sim in project proj_\w+ organization org_\w+ on tokens per min \(TPM\): Limit 10000, Requested \d+\./);
  });
});

describe('billing modes', () => {
  it('postpaid: no credit balance needed, usage still debited to the ledger', async () => {
    const tg = await startTestTollgate({ billing: { mode: 'postpaid', trial_grant_usd: '0' }, metering: { flush_interval_ms: 20 } });
    try {
      expect((await chat(tg, { max_tokens: 5 })).status).toBe(200);
      await until(async () => {
        await tg.services.recorder.flush();
        return (await tg.services.store.db.selectFrom('usage_events').select('id').execute()).length === 1;
      }, 'the event');
      const credits = await fetch(`${tg.url}/v1/organization/credits`, { headers: { authorization: `Bearer ${tg.adminKey}` } });
      expect(await credits.json()).toMatchObject({ billing_mode: 'postpaid', granted_usd: '0.00', balance_usd: expect.stringMatching(/^-0\.0000\d+$/) });
    } finally {
      await tg.stop();
    }
  });

  it('prepaid with no credits: the first call is refused with insufficient_quota', async () => {
    const tg = await startTestTollgate({ billing: { trial_grant_usd: '0' } });
    try {
      const reply = await chat(tg, { max_tokens: 5 });
      expect(reply.status).toBe(429);
      expect(reply.body.error.code).toBe('insufficient_quota');
    } finally {
      await tg.stop();
    }
  });
});

describe.skipIf(!REDIS_URL)(`Redis emptied under a running instance${redisSkipReason}`, () => {
  it('rebuilds spend caps from the store, so budgets hold after a Redis restart', async () => {
    const prefix = redisPrefix();
    const tg = await startTestTollgate({ redis_url: REDIS_URL, redis_prefix: prefix, metering: { flush_interval_ms: 20 } });
    const redis = new Redis(REDIS_URL!);
    try {
      for (let i = 0; i < 3; i++) expect((await chat(tg, { max_tokens: 5 })).status).toBe(200);
      const db = tg.services.store.db;
      await until(async () => {
        await tg.services.recorder.flush();
        return (await db.selectFrom('usage_events').select('id').execute()).length === 3;
      }, 'three events');
      const period = monthOf(Date.now());
      const spent = await readSpent(db, 'project', tg.projectId, period);
      expect(spent).toBeGreaterThan(0n);
      const keys = await redis.keys(`${prefix}*`);
      expect(keys.length).toBeGreaterThan(0);
      await redis.del(...keys);
      expect(await tg.services.limits.store.capState(`m:${period}:p:${tg.projectId}`)).toBeNull();
      expect((await chat(tg, { max_tokens: 5 })).status).toBe(200);
      const rebuilt = await tg.services.limits.store.capState(`m:${period}:p:${tg.projectId}`);
      expect(rebuilt?.committed).toBeGreaterThan(spent);
      await until(async () => {
        await tg.services.recorder.flush();
        return (await readSpent(db, 'project', tg.projectId, period)) === (await tg.services.limits.store.capState(`m:${period}:p:${tg.projectId}`))?.committed;
      }, 'store and Redis to agree');
    } finally {
      redis.disconnect();
      await tg.stop();
    }
  });
});

/** A TCP relay to Redis that can be cut, to lose Redis under a running server. */
async function redisRelay(target: string): Promise<{ url: string; cut(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `redis://127.0.0.1:${address.port}`,
    cut: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}

describe.skipIf(!REDIS_URL)(`limit store unreachable${redisSkipReason}`, () => {
  it('fails closed with an OpenAI-shaped 503, never a 500, and forwards nothing', { timeout: 30_000 }, async () => {
    // Redis answers at start, then goes away: every limit check fails after its retries.
    const relay = await redisRelay(REDIS_URL!);
    const tg = await startTestTollgate({ redis_url: relay.url, redis_prefix: redisPrefix(), metering: { flush_interval_ms: 20 } });
    try {
      await relay.cut();
      const reply = await chat(tg, { max_tokens: 5 });
      expect(reply.status).toBe(503);
      expect(reply.headers['retry-after']).toBe('1');
      expect(reply.body.error).toMatchObject({ type: 'service_unavailable_error', code: 'server_is_overloaded', message: 'Rate limits and budgets cannot be checked right now. Please retry shortly.' });
      await tg.services.recorder.flush();
      expect(await tg.services.store.db.selectFrom('usage_events').select('id').execute()).toHaveLength(0);
    } finally {
      await tg.stop();
    }
  });
});

describe('budget defaults from config', () => {
  it('caps a project that has no budget of its own, until an admin sets one', async () => {
    const tg = await startTestTollgate({ billing: { budget_defaults: { project_monthly_usd: '0.000001', thresholds: [75] } } });
    try {
      const budget = await fetch(`${tg.url}/v1/organization/projects/${tg.projectId}/budget`, { headers: { authorization: `Bearer ${tg.adminKey}` } });
      expect(await budget.json()).toMatchObject({ monthly_limit_usd: '0.000001', thresholds: [75] });
      const refused = await chat(tg, { max_tokens: 5 });
      expect(refused.status).toBe(429);
      expect(refused.body.error.message).toContain(`project ${tg.projectId} has $0.000001 left of its $0.000001 monthly budget`);
      const lifted = await post(`${tg.url}/v1/organization/projects/${tg.projectId}/budget`, tg.adminKey, { monthly_limit_usd: null });
      expect(lifted.body).toMatchObject({ monthly_limit_usd: null, thresholds: [75] });
      expect((await chat(tg, { max_tokens: 5 })).status).toBe(200);
    } finally {
      await tg.stop();
    }
  });
});
