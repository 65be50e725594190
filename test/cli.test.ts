import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startServerChild } from './helpers/child.js';
import { tempDir } from './helpers/tollgate.js';

const exec = promisify(execFile);

describe('tollgate start, as a newcomer runs it', { timeout: 120_000 }, () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('shows both keys once, outside the log, with a curl command that works exactly as printed', async () => {
    const server = await startServerChild(['--data-dir', dir.path]);
    try {
      // stdout is not a terminal: the keys go to a file only this user reads, and the log names it.
      expect(server.stdout()).not.toMatch(/sk-(proj|admin)-/);
      for (const line of server.stdout().trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
      const file = /"file":"([^"]+)"/.exec(server.stdout())![1]!;
      expect(file).toBe(join(dir.path, 'first-start-keys.txt'));
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const out = server.banner();
      expect(out).toMatch(/^export TOLLGATE_KEY=sk-proj-[0-9A-Za-z]{49}$/m);
      expect(out).toMatch(/Admin key .*sk-admin-[0-9A-Za-z]{49}/);
      expect(out).toMatch(/sk-proj-[0-9A-Za-z]{49}/);
      expect(out).toContain('new OpenAI({ baseURL: "' + server.url + '/v1"');
      const curl = /^curl [\s\S]*?'\n/m.exec(out)![0];
      const { stdout } = await exec('bash', ['-c', curl]);
      const completion = JSON.parse(stdout) as { object: string; model: string; choices: { message: { content: string } }[] };
      expect(completion.object).toBe('chat.completion');
      expect(completion.model).toBe('tollgate-sim');
      expect(completion.choices[0]!.message.content).toMatch(/^This is a simulated reply to "Hello!": /);
      // The setup link printed with the keys makes the operator, once.
      const token = /\/setup\?token=([A-Za-z0-9_-]{43})\n/.exec(out)![1]!;
      const setup = (body: unknown) => fetch(`${server.url}/v1/auth/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const made = await setup({ token, email: 'you@example.com', password: 'tangerine-harbor-lamp-7' });
      expect(made.status).toBe(200);
      expect(((await made.json()) as { user: { operator: boolean } }).user.operator).toBe(true);
      expect((await setup({ token, email: 'me@example.com', password: 'tangerine-harbor-lamp-7' })).status).toBe(400);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('prints no keys and creates nothing on the second start', async () => {
    const server = await startServerChild(['--data-dir', dir.path]);
    try {
      expect(server.stdout()).not.toContain('sk-proj-');
      expect(server.stdout()).not.toContain('sk-admin-');
      const migrate = await runCli(['migrate', '--data-dir', dir.path]);
      expect(migrate.stdout).toBe('The store is up to date.\n');
    } finally {
      await server.stop();
    }
  });
});

describe('graceful shutdown', { timeout: 120_000 }, () => {
  it('lets a stream in flight finish after SIGTERM, then exits 0', async () => {
    const dir = tempDir();
    const server = await startServerChild(['--data-dir', dir.path]);
    try {
      const key = /sk-proj-[0-9A-Za-z]{49}/.exec(server.banner())![0];
      const words = Array.from({ length: 20 }, (_, i) => `w${i}`).join(' ');
      const res = await fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-tollgate-sim-token-delay-ms': '40' },
        body: JSON.stringify({ model: 'tollgate-sim', stream: true, messages: [{ role: 'user', content: `echo: ${words}` }] }),
      });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let body = decoder.decode((await reader.read()).value);
      server.child.kill('SIGTERM');
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        body += decoder.decode(value);
      }
      const text = body
        .split('\n\n')
        .filter((f) => f.startsWith('data: {'))
        .map((f) => JSON.parse(f.slice(6)) as { choices: { delta: { content?: string } }[] })
        .flatMap((c) => c.choices.map((ch) => ch.delta.content ?? ''))
        .join('');
      expect(text).toBe(words);
      expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
      expect(await server.exited).toBe(0);
      await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    } finally {
      await server.stop('SIGKILL');
      dir.remove();
    }
  });
});

describe('tollgate CLI', () => {
  it('prints its version and help with an example for each command', async () => {
    const version = await runCli(['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = await runCli(['--help']);
    for (const command of ['start', 'migrate', 'config']) expect(help.stdout).toContain(`$ tollgate ${command}`);
    const startHelp = await runCli(['start', '--help']);
    expect(startHelp.stdout).toContain('--port');
    expect(startHelp.stdout).toContain('Example:');
  });

  it('prints the effective config with secrets redacted', async () => {
    const printed = await runCli(['config', 'print'], { TOLLGATE_SECRET: 'a-very-secret-value-that-must-not-leak-000', TOLLGATE_SERVER_PORT: '9123' });
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain('port: 9123');
    expect(printed.stdout).toContain('secret: "[redacted]"');
    expect(printed.stdout).not.toContain('must-not-leak');
  });

  it('fails at start on a bad config with a message naming the field', async () => {
    const bad = await runCli(['start'], { TOLLGATE_SERVER_PORT: 'abc' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('server.port');
    expect(bad.stderr).toContain('TOLLGATE_SERVER_PORT');
  });
});
