import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browser } from '../helpers/browser.js';
import { runCli } from '../helpers/child.js';
import { PASSWORD } from '../helpers/people.js';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';

const SECRET = 'test-secret-test-secret-test-secret-0123';
const tollgate = (args: string[], env: Record<string, string> = {}) => runCli(args, env, 90_000);

// Each run spawns a real `tollgate` process: generous timeouts.
describe('tollgate users / orgs', { timeout: 240_000 }, () => {
  let tg: TestTollgate;
  let local: (args: string[]) => ReturnType<typeof tollgate>;
  beforeAll(async () => {
    tg = await startTestTollgate();
    local = (args) => tollgate([...args, '--data-dir', tg.services.config.data_dir], { TOLLGATE_SECRET: SECRET });
  });
  afterAll(() => tg.stop());

  it('creates an operator locally, whose link sets the password and signs in', async () => {
    const created = await local(['users', 'create', 'root@example.com', '--operator', '--name', 'Root']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/email\s+root@example\.com/);
    expect(created.stdout).toMatch(/operator\s+true/);
    const link = /(http:\/\/\S+\/setup\?token=\S+)/.exec(created.stdout)![1]!;
    const b = browser(tg.url);
    const setup = await b.call('POST', '/v1/auth/setup', { token: new URL(link).searchParams.get('token'), password: PASSWORD });
    expect(setup.status, JSON.stringify(setup.body)).toBe(200);
    expect(setup.body.user).toMatchObject({ email: 'root@example.com', operator: true });
    expect((await b.call('GET', '/v1/operator/users')).status).toBe(200);
    const shown = await local(['users', 'show', 'root@example.com', '--json']);
    expect(JSON.parse(shown.stdout)).toMatchObject({ email: 'root@example.com', operator: true, has_password: true });
  });

  it('creates, lists, shows and disables organizations over HTTP with the operator key', async () => {
    const remote = (args: string[]) => tollgate([...args, '--url', tg.url], { TOLLGATE_ADMIN_KEY: tg.adminKey });
    const created = await remote(['orgs', 'create', 'Acme', '--owner', 'root@example.com', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const org = JSON.parse(created.stdout);
    expect(org).toMatchObject({ object: 'organization', name: 'Acme', status: 'active', owners: ['root@example.com'] });
    const listed = await remote(['orgs', 'list']);
    expect(listed.stdout).toMatch(/^ID\s+NAME\s+STATUS\s+MEMBERS\s+OWNERS/);
    expect(listed.stdout).toContain('Acme');
    expect((await local(['orgs', 'show', org.id])).stdout).toMatch(/name\s+Acme/);
    const disabled = await remote(['orgs', 'disable', org.id]);
    expect(disabled.stdout).toContain(`Disabled Acme (${org.id})`);
    expect(JSON.parse((await local(['orgs', 'show', org.id, '--json'])).stdout).status).toBe('disabled');
    // A project key is no operator: refused with the server's message.
    const refused = await tollgate(['orgs', 'list', '--url', tg.url], { TOLLGATE_ADMIN_KEY: tg.projectKey });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/403/);
  });

  it('disables an account: its sessions end', async () => {
    const b = browser(tg.url);
    expect((await b.signIn('root@example.com', PASSWORD)).status).toBe(200);
    const disabled = await local(['users', 'disable', 'root@example.com']);
    expect(disabled.stdout).toMatch(/Disabled root@example\.com .*0 key\(s\) revoked/);
    expect((await b.call('GET', '/v1/me')).status).toBe(401);
    expect((await b.signIn('root@example.com', PASSWORD)).body.error.code).toBe('account_disabled');
    const users = await local(['users', 'list']);
    expect(users.stdout).toMatch(/root@example\.com\s+Root\s+disabled/);
  });
});
