import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAccount, verifyLedger } from '../../src/billing/index.js';
import { chatPromptTokenBound, countChatPromptTokens, encodingForModel } from '../../src/tokens/index.js';
import { client, type Call } from '../helpers/admin.js';
import { addOrganization, USD } from '../helpers/billing.js';
import { chatCompletion, sendJson, startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';

describe('credits and the ledger through the admin API', () => {
  let tg: TestTollgate;
  let operator: Call;
  let tenant: Awaited<ReturnType<typeof addOrganization>>;
  let tenantAdmin: Call;
  beforeAll(async () => {
    tg = await startTestTollgate({ metering: { flush_interval_ms: 20 } });
    operator = client(tg.url, tg.adminKey);
    tenant = await addOrganization(tg, 'Acme');
    tenantAdmin = client(tg.url, tenant.adminKey);
  });
  afterAll(() => tg.stop());

  it('lets only the operator grant credit, to any organization, once per Idempotency-Key', async () => {
    const own = await tenantAdmin('POST', '/v1/organization/credits/grants', { amount_usd: '100' });
    expect(own.status).toBe(403);
    expect(own.body.error).toMatchObject({ code: 'permission_denied', message: expect.stringMatching(/Only the operator/) });
    const adjust = await tenantAdmin('POST', '/v1/organization/credits/adjustments', { amount_usd: '100', description: 'gift to myself' });
    expect(adjust.status).toBe(403);

    // The operator acts in any organization by naming it, as OpenAI's clients do.
    const grant = () => operator('POST', '/v1/organization/credits/grants', { amount_usd: '12.50', description: 'support credit' }, { 'idempotency-key': 'ticket-4711', 'openai-organization': tenant.id });
    const first = await grant();
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ object: 'organization.credit_grant', kind: 'grant', amount_usd: '12.50', balance_after_usd: '17.50', balance_usd: '17.50', seq: 2 });
    const retry = await grant();
    expect(retry.status).toBe(200);
    expect(retry.body.id).toBe(first.body.id);
    const reused = await operator('POST', '/v1/organization/credits/grants', { amount_usd: '99' }, { 'idempotency-key': 'ticket-4711', 'openai-organization': tenant.id });
    expect(reused.status).toBe(409);
    expect(reused.body.error.param).toBe('Idempotency-Key');

    expect((await tenantAdmin('GET', '/v1/organization/credits')).body).toMatchObject({ balance_usd: '17.50', granted_usd: '17.50', paid_usd: '0.00', used_usd: '0.00' });
    // The grant is in the tenant's audit log, made by the operator's key.
    const audit = await tenantAdmin('GET', '/v1/organization/audit_logs?event_types[]=credits.granted');
    expect(audit.body.data).toHaveLength(1);
  });

  it('lets the operator correct a balance by a signed adjustment with a reason', async () => {
    const bad = await operator('POST', '/v1/organization/credits/adjustments', { amount_usd: '-1.25' }, { 'openai-organization': tenant.id });
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe('description');
    const ok = await operator('POST', '/v1/organization/credits/adjustments', { amount_usd: '-1.25', description: 'double grant' }, { 'openai-organization': tenant.id });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ kind: 'adjustment', amount_usd: '-1.25', balance_after_usd: '16.25' });
  });

  it('keeps every organization but the operator to its own credits', async () => {
    const peek = await tenantAdmin('GET', '/v1/organization/credits', undefined, { 'openai-organization': tg.organizationId });
    expect(peek.status).toBe(401);
    expect(peek.body.error.code).toBe('mismatched_organization');
    const grant = await operator('POST', '/v1/organization/credits/grants', { amount_usd: '1' }, { 'openai-organization': 'org_nope' });
    expect(grant.status).toBe(404);
  });

  it('lists the ledger newest first, each entry with the balance after it, and pages it', async () => {
    const page1 = await tenantAdmin('GET', '/v1/organization/credits/ledger?limit=2');
    expect(page1.status).toBe(200);
    expect(page1.body.data.map((e: any) => [e.seq, e.kind, e.amount_usd, e.balance_after_usd])).toEqual([
      [3, 'adjustment', '-1.25', '16.25'],
      [2, 'grant', '12.50', '17.50'],
    ]);
    expect(page1.body.has_more).toBe(true);
    const page2 = await tenantAdmin('GET', `/v1/organization/credits/ledger?limit=2&after=${page1.body.last_id}`);
    expect(page2.body.data.map((e: any) => [e.seq, e.kind, e.amount_usd])).toEqual([[1, 'grant', '5.00']]);
    expect(page2.body.has_more).toBe(false);
    const bad = await tenantAdmin('GET', '/v1/organization/credits/ledger?limit=500');
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe('limit');
  });

  it('debits usage in the ledger exactly as the usage events cost', async () => {
    // The tenant is on the free tier: 3 requests a minute.
    for (let i = 0; i < 3; i++) {
      const res = await client(tg.url, tenant.projectKey)('POST', '/v1/chat/completions', { model: 'tollgate-sim', max_tokens: 5, messages: [{ role: 'user', content: `echo: hello ${i}` }] });
      expect(res.status).toBe(200);
    }
    await tg.services.recorder.flush();
    const db = tg.services.store.db;
    const events = await db.selectFrom('usage_events').select(['cost_picos']).where('organization_id', '=', tenant.id).execute();
    const cost = events.reduce((sum, e) => sum + e.cost_picos, 0n);
    expect(events).toHaveLength(3);
    expect(cost).toBeGreaterThan(0n);
    const usage = await db.selectFrom('ledger_entries').select(['amount_picos', 'event_count']).where('organization_id', '=', tenant.id).where('kind', '=', 'usage').execute();
    expect(usage.reduce((sum, e) => sum - e.amount_picos, 0n)).toBe(cost);
    expect(usage.reduce((sum, e) => sum + Number(e.event_count), 0)).toBe(3);
    expect((await verifyLedger(db, tenant.id)).problems).toEqual([]);
    expect((await readAccount(db, tenant.id)).balance).toBe(1625n * USD / 100n - cost);
  });
});

