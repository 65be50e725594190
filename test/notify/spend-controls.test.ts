import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, type Call } from '../helpers/admin.js';
import { setupOperator } from '../helpers/people.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const CHAT = { model: 'tollgate-sim', messages: [{ role: 'user', content: 'echo: hi' }], max_tokens: 5 };

/**
 * OpenAI's spend limit and spend alerts through the openai SDK's admin client,
 * unmodified, served on Tollgate's budgets; the notices they raise arrive by
 * mail (a real SMTP server) and webhook, as the Owner chose.
 */
describe('spend limits, spend alerts and the notices they raise', () => {
  let smtp: TestSmtp;
  let hooks: WebhookReceiver;
  let tg: TestTollgate;
  let sdk: OpenAI;
  let admin: Call;

  beforeAll(async () => {
    smtp = await startTestSmtp();
    hooks = await startWebhookReceiver();
    tg = await startTestTollgate({
      smtp_url: smtp.url,
      // Every request costs exactly $0.50, whatever its tokens.
      pricing: { models: { 'tollgate-sim': { input: '0', output: '0', per_request: '0.50' } } },
      notifications: { sender_interval_ms: 50, webhook_allow_private_addresses: true, low_balance_usd: '3.10' },
    });
    await setupOperator(tg, 'owner@example.com');
    sdk = new OpenAI({ baseURL: `${tg.url}/v1`, apiKey: tg.projectKey, adminAPIKey: tg.adminKey, maxRetries: 0 });
    admin = client(tg.url, tg.adminKey);
  }, 60_000);
  afterAll(async () => {
    await tg?.stop();
    await hooks?.stop();
    await smtp?.stop();
  });

  it('manages the organization and project spend limits (cents, month) with the SDK', async () => {
    const org = sdk.admin.organization;
    await expect(org.spendLimit.retrieve()).rejects.toMatchObject({ status: 404 });
    const set = await org.spendLimit.update({ threshold_amount: 12_345, currency: 'USD', interval: 'month' });
    expect(set).toEqual({ object: 'organization.spend_limit', threshold_amount: 12_345, currency: 'USD', interval: 'month', enforcement: { status: 'inactive' } });
    // It is the organization's monthly budget.
    expect((await admin('GET', '/v1/organization/budget')).body.monthly_limit_usd).toBe('123.45');
    expect(await org.spendLimit.retrieve()).toEqual(set);
    expect(await org.spendLimit.delete()).toEqual({ object: 'organization.spend_limit.deleted', deleted: true });
    expect((await admin('GET', '/v1/organization/budget')).body.monthly_limit_usd).toBeNull();
    await expect(org.spendLimit.delete()).rejects.toMatchObject({ status: 404 });

    const project = await org.projects.spendLimit.update(tg.projectId, { threshold_amount: 200, currency: 'USD', interval: 'month' });
    expect(project).toEqual({ object: 'project.spend_limit', threshold_amount: 200, currency: 'USD', interval: 'month', enforcement: { status: 'inactive' } });
    expect((await admin('GET', `/v1/organization/projects/${tg.projectId}/budget`)).body.monthly_limit_usd).toBe('2.00');
    await expect(org.projects.spendLimit.retrieve('proj_nope')).rejects.toMatchObject({ status: 404 });

    // Bad input: an OpenAI-shaped 400 naming the parameter.
    const bad = await admin('POST', '/v1/organization/spend_limit', { threshold_amount: 10.5, currency: 'USD', interval: 'month' });
    expect([bad.status, bad.body.error.param]).toEqual([400, 'threshold_amount']);
    const euro = await admin('POST', '/v1/organization/spend_limit', { threshold_amount: 10, currency: 'EUR', interval: 'month' });
    expect([euro.status, euro.body.error.param]).toEqual([400, 'currency']);
    const weekly = await admin('POST', `/v1/organization/projects/${tg.projectId}/spend_alerts`, { threshold_amount: 10, currency: 'USD', interval: 'week', notification_channel: { type: 'email', recipients: ['a@example.com'] } });
    expect([weekly.status, weekly.body.error.param]).toEqual([400, 'interval']);
    const noMail = await admin('POST', '/v1/organization/spend_alerts', { threshold_amount: 10, currency: 'USD', interval: 'month', notification_channel: { type: 'email', recipients: ['not an address'] } });
    expect([noMail.status, noMail.body.error.param]).toEqual([400, 'notification_channel.recipients[0]']);
  });

  it('creates, pages through, updates and deletes spend alerts with the SDK', async () => {
    const alerts = sdk.admin.organization.spendAlerts;
    const channel = (to: string) => ({ type: 'email' as const, recipients: [to] });
    const made = [];
    for (const cents of [500, 1000, 2000]) made.push(await alerts.create({ threshold_amount: cents, currency: 'USD', interval: 'month', notification_channel: channel(`a${cents}@example.com`) }));
    expect(made[0]).toEqual({ id: made[0]!.id, object: 'organization.spend_alert', threshold_amount: 500, currency: 'USD', interval: 'month', notification_channel: { type: 'email', recipients: ['a500@example.com'], subject_prefix: null } });
    const seen: number[] = [];
    for await (const alert of alerts.list({ limit: 2 })) seen.push(alert.threshold_amount);
    expect(seen).toEqual([500, 1000, 2000]);
    const updated = await alerts.update(made[1]!.id, { threshold_amount: 1500, currency: 'USD', interval: 'month', notification_channel: { ...channel('b@example.com'), subject_prefix: 'Heads up' } });
    expect(updated.notification_channel).toEqual({ type: 'email', recipients: ['b@example.com'], subject_prefix: 'Heads up' });
    expect((await alerts.retrieve(made[1]!.id)).threshold_amount).toBe(1500);
    for (const alert of made) expect(await alerts.delete(alert.id)).toEqual({ id: alert.id, object: 'organization.spend_alert.deleted', deleted: true });
    await expect(alerts.retrieve(made[0]!.id)).rejects.toMatchObject({ status: 404 });

    const projectAlerts = sdk.admin.organization.projects.spendAlerts;
    const p = await projectAlerts.create(tg.projectId, { threshold_amount: 700, currency: 'USD', interval: 'month', notification_channel: channel('p@example.com') });
    expect(p.object).toBe('project.spend_alert');
    expect((await projectAlerts.retrieve(p.id, { project_id: tg.projectId })).threshold_amount).toBe(700);
    // An organization alert is not a project's, and the other way round.
    await expect(alerts.retrieve(p.id)).rejects.toMatchObject({ status: 404 });
    expect((await projectAlerts.delete(p.id, { project_id: tg.projectId })).deleted).toBe(true);
  });

  it('spend reaching alerts, budget thresholds, the cap and a low balance: each notice once, by mail and webhook as chosen', async () => {
    await sdk.admin.organization.spendAlerts.create({ threshold_amount: 100, currency: 'USD', interval: 'month', notification_channel: { type: 'email', recipients: ['finance@example.com'], subject_prefix: 'ACME:' } });
    await sdk.admin.organization.projects.spendAlerts.create(tg.projectId, { threshold_amount: 150, currency: 'USD', interval: 'month', notification_channel: { type: 'email', recipients: ['project-lead@example.com'] } });
    const hook = await admin('POST', '/v1/organization/webhooks', { url: hooks.url, description: 'ops' });
    expect(hook.status, JSON.stringify(hook.body)).toBe(200);
    expect(hook.body).toMatchObject({ object: 'organization.webhook', url: hooks.url, status: 'enabled', signing_secret: expect.stringMatching(/^whsec_/) });
    expect((await admin('GET', `/v1/organization/webhooks/${hook.body.id}`)).body.signing_secret).toBeUndefined();
    const prefs = await admin('POST', '/v1/organization/notifications/preferences', { events: { 'balance.low': { webhook: false }, 'budget.exhausted': { email: false } } });
    expect(prefs.body.events['balance.low']).toEqual({ email: true, webhook: false });
    expect(prefs.body.events['budget.exhausted']).toEqual({ email: false, webhook: true });
    expect(prefs.body.events['api_key.leaked']).toEqual({ email: true, webhook: true });

    const spentCents = async () => Math.round(Number((await admin('GET', `/v1/organization/projects/${tg.projectId}/budget`)).body.spent_usd) * 100);
    for (let i = 1; i <= 4; i++) {
      const answer = await client(tg.url, tg.projectKey)('POST', '/v1/chat/completions', CHAT);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      await expect.poll(spentCents, { timeout: 45_000 }).toBe(i * 50);
    }
    // The cap is reached: the limit says so, and the next request is refused.
    expect((await sdk.admin.organization.projects.spendLimit.retrieve(tg.projectId)).enforcement.status).toBe('enforcing');
    expect((await client(tg.url, tg.projectKey)('POST', '/v1/chat/completions', CHAT)).status).toBe(429);

    const finance = await smtp.next('finance@example.com', /Spend alert/, 45_000);
    expect(finance.subject).toBe('ACME: Spend alert: your organization spent $1.00 this month (alert at $1.00)');
    const lead = await smtp.next('project-lead@example.com', /Spend alert/, 45_000);
    expect(lead.subject).toBe(`Spend alert: project ${tg.projectId} spent $1.50 this month (alert at $1.50)`);
    for (const [percent, spent] of [[50, '1.00'], [80, '2.00'], [100, '2.00']] as const) {
      const mail = await smtp.next('owner@example.com', new RegExp(`used ${percent}%`), 45_000);
      expect(mail.subject).toBe(`Budget alert: project ${tg.projectId} used ${percent}% of its $2.00 monthly budget`);
      expect(mail.text).toContain(`reached $${spent} of the $2.00 monthly budget`);
    }
    const low = await smtp.next('owner@example.com', /balance low/, 45_000);
    expect(low.subject).toBe('Credit balance low: $3.00 left');
    expect(low.text).toContain('fell below $3.10');

    // Webhooks: every event but balance.low (turned off for webhooks); the exhausted cap went to the webhook only.
    const types = async () => {
      const got = hooks.hooks.map((h) => JSON.parse(h.body).type as string);
      return got.sort().join(',');
    };
    await expect.poll(types, { timeout: 45_000 }).toBe(['budget.exhausted', 'budget.threshold_crossed', 'budget.threshold_crossed', 'budget.threshold_crossed', 'budget.threshold_crossed', 'budget.threshold_crossed'].join(','));
    await new Promise((r) => setTimeout(r, 500));
    expect(smtp.mails.filter((m) => /exhausted/.test(m.subject))).toEqual([]);
    // Nothing twice: one mail per notice and recipient.
    const subjects = smtp.mails.filter((m) => !/Verify|invited/.test(m.subject)).map((m) => `${m.to.join()}|${m.subject}`);
    expect(new Set(subjects).size).toBe(subjects.length);
    expect(subjects.length).toBe(6);

    // The notifications API: what was raised, newest first; mark read.
    const list = await admin('GET', '/v1/organization/notifications?limit=100');
    expect(list.body.data.map((n: { type: string }) => n.type).sort()).toEqual(['balance.low', 'budget.exhausted', 'budget.threshold_crossed', 'budget.threshold_crossed', 'budget.threshold_crossed', 'budget.threshold_crossed', 'budget.threshold_crossed']);
    const first = list.body.data[0];
    const read = await admin('POST', `/v1/organization/notifications/${first.id}/read`);
    expect(read.body).toMatchObject({ object: 'organization.notification', id: first.id, read_at: expect.any(Number) });
    expect((await admin('GET', '/v1/organization/notifications?unread=true&limit=100')).body.data.length).toBe(6);
    expect((await admin('POST', '/v1/organization/notifications/read_all')).body).toEqual({ object: 'organization.notifications.read', marked: 6 });
    expect((await admin('GET', '/v1/organization/notifications?unread=true')).body.data).toEqual([]);
    const page = await admin('GET', '/v1/organization/notifications?limit=3');
    const next = await admin('GET', `/v1/organization/notifications?limit=3&after=${page.body.last_id}`);
    expect(next.body.data.length).toBe(3);
    expect(next.body.data[0].id < page.body.last_id).toBe(true);
  }, 240_000);

  it('webhook endpoints: bad URLs refused, disable and enable, delete', async () => {
    const bad = await admin('POST', '/v1/organization/webhooks', { url: 'ftp://example.com/x' });
    expect([bad.status, bad.body.error.param]).toEqual([400, 'url']);
    const listed = await admin('GET', '/v1/organization/webhooks');
    const id = listed.body.data[0].id as string;
    expect((await admin('POST', `/v1/organization/webhooks/${id}`, { status: 'disabled' })).body).toMatchObject({ status: 'disabled', disabled_reason: 'disabled by an Owner' });
    expect((await admin('POST', `/v1/organization/webhooks/${id}`, { status: 'enabled' })).body).toMatchObject({ status: 'enabled', disabled_reason: null, consecutive_failures: 0 });
    expect((await admin('DELETE', `/v1/organization/webhooks/${id}`)).body).toEqual({ object: 'organization.webhook.deleted', id, deleted: true });
    expect((await admin('GET', `/v1/organization/webhooks/${id}`)).status).toBe(404);
  });
});

describe('webhook URLs by default', () => {
  let tg: TestTollgate;
  beforeAll(async () => {
    tg = await startTestTollgate();
  });
  afterAll(() => tg?.stop());

  it('must be https to a public address', async () => {
    const admin = client(tg.url, tg.adminKey);
    for (const url of ['http://example.com/hook', 'https://127.0.0.1/hook', 'https://10.1.2.3/hook', 'https://[::1]/hook', 'https://localhost/hook', 'https://169.254.169.254/latest', 'https://user:pw@example.com/hook']) {
      const answer = await admin('POST', '/v1/organization/webhooks', { url });
      expect([url, answer.status, answer.body.error?.param]).toEqual([url, 400, 'url']);
    }
    expect((await admin('POST', '/v1/organization/webhooks', { url: 'https://hooks.example.com/tollgate' })).status).toBe(200);
  });
});
