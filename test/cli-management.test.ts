import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerManagementCommands } from '../cli/manage.js';
import { client } from './helpers/admin.js';
import { startTestTollgate, type TestTollgate } from './helpers/tollgate.js';

const BIN = fileURLToPath(new URL('../bin/tollgate.mjs', import.meta.url));
const SECRET = 'test-secret-test-secret-test-secret-0123';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function tollgate(args: string[], env: Record<string, string> = {}): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, timeout: 90_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// Each run spawns a real `tollgate` process (tsx compiles on start): generous timeouts.
describe('tollgate projects / keys / audit', { timeout: 400_000 }, () => {
  let tg: TestTollgate;
  let remote: (args: string[]) => Promise<Run>;
  let local: (args: string[]) => Promise<Run>;
  beforeAll(async () => {
    tg = await startTestTollgate({ keys: { revalidate_interval_ms: 100 } });
    remote = (args) => tollgate([...args, '--url', tg.url], { TOLLGATE_ADMIN_KEY: tg.adminKey });
    local = (args) => tollgate([...args, '--data-dir', tg.services.config.data_dir], { TOLLGATE_SECRET: SECRET });
  });
  afterAll(() => tg.stop());

  it('creates a project and a restricted key over HTTP, and the key works as created', async () => {
    const project = await remote(['projects', 'create', 'CLI project', '--json']);
    expect(project.code).toBe(0);
    const projectId = JSON.parse(project.stdout).id as string;
    const created = await remote(['keys', 'create', '-p', projectId, '--name', 'ci', '--permissions', 'restricted', '--resource', 'models=read', '--monthly-usd', '25.5', '--allowed-ip', '127.0.0.1', '::1']);
    expect(created.code).toBe(0);
    const secret = /^value\s+(sk-proj-\S+)/m.exec(created.stdout)![1]!;
    expect(created.stdout).toContain('shown once');
    expect(created.stdout).toMatch(/monthly_usage_limit_usd\s+25\.5/);
    expect((await client(tg.url, secret)('GET', '/v1/models')).status).toBe(200);
    expect((await client(tg.url, secret)('POST', '/v1/chat/completions', {})).status).toBe(403);
    const keyId = /^id\s+(key_\S+)/m.exec(created.stdout)![1]!;

    // Local mode reads the same store: the key is listed, redacted.
    const listed = await local(['keys', 'list', '-p', projectId]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(keyId);
    expect(listed.stdout).toContain(`sk-proj-...${secret.slice(-4)}`);
    expect(listed.stdout).not.toContain(secret);

    // Revoked from the shell straight in the store: the server notices on its next re-validation.
    const revoked = await local(['keys', 'revoke', keyId, '-p', projectId]);
    expect(revoked.stdout.trim()).toBe(`Revoked ${keyId}.`);
    let status = 0;
    for (let i = 0; i < 100 && status !== 401; i++) {
      status = (await client(tg.url, secret)('GET', '/v1/models')).status;
      if (status !== 401) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(401);

    const audit = await remote(['audit', '--type', 'api_key.revoked', '--json']);
    const entry = JSON.parse(audit.stdout).data[0];
    expect(entry).toMatchObject({ type: 'api_key.revoked', actor: { type: 'cli' }, 'api_key.revoked': { id: keyId, reason: 'manual' } });
  });

  it('rotates with a grace period and prints the new secret once', async () => {
    const created = (await client(tg.url, tg.adminKey)('POST', `/v1/organization/projects/${tg.projectId}/api_keys`, {})).body;
    const rotated = await local(['keys', 'rotate', created.id, '-p', tg.projectId, '--grace', '2h']);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/^value\s+sk-proj-/m);
    expect(rotated.stdout).toContain(`The previous key ${created.id}`);
  });

  it('reports errors plainly: exit 1 for a refused call, 2 for a bad value', async () => {
    const missing = await remote(['keys', 'show', 'key_nope', '-p', tg.projectId]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("tollgate: 404: No API key found with id 'key_nope'.\n");
    const bad = await local(['keys', 'create', '-p', tg.projectId, '--allowed-ip', 'nowhere']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Invalid 'allowed_ips[0]'");
  });

  it('shows and sets the models a project and a key may use', async () => {
    const set = await remote(['projects', 'models', tg.projectId, '--allow', 'tollgate-sim']);
    expect(set.code).toBe(0);
    expect(set.stdout).toBe('Allowed models: tollgate-sim\n');
    expect((await client(tg.url, tg.projectKey)('GET', '/v1/models')).body.data.map((m: any) => m.id)).toEqual(['tollgate-sim']);
    const key = (await client(tg.url, tg.adminKey)('POST', `/v1/organization/projects/${tg.projectId}/api_keys`, {})).body;
    const denied = await local(['keys', 'models', key.id, '-p', tg.projectId, '--deny', 'tollgate-sim', '--json']);
    expect(JSON.parse(denied.stdout)).toEqual({ object: 'project.api_key.model_permissions', mode: 'deny_list', model_ids: ['tollgate-sim'] });
    expect((await local(['keys', 'models', key.id, '-p', tg.projectId])).stdout).toBe('Every model except: tollgate-sim\n');
    const cleared = await remote(['projects', 'models', tg.projectId, '--clear']);
    expect(cleared.stdout).toContain('Model permissions removed');
    expect((await remote(['projects', 'models', tg.projectId])).stdout).toBe('Every model (no list set).\n');
    const both = await remote(['projects', 'models', tg.projectId, '--allow', 'a', '--clear']);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe('tollgate: choose one of --allow, --deny and --clear\n');
  });

  it('has an example in the help of every management command', () => {
    const program = new Command('tollgate').exitOverride();
    registerManagementCommands(program);
    const leaves = program.commands.flatMap((c) => (c.commands.length > 0 ? c.commands : [c]));
    expect(leaves.map((c) => `${c.parent!.name()} ${c.name()}`)).toEqual([
      ...['list', 'create', 'show', 'rename', 'archive', 'models'].map((n) => `projects ${n}`),
      ...['create', 'list', 'show', 'update', 'revoke', 'rotate', 'models'].map((n) => `keys ${n}`),
      ...['create', 'list', 'delete'].map((n) => `service-accounts ${n}`),
      ...['create', 'list', 'revoke'].map((n) => `admin-keys ${n}`),
      'tollgate audit',
      ...['list', 'create', 'show', 'disable', 'enable', 'remove-2fa'].map((n) => `users ${n}`),
      ...['list', 'create', 'show', 'disable', 'enable'].map((n) => `orgs ${n}`),
      ...['list', 'read', 'channels'].map((n) => `notifications ${n}`),
      ...['create', 'list', 'enable', 'disable', 'delete'].map((n) => `webhooks ${n}`),
    ]);
    for (const command of leaves) {
      let help = '';
      command.configureOutput({ writeOut: (text) => void (help += text) });
      command.outputHelp();
      expect(help, command.name()).toMatch(/Examples?:\n {2}\$ (\S+=\S+ )?tollgate /);
    }
  });
});
