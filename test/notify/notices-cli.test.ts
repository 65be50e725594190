import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../helpers/admin.js';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';

const BIN = fileURLToPath(new URL('../../bin/tollgate.mjs', import.meta.url));
const SECRET = 'test-secret-test-secret-test-secret-0123';

async function tollgate(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, timeout: 90_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('tollgate notifications / webhooks', { timeout: 400_000 }, () => {
  let tg: TestTollgate;
  let remote: (args: string[]) => ReturnType<typeof tollgate>;
  let local: (args: string[]) => ReturnType<typeof tollgate>;
  beforeAll(async () => {
    tg = await startTestTollgate();
    remote = (args) => tollgate([...args, '--url', tg.url], { TOLLGATE_ADMIN_KEY: tg.adminKey });
    local = (args) => tollgate([...args, '--data-dir', tg.services.config.data_dir], { TOLLGATE_SECRET: SECRET });
  });
  afterAll(() => tg.stop());

  it('registers, lists, disables and deletes a webhook endpoint; the secret is printed once', async () => {
    const created = await remote(['webhooks', 'create', 'https://hooks.example.com/tollgate', '--description', 'pager']);
    expect(created.code, created.stderr).toBe(0);
    const secret = /^signing_secret: (whsec_\S+)$/m.exec(created.stdout)![1]!;
    expect(created.stdout).toContain('shown once');
    const id = /^id\s+(whk_\S+)/m.exec(created.stdout)![1]!;
    // Local mode reads the same store; the secret is never listed.
    const listed = await local(['webhooks', 'list']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${id}\\s+https://hooks\\.example\\.com/tollgate\\s+enabled\\s+0`, 'm'));
    expect(listed.stdout).not.toContain(secret);
    const disabled = await remote(['webhooks', 'disable', id]);
    expect(disabled.stdout).toMatch(/^status\s+disabled$/m);
    const refused = await remote(['webhooks', 'create', 'http://10.0.0.1/hook']);
    expect([refused.code, refused.stderr.trim()]).toEqual([2, 'tollgate: 400: url must be https://.']);
    expect((await remote(['webhooks', 'delete', id])).stdout.trim()).toBe(`Deleted ${id}.`);
  });

  it('shows and changes the channels per event type, lists notifications and marks them read', async () => {
    const changed = await remote(['notifications', 'channels', 'balance.low', 'no-webhook']);
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stdout).toMatch(/^balance\.low\s+yes\s+no$/m);
    expect(changed.stdout).toMatch(/^api_key\.leaked\s+yes\s+yes$/m);
    const wrong = await remote(['notifications', 'channels', 'balance.low', 'sms']);
    expect([wrong.code, wrong.stderr.trim()]).toEqual([2, "tollgate: expected email, no-email, webhook or no-webhook, got 'sms'"]);

    expect((await client(tg.url, null)('POST', '/v1/leaks', { strings: [tg.projectKey] })).status).toBe(200);
    const listed = await local(['notifications', 'list', '--unread']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^evt_\S+\s+api_key\.leaked\s+proj_\S+/m);
    const all = await remote(['notifications', 'read', '--all']);
    expect(all.stdout.trim()).toBe('Marked 1 notification(s) read.');
    expect((await remote(['notifications', 'list', '--unread'])).stdout).toContain('(none)');
  });
});
