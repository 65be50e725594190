import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../src/control/index.js';
import { checkFindings, modelsUrl, scan } from '../src/scan/index.js';
import { startTestTollgate, tempDir, type TestTollgate } from './helpers/tollgate.js';

// Keys are generated at run time: the repository holds no key-shaped string.
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const token = (n: number) => [...randomBytes(n)].map((b) => ALNUM[b % ALNUM.length]).join('');
const lookAlike = (key: string) => key.slice(0, -1) + (key.endsWith('a') ? 'b' : 'a');
const tail = (key: string) => key.slice(-4);
const BIN = fileURLToPath(new URL('../bin/tollgate.mjs', import.meta.url));

function run(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  // Asynchronous on purpose: the server answering --check lives in this process.
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('tollgate scan --check against a running server', () => {
  let tg: TestTollgate;
  const dir = tempDir('tollgate-scan-check-');
  const keys = { madeUp: generateKey('project'), fake: lookAlike(generateKey('project')), openai: `sk-proj-${token(74)}T3BlbkFJ${token(74)}` } as Record<string, string>;

  beforeAll(async () => {
    tg = await startTestTollgate();
    const scope = { organizationId: tg.organizationId, projectId: tg.projectId };
    keys.live = tg.projectKey;
    keys.admin = tg.adminKey;
    keys.restricted = (await tg.services.keys.create({ kind: 'project', ...scope, name: 'no model.read', permissions: { mode: 'restricted', resources: { chat_completions: 'write' } } })).secret;
    // Live, but only from an address this test does not call from: still a live leak.
    keys.elsewhere = (await tg.services.keys.create({ kind: 'project', ...scope, name: 'other network only', allowedIps: ['203.0.113.0/24'] })).secret;
    const revoked = await tg.services.keys.create({ kind: 'project', ...scope, name: 'revoked', createdBy: null });
    keys.revoked = revoked.secret;
    // Used once (so it sits in the key cache), then revoked directly in the store.
    expect((await fetch(`${tg.url}/v1/models`, { headers: { authorization: `Bearer ${keys.revoked}` } })).status).toBe(200);
    await tg.services.store.db.updateTable('api_keys').set({ status: 'revoked' }).where('id', '=', revoked.id).execute();
    tg.services.keys.invalidate(revoked.id);

    mkdirSync(join(dir.path, 'src'));
    writeFileSync(join(dir.path, 'src/keys.ts'), [keys.live, keys.madeUp, keys.revoked, keys.restricted, keys.admin, keys.fake, keys.openai, keys.live, keys.elsewhere].map((k) => `'${k}',`).join('\n'));
    writeFileSync(join(dir.path, 'clean.md'), 'Nothing here.\n');
  });
  afterAll(async () => {
    await tg.stop();
    dir.remove();
  });

  it('tells live from dead keys, sending each distinct checksum-valid Tollgate key once', async () => {
    const result = await scan({ path: dir.path });
    expect(await checkFindings(result.findings, { url: tg.url })).toBe(6);
    expect(result.findings.map((f) => [f.line, f.redacted, f.liveness ?? null])).toEqual([
      [1, `sk-proj-...${tail(keys.live!)}`, { status: 'live', restricted: false }],
      [2, `sk-proj-...${tail(keys.madeUp!)}`, { status: 'dead' }],
      [3, `sk-proj-...${tail(keys.revoked!)}`, { status: 'dead' }],
      [4, `sk-proj-...${tail(keys.restricted!)}`, { status: 'live', restricted: true }],
      // An admin key cannot list models, but the server knows it: 403, alive.
      [5, `sk-admin-...${tail(keys.admin!)}`, { status: 'live', restricted: true }],
      [6, `sk-proj-...${tail(keys.fake!)}`, null], // a look-alike is never sent
      [7, `sk-proj-...${tail(keys.openai!)}`, null], // nor another vendor's key
      [8, `sk-proj-...${tail(keys.live!)}`, { status: 'live', restricted: false }],
      // 401 ip_not_authorized: the server knows the key; it only refuses this address.
      [9, `sk-proj-...${tail(keys.elsewhere!)}`, { status: 'live', restricted: true }],
    ]);
  });

  it('reports an unreachable server as unknown', async () => {
    const result = await scan({ path: join(dir.path, 'src/keys.ts') });
    await checkFindings(result.findings, { url: `http://127.0.0.1:${await closedPort()}` });
    expect(result.findings[0]!.liveness).toEqual({ status: 'unknown', reason: 'network error' });
  });

  it('builds the probe URL and refuses to send keys in clear off this machine', () => {
    expect(modelsUrl('http://127.0.0.1:8787')).toBe('http://127.0.0.1:8787/v1/models');
    expect(modelsUrl('https://tollgate.example.com/v1/')).toBe('https://tollgate.example.com/v1/models');
    expect(modelsUrl('http://localhost:8787/gw')).toBe('http://localhost:8787/gw/v1/models');
    expect(() => modelsUrl('http://tollgate.example.com')).toThrowErrorMatchingInlineSnapshot(`[ScanUsageError: --check: refusing to send keys over plain http to tollgate.example.com; use https, or --allow-http if the network is trusted]`);
    expect(modelsUrl('http://tollgate.internal', true)).toBe('http://tollgate.internal/v1/models');
    expect(() => modelsUrl('ftp://example.com')).toThrow(/must be http\(s\)/);
    expect(() => modelsUrl('https://user:pw@example.com')).toThrow(/credentials/);
    expect(() => modelsUrl('not a url')).toThrow(/not a URL/);
  });

  it('the CLI prints findings with liveness, exits 1 on findings, 0 when clean, 2 on misuse', async () => {
    const found = await run(['scan', '--check', tg.url, 'src'], dir.path);
    expect(found.code).toBe(1);
    expect(found.stdout.split('\n').slice(0, 3)).toEqual([
      `src/keys.ts:1:2 tollgate-project sk-proj-...${tail(keys.live!)} checksum-valid live`,
      `src/keys.ts:2:2 tollgate-project sk-proj-...${tail(keys.madeUp!)} checksum-valid dead`,
      `src/keys.ts:3:2 tollgate-project sk-proj-...${tail(keys.revoked!)} checksum-valid dead`,
    ]);
    expect(found.stdout).toContain(`src/keys.ts:6:2 tollgate-project sk-proj-...${tail(keys.fake!)} look-alike\n`);
    expect(found.stdout).toContain(`src/keys.ts:7:2 openai-project sk-proj-...${tail(keys.openai!)}\n`);
    expect(found.stderr).toBe('9 key(s) found in 1 file(s).\n');
    for (const key of Object.values(keys)) expect(found.stdout + found.stderr).not.toContain(key.slice(12));

    const [clean, misuse, badFlag] = await Promise.all([run(['scan', 'clean.md'], dir.path), run(['scan', '--git', '.'], dir.path), run(['scan', '--no-such-flag'], dir.path)]);
    expect(clean).toEqual({ code: 0, stdout: '', stderr: 'No keys found in 1 file(s).\n' });
    expect(misuse.code).toBe(2);
    expect(misuse.stderr).toBe(`tollgate scan: --git needs PATH to be a directory in a git work tree: .\n`);
    expect(badFlag).toMatchObject({ code: 2, stderr: "error: unknown option '--no-such-flag'\n" });
  }, 120_000); // four CLI start-ups: generous on a busy two-core runner
});
