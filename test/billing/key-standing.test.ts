import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatUsdExact, parseUsd } from '../../src/common/money.js';
import { client, type Call } from '../helpers/admin.js';
import { USD } from '../helpers/billing.js';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';

// gpt-4o-mini's prices: a request costs a fraction of a cent, so exactness shows.
const IN = parseUsd('0.15') / 1_000_000n;
const OUT = parseUsd('0.6') / 1_000_000n;
const PRICES = { pricing: { models: { 'tollgate-sim': { input: '0.15', output: '0.6' }, 'tollgate-sim-embed': { input: '0.02', output: '0' } } } };

const chatBody = { model: 'tollgate-sim', max_tokens: 8, messages: [{ role: 'user', content: 'echo: the cost of one request' }] };

function sseEvents(text: string): any[] {
  return text
    .split('\n\n')
    .map((frame) => frame.split('\n').find((l) => l.startsWith('data: '))?.slice(6))
    .filter((d): d is string => d !== undefined && d !== '[DONE]')
    .map((d) => JSON.parse(d));
}

describe('what a key holder sees', () => {
  let tg: TestTollgate;
  let key: Call;
  let admin: Call;
  const eventCost = async (requestId: string) => {
    await tg.services.recorder.flush();
    const row = await tg.services.store.db.selectFrom('usage_events').select('cost_picos').where('request_id', '=', requestId).executeTakeFirstOrThrow();
    return row.cost_picos;
  };
  beforeAll(async () => {
    tg = await startTestTollgate({ ...PRICES, limits: { bootstrap_tier: 'tier-2' }, billing: { trial_grant_usd: '7.25' }, metering: { flush_interval_ms: 20 } });
    key = client(tg.url, tg.projectKey);
    admin = client(tg.url, tg.adminKey);
  });
  afterAll(() => tg.stop());

  it('carries the exact cost of every non-streamed response in x-tollgate-cost-usd, as the ledger debits it', async () => {
    const chat = await key('POST', '/v1/chat/completions', chatBody);
    expect(chat.status).toBe(200);
    const { prompt_tokens, completion_tokens } = chat.body.usage;
    const expected = BigInt(prompt_tokens) * IN + BigInt(completion_tokens) * OUT;
    expect(expected % 10_000_000_000n).not.toBe(0n); // not a whole number of cents: the header is exact
    expect(chat.headers.get('x-tollgate-cost-usd')).toBe(formatUsdExact(expected));
    expect(await eventCost(chat.headers.get('x-request-id')!)).toBe(expected);

    const legacy = await key('POST', '/v1/completions', { model: 'tollgate-sim', prompt: 'echo: legacy words', max_tokens: 5 });
    expect(legacy.status).toBe(200);
    const legacyCost = BigInt(legacy.body.usage.prompt_tokens) * IN + BigInt(legacy.body.usage.completion_tokens) * OUT;
    expect(legacy.headers.get('x-tollgate-cost-usd')).toBe(formatUsdExact(legacyCost));

    const response = await key('POST', '/v1/responses', { model: 'tollgate-sim', input: 'echo: a response', max_output_tokens: 16 });
    expect(response.status).toBe(200);
    const responseCost = BigInt(response.body.usage.input_tokens) * IN + BigInt(response.body.usage.output_tokens) * OUT;
    expect(response.headers.get('x-tollgate-cost-usd')).toBe(formatUsdExact(responseCost));
    expect(await eventCost(response.headers.get('x-request-id')!)).toBe(responseCost);

    const embedding = await key('POST', '/v1/embeddings', { model: 'tollgate-sim-embed', input: 'seven words of text to embed here' });
    expect(embedding.status).toBe(200);
    const embedCost = BigInt(embedding.body.usage.prompt_tokens) * (parseUsd('0.02') / 1_000_000n);
    expect(embedding.headers.get('x-tollgate-cost-usd')).toBe(formatUsdExact(embedCost));
  });

  it('puts the cost in the final usage chunk of a stream when usage is asked for, and nowhere when it is not', async () => {
    const streamed = await key('POST', '/v1/chat/completions', { ...chatBody, stream: true, stream_options: { include_usage: true } });
    expect(streamed.status).toBe(200);
    const events = sseEvents(streamed.body);
    const last = events.at(-1)!;
    expect(last.choices).toEqual([]);
    const cost = BigInt(last.usage.prompt_tokens) * IN + BigInt(last.usage.completion_tokens) * OUT;
    expect(last.usage.cost_usd).toBe(formatUsdExact(cost));
    expect(await eventCost(streamed.headers.get('x-request-id')!)).toBe(cost);
    // Only the usage chunk carries it.
    expect(events.slice(0, -1).every((e) => e.usage === null)).toBe(true);

    const quiet = await key('POST', '/v1/chat/completions', { ...chatBody, stream: true });
    expect(sseEvents(quiet.body).some((e) => e.usage)).toBe(false);

    const legacy = await key('POST', '/v1/completions', { model: 'tollgate-sim', prompt: 'echo: a b c', max_tokens: 4, stream: true, stream_options: { include_usage: true } });
    const legacyUsage = sseEvents(legacy.body).at(-1)!.usage;
    expect(legacyUsage.cost_usd).toBe(formatUsdExact(BigInt(legacyUsage.prompt_tokens) * IN + BigInt(legacyUsage.completion_tokens) * OUT));

    const response = await key('POST', '/v1/responses', { model: 'tollgate-sim', input: 'echo: streamed response', stream: true });
    const completed = sseEvents(response.body).find((e) => e.type === 'response.completed')!;
    const usage = completed.response.usage;
    const responseCost = BigInt(usage.input_tokens) * IN + BigInt(usage.output_tokens) * OUT;
    expect(usage.cost_usd).toBe(formatUsdExact(responseCost));
    expect(await eventCost(response.headers.get('x-request-id')!)).toBe(responseCost);
  });

  it("lets a key read its own standing: budgets left at every level, the balance, the tier and the limits", async () => {
    const keys = await admin('GET', `/v1/organization/projects/${tg.projectId}/api_keys`);
    const keyId = keys.body.data.find((k: any) => k.object === 'organization.project.api_key').id;
    expect((await admin('POST', `/v1/organization/projects/${tg.projectId}/api_keys/${keyId}/limits`, { monthly_budget_usd: '2.50', max_requests_per_1_minute: 40 })).status).toBe(200);
    expect((await admin('POST', `/v1/organization/projects/${tg.projectId}/budget`, { monthly_limit_usd: '4' })).status).toBe(200);
    expect((await admin('POST', '/v1/organization/budget', { monthly_limit_usd: '6' })).status).toBe(200);
    expect((await admin('POST', `/v1/organization/projects/${tg.projectId}/rate_limits/rl-tollgate-sim`, { max_requests_per_1_minute: 100, max_tokens_per_1_minute: 50_000 })).status).toBe(200);

    const before = await key('GET', '/v1/key');
    expect(before.status).toBe(200);
    const spentBefore = parseUsd(before.body.budgets.key.spent_usd);
    const chat = await key('POST', '/v1/chat/completions', chatBody);
    const cost = parseUsd(chat.headers.get('x-tollgate-cost-usd')!);
    const standing = await key('GET', '/v1/key');
    const now = new Date();
    expect(standing.body).toMatchObject({
      object: 'key.standing',
      key: { id: keyId, kind: 'project', project_id: tg.projectId },
      organization_id: tg.organizationId,
      period: now.toISOString().slice(0, 7),
      period_resets_at: Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) / 1000,
      billing_mode: 'prepaid',
      tier: { name: 'tier-2', max_requests_per_1_minute: 5000, max_tokens_per_1_minute: 2_000_000 },
      rate_limits: {
        organization: { max_requests_per_1_minute: 5000, max_tokens_per_1_minute: 2_000_000 },
        project: [{ model: 'tollgate-sim', max_requests_per_1_minute: 100, max_tokens_per_1_minute: 50_000 }],
        key: { max_requests_per_1_minute: 40, max_tokens_per_1_minute: null },
      },
    });
    const { key: own, project, organization } = standing.body.budgets;
    const spent = spentBefore + cost;
    expect(own).toEqual({ scope_id: keyId, monthly_limit_usd: '2.50', spent_usd: formatUsdExact(spent), reserved_usd: '0.00', remaining_usd: formatUsdExact(parseUsd('2.5') - spent) });
    expect(project).toMatchObject({ scope_id: tg.projectId, monthly_limit_usd: '4.00', remaining_usd: formatUsdExact(parseUsd('4') - parseUsd(project.spent_usd)) });
    expect(organization).toMatchObject({ scope_id: tg.organizationId, monthly_limit_usd: '6.00', remaining_usd: formatUsdExact(parseUsd('6') - parseUsd(organization.spent_usd)) });

    // The balance is the ledger's, once the usage is written, and the same before: settled requests count at once.
    await tg.services.recorder.flush();
    const credits = await admin('GET', '/v1/organization/credits');
    expect(standing.body.credit).toEqual({ balance_usd: credits.body.balance_usd, reserved_usd: '0.00', available_usd: credits.body.balance_usd });
    expect(parseUsd(credits.body.balance_usd)).toBe(parseUsd('7.25') - parseUsd(credits.body.used_usd));
    expect(parseUsd(credits.body.used_usd)).toBeLessThan(1n * USD);
  });

  it('answers an admin key about its organization, and nobody without a key', async () => {
    const standing = await admin('GET', '/v1/key');
    expect(standing.status).toBe(200);
    expect(standing.body).toMatchObject({ key: { kind: 'admin', project_id: null }, budgets: { project: null, organization: { monthly_limit_usd: '6.00' } } });
    const anonymous = await client(tg.url, null)('GET', '/v1/key');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.message).toMatch(/API key/);
  });
});
