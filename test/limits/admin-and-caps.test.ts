import { parseUsd } from '../../src/common/money.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';
import { monthOf, usdText } from '../../src/billing/index.js';
import { countChatPromptTokens, encodingForModel } from '../../src/tokens/index.js';
import { post, until } from './helpers.js';

async function get(tg: TestTollgate, path: string, key = tg.adminKey) {
  const res = await fetch(`${tg.url}/v1/organization${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: (await res.json()) as any };
}
const admin = (tg: TestTollgate, path: string, body: unknown, key = tg.adminKey) => post(`${tg.url}/v1/organization${path}`, key, body);
const chat = (tg: TestTollgate, body: Record<string, unknown> = {}) =>
  post(`${tg.url}/v1/chat/completions`, tg.projectKey, { model: 'tollgate-sim', max_tokens: 10, messages: [{ role: 'user', content: 'echo: hello world' }], ...body });

describe('credits, tiers, budgets and limits through the admin API', () => {
  let tg: TestTollgate;
  let other: TestTollgate;
  beforeAll(async () => {
    tg = await startTestTollgate({ billing: { trial_grant_usd: '0.01' }, metering: { flush_interval_ms: 20 } });
    other = await startTestTollgate();
  });
  afterAll(async () => {
    await Promise.all([tg.stop(), other.stop()]);
  });

  it('starts the bootstrap organization on Tier 5 with the trial grant', async () => {
    expect((await get(tg, '/credits')).body).toMatchObject({ object: 'organization.credit_balance', billing_mode: 'prepaid', granted_usd: '0.01', balance_usd: '0.01' });
    expect((await get(tg, '/limits/tier')).body).toMatchObject({ tier: 'tier-5', max_requests_per_1_minute: 10_000, max_tokens_per_1_minute: 30_000_000 });
  });

  it('refuses a request whose worst case exceeds the credit balance, and admits it after a grant', async () => {
    // No max_tokens: the worst case is the model's 16,384 output tokens at $1.25/1M, about $0.02 > $0.01.
    const refused = await chat(tg, { max_tokens: undefined });
    expect(refused.status).toBe(429);
    expect(refused.headers['x-should-retry']).toBe('false');
    expect(refused.body.error.code).toBe('insufficient_quota');
    expect(refused.body.error.message).toMatch(new RegExp(`This request may cost up to \\$0\\.02\\d+, and organization ${tg.organizationId} has \\$0\\.01 of credit left\\. .*POST /v1/organization/billing/purchases`));
    const grant = await admin(tg, '/credits/grants', { amount_usd: '10.00' });
    expect(grant.status).toBe(201);
    expect(grant.body).toMatchObject({ object: 'organization.credit_grant', amount_usd: '10.00', balance_usd: '10.01' });
    expect((await chat(tg, { max_tokens: undefined })).status).toBe(200);
  });

  it('rejects bad input with OpenAI-shaped 400s naming the parameter', async () => {
    const bad = await admin(tg, '/credits/grants', { amount_usd: '-3' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe('amount_usd');
    const tier = await admin(tg, '/limits/tier', { tier: 'platinum' });
    expect(tier.status).toBe(400);
    expect(tier.body.error).toMatchObject({ param: 'tier', code: 'invalid_value' });
    const rl = await admin(tg, `/projects/${tg.projectId}/rate_limits/rl-tollgate-sim`, { max_requests_per_1_minute: -1 });
    expect(rl.status).toBe(400);
    expect(rl.body.error.param).toBe('max_requests_per_1_minute');
    expect((await admin(tg, `/projects/${tg.projectId}/rate_limits/rl-nope`, {})).status).toBe(404);
  });

  it('never shows or changes another organization\'s projects, and needs an admin key', async () => {
    expect((await get(other, `/projects/${tg.projectId}/budget`)).status).toBe(404);
    expect((await admin(other, `/projects/${tg.projectId}/budget`, { monthly_limit_usd: '0' })).status).toBe(404);
    expect((await get(other, `/projects/${tg.projectId}/rate_limits`)).status).toBe(404);
    expect((await get(tg, '/credits', tg.projectKey)).status).toBe(403);
    expect((await admin(tg, '/credits/grants', { amount_usd: '1' }, tg.projectKey)).status).toBe(403);
  });

  it('lists the project rate limits in OpenAI\'s shape and applies a per-key RPM', async () => {
    const list = await get(tg, `/projects/${tg.projectId}/rate_limits`);
    expect(list.body.object).toBe('list');
    expect(list.body.data).toContainEqual({ object: 'project.rate_limit', id: 'rl-tollgate-sim', model: 'tollgate-sim', max_requests_per_1_minute: 10_000, max_tokens_per_1_minute: 30_000_000 });
    const page = await get(tg, `/projects/${tg.projectId}/rate_limits?limit=1`);
    expect(page.body).toMatchObject({ object: 'list', has_more: true, data: [{ object: 'project.rate_limit' }] });
    const next = await get(tg, `/projects/${tg.projectId}/rate_limits?limit=1&after=${page.body.last_id}`);
    expect(next.body.data[0].id).not.toBe(page.body.last_id);
    expect((await get(tg, `/projects/${tg.projectId}/rate_limits/rl-tollgate-sim`)).body).toMatchObject({ id: 'rl-tollgate-sim', max_requests_per_1_minute: 10_000 });
    expect((await get(tg, `/projects/${tg.projectId}/rate_limits?limit=0`)).status).toBe(400);
    const keyId = (await tg.services.store.db.selectFrom('api_keys').select('id').where('kind', '=', 'project').executeTakeFirstOrThrow()).id;
    const limits = await admin(tg, `/projects/${tg.projectId}/api_keys/${keyId}/limits`, { max_requests_per_1_minute: 2 });
    expect(limits.body).toMatchObject({ id: keyId, max_requests_per_1_minute: 2, max_tokens_per_1_minute: null });
    // A key's limits change like any key setting: audited, with who changed it.
    const audit = await tg.services.store.db.selectFrom('audit_logs').selectAll().where('resource_id', '=', keyId).where('type', '=', 'api_key.updated').execute();
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.details)).toMatchObject({ changes: { rpm_limit: 2 } });
    expect((await chat(tg)).status).toBe(200);
    const second = await chat(tg);
    expect(second.headers['x-ratelimit-limit-requests']).toBe('2');
    const third = await chat(tg);
    expect(third.status).toBe(429);
    expect(third.body.error.message).toContain(`in API key ${keyId} of project ${tg.projectId} organization ${tg.organizationId} on requests per min (RPM): Limit 2, Used 2, Requested 1.`);
    await admin(tg, `/projects/${tg.projectId}/api_keys/${keyId}/limits`, { max_requests_per_1_minute: null });
    expect((await chat(tg)).status).toBe(200);
  });

});

describe('budget thresholds', () => {
  let tg: TestTollgate;
  beforeAll(async () => {
    tg = await startTestTollgate({ pricing: { models: { 'tollgate-sim': { input: '100', output: '400' } } }, metering: { flush_interval_ms: 20 } });
  });
  afterAll(() => tg.stop());

  it('records each threshold crossed once and stops at the hard cap exactly', async () => {
    const messages = [{ role: 'user' as const, content: 'echo: hello world' }];
    const encoding = encodingForModel('tollgate-sim');
    // max_tokens equals the reply's length: each request costs exactly its worst case C.
    const cost = BigInt(countChatPromptTokens(messages, encoding)) * 100_000_000n + 2n * 400_000_000n;
    expect(encoding.count('hello world')).toBe(2);
    const limit = 4n * cost;
    const set = await admin(tg, `/projects/${tg.projectId}/budget`, { monthly_limit_usd: usdText(limit), thresholds: [50, 75, 100] });
    expect(set.body).toMatchObject({ object: 'organization.budget', scope: 'project', monthly_limit_usd: usdText(limit), spent_usd: '0.00', thresholds: [50, 75, 100] });
    for (let i = 0; i < 4; i++) {
      expect((await chat(tg, { messages, max_tokens: 2 })).status).toBe(200);
      await until(async () => {
        await tg.services.recorder.flush();
        return (await tg.services.store.db.selectFrom('usage_events').select('id').execute()).length === i + 1;
      }, 'the event');
    }
    const refused = await chat(tg, { messages, max_tokens: 2 });
    expect(refused.status).toBe(429);
    expect(refused.body.error.message).toContain(`project ${tg.projectId} has $0.00 left of its $${usdText(limit)} monthly budget for ${monthOf(Date.now())} (UTC)`);
    const budget = (await get(tg, `/projects/${tg.projectId}/budget`)).body;
    expect(budget).toMatchObject({ spent_usd: usdText(limit), remaining_usd: '0.00' });
    const events = await tg.services.store.db.selectFrom('notification_events').selectAll().where('type', '=', 'budget.threshold_crossed').where('resource_id', '=', tg.projectId).execute();
    const crossings = events.map((e) => JSON.parse(e.payload) as { threshold_percent: number; spent_usd: string }).sort((a, b) => a.threshold_percent - b.threshold_percent);
    expect(crossings.map((e) => [e.threshold_percent, parseUsd(e.spent_usd)])).toEqual([
      [50, 2n * cost],
      [75, 3n * cost],
      [100, 4n * cost],
    ]);
  });
});
