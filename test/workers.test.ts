import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli, startServerChild } from './helpers/child.js';
import { REDIS_URL, redisPrefix, redisSkipReason } from './helpers/services.js';
import { tempDir } from './helpers/tollgate.js';

/** The processes a process started (its cluster workers), from /proc. */
function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
}

describe('tollgate start --workers', () => {
  it('refuses more than one worker without state they can share', async () => {
    const dir = tempDir();
    try {
      const run = await runCli(['start', '--workers', '2', '--port', '0', '--data-dir', dir.path], {}, 60_000);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe('--workers needs state the workers share: set redis_url (TOLLGATE_REDIS_URL) or a PostgreSQL database_url.\n');
      const bad = await runCli(['start', '--workers', 'two', '--data-dir', dir.path], {}, 60_000);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toBe('--workers must be a whole number of 1 or more, got two\n');
    } finally {
      dir.remove();
    }
  }, 120_000);

  it.skipIf(!REDIS_URL)(`serves from two worker processes sharing the port, prints the keys once, stops on SIGTERM${redisSkipReason}`, async () => {
    const dir = tempDir();
    const server = await startServerChild(['--workers', '2', '--data-dir', dir.path], { TOLLGATE_REDIS_URL: REDIS_URL!, TOLLGATE_REDIS_PREFIX: redisPrefix() }, 150_000);
    try {
      // The first worker's log line comes before the primary's banner and summary line.
      for (let i = 0; i < 600 && !server.stdout().includes('with 2 workers'); i++) await new Promise((r) => setTimeout(r, 100));
      const out = server.stdout();
      expect(out).toContain('with 2 workers');
      // The banner is written once, by the primary (to its file: stdout is a pipe here).
      expect(out.match(/"file":"/g)).toHaveLength(1);
      const banner = server.banner();
      expect(new Set(banner.match(/sk-proj-[0-9A-Za-z]{49}/g))).toHaveProperty('size', 1);
      const workers = childrenOf(server.child.pid!);
      expect(workers).toHaveLength(2);
      const key = /sk-proj-[0-9A-Za-z]{49}/.exec(banner)![0];
      for (let i = 0; i < 6; i++) {
        const reply = await fetch(`${server.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'tollgate-sim', messages: [{ role: 'user', content: 'echo: hello' }] }),
        });
        expect(reply.status).toBe(200);
        expect(((await reply.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe('hello');
      }
      // Both workers listen on the one port the primary shares out.
      expect(server.stdout().match(/Tollgate listening on http:\/\/127\.0\.0\.1:\d+"/g)).toHaveLength(2);
    } finally {
      expect(await server.stop()).toBe(0);
      dir.remove();
    }
  }, 300_000);
});