describe('the balance and zero', () => {
  let fake: FakeOpenAI;
  let tg: TestTollgate;
  // $1,000 per 1M tokens: one token costs $0.001.
  const TOKEN = USD / 1000n;
  const messages = [{ role: 'user' as const, content: 'Tell me a story.' }];
  const prompt = BigInt(countChatPromptTokens(messages, encodingForModel('fake-model')));
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    tg = await startTestTollgate({
      providers: { fake: { kind: 'openai', base_url: fake.baseUrl, api_key: 'sk-fake' } },
      models: [{ name: 'fake-model', deployments: [{ provider: 'fake', model: 'fake-model' }] }],
      pricing: { models: { 'fake-model': { input: '1000', output: '1000' } } },
      billing: { trial_grant_usd: '1.00' },
      limits: { bootstrap_tier: 'unlimited' },
      metering: { flush_interval_ms: 20 },
    });
  });
  afterAll(async () => {
    await tg.stop();
    await fake.close();
  });

  it('goes below zero only by requests already in flight, and by no more than their cost beyond what they reserved', async () => {
    // Each request reserves its worst case: the prompt's byte bound + 100 output tokens. The
    // upstream then reports 300 output tokens (a tokenizer that counts differently, say): more than reserved.
    const worst = (BigInt(chatPromptTokenBound(messages)) + 100n) * TOKEN;
    const admitted = Number((1n * USD) / worst);
    const held: (() => void)[] = [];
    fake.handle(async (req, res) => {
      await new Promise<void>((release) => {
        held.push(release);
        if (held.length === admitted) for (const r of held) r();
      });
      sendJson(res, 200, chatCompletion(req.body.model, 'Once upon a time...', { prompt_tokens: Number(prompt), completion_tokens: 300, total_tokens: Number(prompt) + 300 }));
    });
    const chat = () => client(tg.url, tg.projectKey)('POST', '/v1/chat/completions', { model: 'fake-model', max_tokens: 100, messages });
    const answers = await Promise.all(Array.from({ length: admitted + 4 }, chat));
    const ok = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 429);
    expect(ok).toHaveLength(admitted);
    expect(refused).toHaveLength(4);
    for (const r of refused) expect(r.body.error.code).toBe('insufficient_quota');

    await tg.services.recorder.flush();
    const actual = (prompt + 300n) * TOKEN;
    const account = await readAccount(tg.services.store.db, tg.organizationId);
    expect(account.balance).toBe(USD - BigInt(admitted) * actual);
    expect(account.balance).toBeLessThan(0n);
    // The bound: what was reserved fitted the balance, so the overdraft is at most what the requests in flight cost beyond their reservations.
    expect(BigInt(admitted) * worst).toBeLessThanOrEqual(USD);
    expect(-account.balance).toBeLessThanOrEqual(BigInt(admitted) * (actual - worst));
    // Below zero, nothing more is admitted.
    const after = await chat();
    expect(after.status).toBe(429);
    expect(after.body.error.code).toBe('insufficient_quota');
  });
});
