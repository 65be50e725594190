import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, manualClock } from '../helpers/admin.js';
import { browser, tokenOf, type Browser } from '../helpers/browser.js';
import { inviteAndJoin, PASSWORD, setupOperator, signUpVerified } from '../helpers/people.js';
import { linkIn, startTestSmtp, type TestSmtp } from '../helpers/smtp.js';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';

describe('organizations, roles, invites and the operator', () => {
  let tg: TestTollgate;
  let smtp: TestSmtp;
  let operator: Browser;
  const clock = manualClock();

  beforeAll(async () => {
    smtp = await startTestSmtp();
    tg = await startTestTollgate({ smtp_url: smtp.url }, { clock });
    operator = await setupOperator(tg);
  });
  afterAll(async () => {
    await tg.stop();
    await smtp.stop();
  });

  it('makes the first operator with the single-use setup link, Owner of the first organization', async () => {
    const me = await operator.call('GET', '/v1/me');
    expect(me.body).toMatchObject({ email: 'operator@example.com', operator: true });
    expect(me.body.organizations).toEqual([expect.objectContaining({ id: tg.organizationId, role: 'owner', projects: [{ id: tg.projectId, name: 'Default', role: 'owner' }] })]);
    const again = await browser(tg.url).call('POST', '/v1/auth/setup', { token: tg.bootstrapped!.setupToken, email: 'x@example.com', password: PASSWORD });
    expect(again.body.error.code).toBe('invalid_token');
  });

  it('signs up, creates an organization and a project key through the session API, and the key works with the openai SDK', async () => {
    const ada = await signUpVerified(tg, smtp, 'ada@example.com');
    const org = await ada.call('POST', '/v1/me/organizations', { name: 'Analytical Engines' });
    expect(org.status).toBe(201);
    expect(org.body).toMatchObject({ object: 'organization', name: 'Analytical Engines', role: 'owner' });
    const project = org.body.projects[0];
    const key = await ada.call('POST', `/v1/organization/projects/${project.id}/api_keys`, { name: 'ada laptop' }, { 'openai-organization': org.body.id });
    expect(key.status, JSON.stringify(key.body)).toBe(200);
    expect(key.body.value).toMatch(/^sk-proj-/);
    const adaId = (await ada.call('GET', '/v1/me')).body.id;
    expect(key.body.created_by).toBe(adaId);
    const listed = await ada.call('GET', `/v1/organization/projects/${project.id}/api_keys`, undefined, { 'openai-organization': org.body.id });
    expect(listed.body.data[0].owner).toEqual({ type: 'user', user: { object: 'organization.user', id: adaId, email: 'ada@example.com', name: '', created_at: expect.any(Number), role: 'owner' } });
    expect(listed.body.data[0].owner_project_access).toBe('active');
    const sdk = new OpenAI({ baseURL: `${tg.url}/v1`, apiKey: key.body.value, maxRetries: 0 });
    const completion = await sdk.chat.completions.create({ model: 'tollgate-sim', messages: [{ role: 'user', content: 'echo: it works' }] });
    expect(completion.choices[0]!.message.content).toBe('it works');
    // The new organization has the trial grant and the free tier; its Owner may read but not raise either.
    const credits = await ada.call('GET', '/v1/organization/credits', undefined, { 'openai-organization': org.body.id });
    expect(credits.body).toMatchObject({ granted_usd: '5.00' });
    expect((await ada.call('GET', '/v1/organization/limits/tier', undefined, { 'openai-organization': org.body.id })).body.tier).toBe('free');
  });

  it('needs a verified address before a person creates a key', async () => {
    const b = browser(tg.url);
    await b.call('POST', '/v1/auth/signup', { email: 'unverified@example.com', password: PASSWORD });
    await b.signIn('unverified@example.com', PASSWORD);
    const org = (await b.call('POST', '/v1/me/organizations', { name: 'Pending' })).body;
    const refused = await b.call('POST', `/v1/organization/projects/${org.projects[0].id}/api_keys`, { name: 'k' }, { 'openai-organization': org.id });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('email_not_verified');
  });

  it('keeps credit grants and tier changes for the operator', async () => {
    const owner = await signUpVerified(tg, smtp, 'owner@example.com');
    const org = (await owner.call('POST', '/v1/me/organizations', { name: 'Self Granting' })).body;
    const h = { 'openai-organization': org.id };
    const grant = await owner.call('POST', '/v1/organization/credits/grants', { amount_usd: '1000.00' }, h);
    expect(grant.status).toBe(403);
    expect(grant.body.error.code).toBe('permission_denied');
    expect((await owner.call('POST', '/v1/organization/limits/tier', { tier: 'unlimited' }, h)).status).toBe(403);
    // The organization's own admin key cannot either.
    const adminKey = (await owner.call('POST', '/v1/organization/admin_api_keys', { name: 'ops' }, h)).body.value;
    expect(adminKey).toMatch(/^sk-admin-/);
    const orgAdmin = client(tg.url, adminKey);
    expect((await orgAdmin('POST', '/v1/organization/credits/grants', { amount_usd: '1000.00' })).status).toBe(403);
    expect((await orgAdmin('POST', '/v1/organization/limits/tier', { tier: 'unlimited' })).status).toBe(403);
    // The operator can, in any organization: by session or with an operator key naming it.
    const byOperator = await operator.call('POST', '/v1/organization/credits/grants', { amount_usd: '10.00' }, h);
    expect(byOperator.status).toBe(201);
    expect(byOperator.body).toMatchObject({ balance_usd: '15.00' });
    const operatorKey = client(tg.url, tg.adminKey);
    expect((await operatorKey('POST', '/v1/organization/limits/tier', { tier: 'tier-2' }, h)).body.tier).toBe('tier-2');
    expect((await owner.call('GET', '/v1/organization/limits/tier', undefined, h)).body.tier).toBe('tier-2');
    const audit = await operator.call('GET', '/v1/organization/audit_logs', undefined, h);
    const operatorId = (await operator.call('GET', '/v1/me')).body.id;
    const grantEvent = audit.body.data.find((e: any) => e.type === 'credits.granted');
    expect(grantEvent).toMatchObject({ actor: { type: 'session', session: { user: { id: operatorId } }, id: operatorId, ip_address: '127.0.0.1' }, 'credits.granted': { amount_usd: '10.00' } });
    const tierEvent = audit.body.data.find((e: any) => e.type === 'tier.updated');
    expect(tierEvent).toMatchObject({ actor: { type: 'api_key' }, 'tier.updated': { changes: { tier: { from: 'free', to: 'tier-2' } } } });
    expect(audit.body.data.map((e: any) => e.type)).toEqual(expect.arrayContaining(['organization.created', 'api_key.created']));
    expect(JSON.stringify(audit.body)).not.toContain(adminKey);
  });

  it('invites by single-use links bound to the address, revocable and expiring', async () => {
    const sent = await operator.call('POST', '/v1/organization/invites', { email: 'grace@example.com', role: 'reader' });
    expect(sent.body).toMatchObject({ object: 'organization.invite', email: 'grace@example.com', role: 'reader', status: 'pending', projects: [{ id: tg.projectId, role: 'member' }] });
    const token = tokenOf(linkIn(await smtp.next('grace@example.com', /invited/)));
    const lookup = await browser(tg.url).call('POST', '/v1/auth/invites/lookup', { token });
    expect(lookup.body).toMatchObject({ email: 'grace@example.com', organization: { id: tg.organizationId, name: 'Personal' }, account_exists: false });
    // Signed in as someone else: refused.
    const ada = browser(tg.url);
    await ada.signIn('ada@example.com', PASSWORD);
    expect((await ada.call('POST', '/v1/auth/invites/accept', { token })).status).toBe(403);
    const grace = browser(tg.url);
    const accepted = await grace.call('POST', '/v1/auth/invites/accept', { token, password: PASSWORD, name: 'Grace' });
    expect(accepted.body).toMatchObject({ object: 'session', method: 'invite', user: { email: 'grace@example.com', email_verified: true }, organization_id: tg.organizationId });
    expect((await browser(tg.url).call('POST', '/v1/auth/invites/accept', { token, password: PASSWORD })).body.error.code).toBe('invalid_token');
    expect((await operator.call('DELETE', `/v1/organization/invites/${sent.body.id}`)).status).toBe(409);

    const revoked = await operator.call('POST', '/v1/organization/invites', { email: 'revoked@example.com', role: 'reader' });
    const revokedToken = tokenOf(linkIn(await smtp.next('revoked@example.com', /invited/)));
    expect((await operator.call('DELETE', `/v1/organization/invites/${revoked.body.id}`)).body).toEqual({ object: 'organization.invite.deleted', id: revoked.body.id, deleted: true });
    expect((await browser(tg.url).call('POST', '/v1/auth/invites/accept', { token: revokedToken, password: PASSWORD })).body.error.code).toBe('invalid_token');

    await operator.call('POST', '/v1/organization/invites', { email: 'late@example.com', role: 'reader' });
    const lateToken = tokenOf(linkIn(await smtp.next('late@example.com', /invited/)));
    clock.advance(7 * 24 * 3600_000 + 1000);
    expect((await browser(tg.url).call('POST', '/v1/auth/invites/accept', { token: lateToken, password: PASSWORD })).body.error.code).toBe('invalid_token');
    // A week unused ended the operator's session too.
    expect((await operator.call('GET', '/v1/me')).status).toBe(401);
    expect((await operator.signIn('operator@example.com', PASSWORD)).status).toBe(200);
  });

  it('removing a member revokes their keys and ends their access; the last Owner is kept', async () => {
    const member = await inviteAndJoin(tg, smtp, operator, tg.organizationId, 'member@example.com', 'reader', [{ id: tg.projectId, role: 'owner' }]);
    const key = await member.browser.call('POST', `/v1/organization/projects/${tg.projectId}/api_keys`, { name: 'mine' });
    expect(key.status, JSON.stringify(key.body)).toBe(200);
    // A service account the person made belongs to the project: its key outlives their membership.
    const bot = await member.browser.call('POST', `/v1/organization/projects/${tg.projectId}/service_accounts`, { name: 'deploy bot' });
    expect(bot.status, JSON.stringify(bot.body)).toBe(200);
    const chat = () => client(tg.url, key.body.value)('POST', '/v1/chat/completions', { model: 'tollgate-sim', messages: [{ role: 'user', content: 'hi' }] });
    expect((await chat()).status).toBe(200);
    expect((await member.browser.call('GET', '/v1/organization/projects')).status).toBe(200);
    const removed = await operator.call('DELETE', `/v1/organization/users/${member.userId}`);
    expect(removed.body).toEqual({ object: 'organization.user.deleted', id: member.userId, deleted: true });
    expect((await chat()).status).toBe(401);
    expect((await client(tg.url, bot.body.api_key.value)('GET', '/v1/models')).status).toBe(200);
    const after = await member.browser.call('GET', '/v1/organization/projects', undefined, { 'openai-organization': tg.organizationId });
    expect(after.status).toBe(404);
    const revoked = await client(tg.url, tg.adminKey)('GET', `/v1/organization/projects/${tg.projectId}/api_keys/${key.body.id}`);
    expect(revoked.body).toMatchObject({ status: 'revoked', revoked_reason: 'member_removed' });

    const me = (await operator.call('GET', '/v1/me')).body.id;
    const demote = await operator.call('POST', `/v1/organization/users/${me}`, { role: 'reader' });
    expect(demote.status).toBe(409);
    expect(demote.body.error.code).toBe('last_owner');
    expect((await operator.call('DELETE', `/v1/organization/users/${me}`)).body.error.code).toBe('last_owner');
  });

  it('applies the sign-up policy the operator sets', async () => {
    const set = await operator.call('POST', '/v1/operator/signup_policy', { policy: 'invite' });
    expect(set.body).toEqual({ object: 'signup_policy', policy: 'invite', domains: [], source: 'operator' });
    const refused = await browser(tg.url).call('POST', '/v1/auth/signup', { email: 'walkin@example.com', password: PASSWORD });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('signup_restricted');
    await operator.call('POST', '/v1/organization/invites', { email: 'invited@example.com', role: 'reader' });
    expect((await browser(tg.url).call('POST', '/v1/auth/signup', { email: 'invited@example.com', password: PASSWORD })).status).toBe(202);
    await operator.call('POST', '/v1/operator/signup_policy', { policy: 'domains', domains: ['Acme.test'] });
    expect((await browser(tg.url).call('POST', '/v1/auth/signup', { email: 'wile@acme.test', password: PASSWORD })).status).toBe(202);
    expect((await browser(tg.url).call('POST', '/v1/auth/signup', { email: 'road@runner.test', password: PASSWORD })).status).toBe(403);
    await operator.call('POST', '/v1/operator/signup_policy', { policy: 'closed' });
    expect((await browser(tg.url).call('POST', '/v1/auth/signup', { email: 'more@acme.test', password: PASSWORD })).status).toBe(403);
    const ada = browser(tg.url);
    await ada.signIn('ada@example.com', PASSWORD);
    expect((await ada.call('POST', '/v1/operator/signup_policy', { policy: 'open' })).status).toBe(403);
    await operator.call('POST', '/v1/operator/signup_policy', { policy: 'open' });
  });

  it('lets the operator see and disable any organization', async () => {
    const orgs = await client(tg.url, tg.adminKey)('GET', '/v1/operator/organizations?limit=100');
    expect(orgs.status).toBe(200);
    const engines = orgs.body.data.find((o: any) => o.name === 'Analytical Engines');
    expect(engines).toMatchObject({ object: 'organization', status: 'active', owners: ['ada@example.com'] });
    const ada = browser(tg.url);
    await ada.signIn('ada@example.com', PASSWORD);
    const key = (await ada.call('POST', `/v1/organization/projects/${(await ada.call('GET', '/v1/me')).body.organizations[0].projects[0].id}/api_keys`, { name: 'k2' })).body.value;
    expect((await client(tg.url, key)('GET', '/v1/models')).status).toBe(200);
    expect((await operator.call('POST', `/v1/operator/organizations/${engines.id}/disable`)).body.status).toBe('disabled');
    expect((await client(tg.url, key)('GET', '/v1/models')).status).toBe(401);
    expect((await ada.call('GET', '/v1/organization/projects')).status).toBe(403);
    expect((await client(tg.url, tg.projectKey)('GET', '/v1/operator/organizations')).status).toBe(403);
    await operator.call('POST', `/v1/operator/organizations/${engines.id}/enable`);
    clock.advance(2_001); // refused keys are remembered for 2 s
    expect((await client(tg.url, key)('GET', '/v1/models')).status).toBe(200);
  });
});
