import type { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as schemas from '../src/admin/response-schemas.js';
import { client, type Call } from './helpers/admin.js';
import { startTestTollgate, type TestTollgate } from './helpers/tollgate.js';

/**
 * The documented answers are the real ones: each route's body parses with
 * the schema /openapi.json publishes for it, and nothing is left over (zod
 * strips unknown fields, so an undocumented field makes the parse differ).
 */
describe('documented response schemas match real answers', { timeout: 90_000 }, () => {
  let tg: TestTollgate;
  let admin: Call;
  beforeAll(async () => {
    tg = await startTestTollgate();
    admin = client(tg.url, tg.adminKey);
    await client(tg.url, tg.projectKey)('POST', '/v1/chat/completions', { model: 'tollgate-sim', messages: [{ role: 'user', content: 'hi' }] });
    await client(tg.url, tg.projectKey)('POST', '/v1/embeddings', { model: 'tollgate-sim-embed', input: 'hi' });
  });
  afterAll(() => tg.stop());

  async function matches(schema: z.ZodType, method: string, path: string, body?: unknown, key?: string): Promise<void> {
    const answer = await client(tg.url, key ?? tg.adminKey)(method, path, body);
    expect(answer.status, `${method} ${path}: ${JSON.stringify(answer.body)}`).toBeLessThan(300);
    expect(schema.parse(answer.body), `${method} ${path}`).toEqual(answer.body);
  }

  it('for projects, keys, service accounts and the audit log', async () => {
    const p = `/v1/organization/projects/${tg.projectId}`;
    await matches(schemas.listOf(schemas.projectSchema), 'GET', '/v1/organization/projects');
    await matches(schemas.projectSchema, 'GET', p);
    const created = (await admin('POST', `${p}/api_keys`, { name: 'k', monthly_usage_limit_usd: '5', allowed_ips: ['10.0.0.0/8'] })).body;
    expect(schemas.newProjectKeySchema.parse(created)).toEqual(created);
    await matches(schemas.listOf(schemas.projectKeySchema), 'GET', `${p}/api_keys`);
    await matches(schemas.projectKeySchema, 'GET', `${p}/api_keys/${created.id}`);
    await matches(schemas.rotatedKeySchema, 'POST', `${p}/api_keys/${created.id}/rotate`, {});
    await matches(schemas.deletedObjectSchema, 'DELETE', `${p}/api_keys/${created.id}`);
    const account = (await admin('POST', `${p}/service_accounts`, { name: 'bot' })).body;
    expect(schemas.createdServiceAccountSchema.parse(account)).toEqual(account);
    await matches(schemas.listOf(schemas.projectKeySchema), 'GET', `${p}/api_keys`);
    await matches(schemas.listOf(schemas.serviceAccountSchema), 'GET', `${p}/service_accounts`);
    await matches(schemas.listOf(schemas.adminKeySchema), 'GET', '/v1/organization/admin_api_keys');
    await matches(schemas.newAdminKeySchema, 'POST', '/v1/organization/admin_api_keys', { name: 'a' });
    await matches(schemas.listOf(schemas.auditLogSchema), 'GET', '/v1/organization/audit_logs');
  });

  it('for usage, costs, credits, tier, budgets, rate limits and pricing', async () => {
    const start = Math.floor(Date.now() / 86_400_000) * 86_400;
    await expect.poll(async () => JSON.stringify((await admin('GET', `/v1/organization/costs?start_time=${start}`)).body), { timeout: 45_000 }).toContain('value_exact'); // the usage writer thread may still be starting on a busy machine
    await matches(schemas.completionsUsageSchema, 'GET', `/v1/organization/usage/completions?start_time=${start}&group_by[]=model&group_by[]=project_id`);
    await matches(schemas.embeddingsUsageSchema, 'GET', `/v1/organization/usage/embeddings?start_time=${start}&group_by[]=api_key_id`);
    await matches(schemas.requestLogSchema, 'GET', '/v1/organization/usage/requests?limit=5');
    await matches(schemas.costsSchema, 'GET', `/v1/organization/costs?start_time=${start}&group_by[]=line_item`);
    await matches(schemas.creditBalanceSchema, 'GET', '/v1/organization/credits');
    await matches(schemas.usageTierSchema, 'GET', '/v1/organization/limits/tier');
    await matches(schemas.budgetSchema, 'POST', '/v1/organization/budget', { monthly_limit_usd: '10', thresholds: [50] });
    await matches(schemas.budgetSchema, 'GET', `/v1/organization/projects/${tg.projectId}/budget`);
    await matches(schemas.projectRateLimitsSchema, 'GET', `/v1/organization/projects/${tg.projectId}/rate_limits`);
    await matches(schemas.projectRateLimitSchema, 'GET', `/v1/organization/projects/${tg.projectId}/rate_limits/rl-tollgate-sim`);
    const keys = (await admin('GET', `/v1/organization/projects/${tg.projectId}/api_keys`)).body.data;
    await matches(schemas.keyLimitsSchema, 'GET', `/v1/organization/projects/${tg.projectId}/api_keys/${keys[0].id}/limits`);
    await matches(schemas.priceListSchema, 'GET', '/v1/pricing');
    await matches(schemas.estimateSchema, 'POST', '/v1/pricing/estimate', { compare: true, requests_per_day: 10, input_tokens: 100, output_tokens: 10 });
  });

  it('for the ledger, cards, purchases and auto-recharge', async () => {
    await matches(schemas.creditEntrySchema, 'POST', '/v1/organization/credits/grants', { amount_usd: '1.00' });
    await matches(schemas.creditEntrySchema, 'POST', '/v1/organization/credits/adjustments', { amount_usd: '-0.50', description: 'correction' });
    await matches(schemas.listOf(schemas.ledgerEntrySchema), 'GET', '/v1/organization/credits/ledger');
    const card = (await admin('POST', '/v1/organization/billing/payment_methods', { card: { number: '4242424242424242', exp_month: 1, exp_year: 2040, cvc: '123' } })).body;
    expect(schemas.paymentMethodSchema.parse(card)).toEqual(card);
    await matches(schemas.listOf(schemas.paymentMethodSchema), 'GET', '/v1/organization/billing/payment_methods');
    const purchase = (await admin('POST', '/v1/organization/billing/purchases', { amount_usd: '5' })).body;
    expect(schemas.purchaseSchema.parse(purchase)).toEqual(purchase);
    await matches(schemas.purchaseSchema, 'GET', `/v1/organization/billing/purchases/${purchase.id}`);
    await matches(schemas.listOf(schemas.purchaseSchema), 'GET', '/v1/organization/billing/purchases');
    await matches(schemas.autoRechargeSchema, 'POST', '/v1/organization/billing/auto_recharge', { enabled: true, threshold_usd: '5', target_usd: '20' });
    await matches(schemas.autoRechargeSchema, 'GET', '/v1/organization/billing/auto_recharge');
    await matches(schemas.usageTierSchema, 'GET', '/v1/organization/limits/tier');
    const other = (await admin('POST', '/v1/organization/billing/payment_methods', { card: { number: '5555555555554444', exp_month: 1, exp_year: 2040, cvc: '123' } })).body;
    await matches(schemas.deletedObjectSchema, 'DELETE', `/v1/organization/billing/payment_methods/${other.id}`);
  });
});
