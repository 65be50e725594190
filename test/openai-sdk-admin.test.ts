import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTollgate, type TestTollgate } from './helpers/tollgate.js';

/** The admin API through the official openai SDK's admin client, unmodified. */
describe('admin API through the openai SDK', () => {
  let tg: TestTollgate;
  let sdk: OpenAI;
  beforeAll(async () => {
    tg = await startTestTollgate();
    sdk = new OpenAI({ baseURL: `${tg.url}/v1`, apiKey: tg.projectKey, adminAPIKey: tg.adminKey, maxRetries: 0 });
  });
  afterAll(() => tg.stop());

  it('creates, pages through, renames and archives projects', async () => {
    const org = sdk.admin.organization;
    const created = [];
    for (const name of ['sdk-1', 'sdk-2', 'sdk-3']) created.push(await org.projects.create({ name }));
    expect(created[0]).toMatchObject({ object: 'organization.project', name: 'sdk-1', status: 'active' });
    const names: string[] = [];
    for await (const project of org.projects.list({ limit: 2 })) names.push(project.name!);
    expect(names).toEqual(['Default', 'sdk-1', 'sdk-2', 'sdk-3']);
    expect((await org.projects.update(created[0]!.id, { name: 'sdk-renamed' })).name).toBe('sdk-renamed');
    expect((await org.projects.archive(created[1]!.id)).status).toBe('archived');
    expect((await org.projects.retrieve(created[1]!.id)).archived_at).not.toBeNull();
  });

  it('manages service accounts and project keys', async () => {
    const projects = sdk.admin.organization.projects;
    const account = await projects.serviceAccounts.create(tg.projectId, { name: 'sdk-bot' });
    expect(account.api_key!.value).toMatch(/^sk-svcacct-/);
    const keys = [];
    for await (const key of projects.apiKeys.list(tg.projectId)) keys.push(key);
    const listed = keys.find((k) => k.id === account.api_key!.id)!;
    expect(listed).toMatchObject({ object: 'organization.project.api_key', owner: { type: 'service_account' } });
    expect(listed.redacted_value).toBe(`sk-svcacct-...${account.api_key!.value.slice(-4)}`);
    const retrieved = await projects.apiKeys.retrieve(account.api_key!.id, { project_id: tg.projectId });
    expect(retrieved.id).toBe(account.api_key!.id);
    const deleted = await projects.apiKeys.delete(account.api_key!.id, { project_id: tg.projectId });
    expect(deleted).toEqual({ object: 'organization.project.api_key.deleted', id: account.api_key!.id, deleted: true });
    const gone = await projects.serviceAccounts.delete(account.id, { project_id: tg.projectId });
    expect(gone.deleted).toBe(true);
    await expect(projects.serviceAccounts.retrieve(account.id, { project_id: tg.projectId })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('creates admin keys and reads the audit log', async () => {
    const org = sdk.admin.organization;
    const key = await org.adminAPIKeys.create({ name: 'sdk-admin' });
    expect(key.value).toMatch(/^sk-admin-/);
    const ids = [];
    for await (const k of org.adminAPIKeys.list()) ids.push(k.id);
    expect(ids).toContain(key.id);
    const events = [];
    for await (const event of org.auditLogs.list({ event_types: ['project.archived'] })) events.push(event);
    expect(events.map((e) => e.type)).toEqual(['project.archived']);
  });

  it('surfaces Tollgate errors as the SDK\'s typed errors', async () => {
    const bad = new OpenAI({ baseURL: `${tg.url}/v1`, apiKey: tg.projectKey, adminAPIKey: tg.projectKey, maxRetries: 0 });
    await expect(bad.admin.organization.projects.list()).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
    await expect(sdk.admin.organization.projects.create({ name: '' })).rejects.toMatchObject({ status: 400, param: 'name' });
  });
});
