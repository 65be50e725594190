import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browser, tokenOf } from '../helpers/browser.js';
import { PASSWORD } from '../helpers/people.js';
import { linkIn, startTestSmtp, type TestSmtp } from '../helpers/smtp.js';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';

/** Members, invites and project members through the official openai SDK's admin client, unmodified. */
describe('people through the openai SDK admin client', () => {
  let tg: TestTollgate;
  let smtp: TestSmtp;
  let sdk: OpenAI;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    smtp = await startTestSmtp();
    tg = await startTestTollgate({ smtp_url: smtp.url });
    sdk = new OpenAI({ baseURL: `${tg.url}/v1`, apiKey: tg.projectKey, adminAPIKey: tg.adminKey, maxRetries: 0 });
    // Four people join the bootstrap organization by invitation.
    for (const name of ['anna', 'ben', 'cleo', 'dev']) {
      const invite = await sdk.admin.organization.invites.create({ email: `${name}@example.com`, role: name === 'anna' ? 'owner' : 'reader', projects: [] });
      const token = tokenOf(linkIn(await smtp.next(`${name}@example.com`, /invited/)));
      const accepted = await browser(tg.url).call('POST', '/v1/auth/invites/accept', { token, password: PASSWORD });
      ids[name] = accepted.body.user.id;
      ids[`invite_${name}`] = invite.id;
    }
  });
  afterAll(async () => {
    await tg.stop();
    await smtp.stop();
  });

  it('lists members with pagination, retrieves, changes a role and removes a member', async () => {
    const users = sdk.admin.organization.users;
    const first = await users.list({ limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.has_more).toBe(true);
    const emails: string[] = [];
    for await (const user of users.list({ limit: 2 })) emails.push(user.email!);
    expect(emails.sort()).toEqual(['anna@example.com', 'ben@example.com', 'cleo@example.com', 'dev@example.com']);
    const filtered = await users.list({ emails: ['cleo@example.com'] });
    expect(filtered.data.map((u) => u.id)).toEqual([ids.cleo]);
    const ben = await users.retrieve(ids.ben!);
    expect(ben).toMatchObject({ object: 'organization.user', id: ids.ben, email: 'ben@example.com', role: 'reader' });
    expect(typeof ben.added_at).toBe('number');
    expect((await users.update(ids.ben!, { role: 'owner' })).role).toBe('owner');
    const removed = await users.delete(ids.dev!);
    expect(removed).toEqual({ object: 'organization.user.deleted', id: ids.dev, deleted: true });
    await expect(users.retrieve(ids.dev!)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(users.update(ids.cleo!, { role: 'admin' as 'owner' })).rejects.toMatchObject({ status: 400, param: 'role' });
  });

  it('creates, lists, retrieves and deletes invites', async () => {
    const invites = sdk.admin.organization.invites;
    const invite = await invites.create({ email: 'eve@example.com', role: 'reader', projects: [{ id: tg.projectId, role: 'member' }] });
    expect(invite).toMatchObject({ object: 'organization.invite', email: 'eve@example.com', role: 'reader', status: 'pending', projects: [{ id: tg.projectId, role: 'member' }] });
    expect(invite.expires_at! - invite.created_at).toBe(7 * 24 * 3600);
    const listed = [];
    for await (const i of invites.list({ limit: 2 })) listed.push(i);
    expect(listed.map((i) => i.email)).toContain('eve@example.com');
    expect(listed.find((i) => i.id === ids.invite_anna)?.status).toBe('accepted');
    expect((await invites.retrieve(invite.id)).email).toBe('eve@example.com');
    expect(await invites.delete(invite.id)).toEqual({ object: 'organization.invite.deleted', id: invite.id, deleted: true });
    await expect(invites.create({ email: 'anna@example.com', role: 'reader' })).rejects.toMatchObject({ status: 409 });
  });

  it('adds, updates, lists and removes project members', async () => {
    const projectUsers = sdk.admin.organization.projects.users;
    const added = await projectUsers.create(tg.projectId, { user_id: ids.cleo!, role: 'member' });
    expect(added).toMatchObject({ object: 'organization.project.user', id: ids.cleo, email: 'cleo@example.com', role: 'member' });
    await projectUsers.create(tg.projectId, { email: 'ben@example.com', role: 'owner' });
    const listed = [];
    for await (const u of projectUsers.list(tg.projectId, { limit: 1 })) listed.push(u.email);
    expect(listed.sort()).toEqual(['ben@example.com', 'cleo@example.com']);
    expect((await projectUsers.update(ids.cleo!, { project_id: tg.projectId, role: 'owner' })).role).toBe('owner');
    expect((await projectUsers.retrieve(ids.cleo!, { project_id: tg.projectId })).role).toBe('owner');
    expect(await projectUsers.delete(ids.cleo!, { project_id: tg.projectId })).toEqual({ object: 'organization.project.user.deleted', id: ids.cleo, deleted: true });
    await expect(projectUsers.retrieve(ids.cleo!, { project_id: tg.projectId })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(projectUsers.create(tg.projectId, { email: 'stranger@example.com', role: 'member' })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});
