import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BANNER_FILE } from '../../src/banner.js';
import { openStore } from '../../src/store/index.js';
import { tempDir } from '../helpers/tollgate.js';
import { post, streamChat } from './helpers.js';

const BIN = fileURLToPath(new URL('../../bin/tollgate.mjs', import.meta.url));

describe('SIGTERM under load', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('loses no usage event: every response the client saw is in the store', { timeout: 120_000 }, async () => {
    const child = spawn(process.execPath, [BIN, 'start', '--data-dir', dir.path, '--port', '0'], {
      // A long flush interval: at SIGTERM plenty is still queued, and only the shutdown flush can save it.
      env: { ...process.env, TOLLGATE_METERING_FLUSH_INTERVAL_MS: '10000', TOLLGATE_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = once(child, 'exit');
    for (let i = 0; i < 600 && !/"url":"(http[^"]+)"/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
    const url = /"url":"(http[^"]+)"/.exec(out)?.[1];
    // stdout is a pipe, not a terminal: the first-start keys are in the 0600 file in the data dir.
    const banner = readFileSync(join(dir.path, BANNER_FILE), 'utf8');
    const key = /(sk-proj-[A-Za-z0-9_-]+)/.exec(banner)?.[1];
    expect(url, out).toBeDefined();
    expect(key).toBeDefined();

    let seen = 0;
    let stopping = false;
    const worker = async (w: number) => {
      for (let i = 0, after = 0; after < 3; i++) {
        if (stopping) after++;
        try {
          if ((w + i) % 3 === 0) {
            // Streams still running when the signal arrives are drained, and metered, before the store closes.
            const read = await streamChat(url!, key!, { messages: [{ role: 'user', content: 'echo: one two three four five six' }] }, { 'x-tollgate-sim-token-delay-ms': '40' });
            if (read.status === 200 && read.text === 'one two three four five six') seen++;
          } else {
            const reply = await post(`${url}/v1/chat/completions`, key!, { model: 'tollgate-sim', max_tokens: 20, messages: [{ role: 'user', content: `echo: request ${w} ${i}` }] });
            if (reply.status === 200) seen++;
          }
        } catch {
          return; // connection refused: the server is gone
        }
      }
    };
    const load = Promise.all(Array.from({ length: 16 }, (_, w) => worker(w)));
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGTERM');
    stopping = true;
    const [code] = await exited;
    await load;
    expect(code, out.slice(-2000)).toBe(0);
    expect(seen).toBeGreaterThan(20);

    const store = await openStore({ dataDir: dir.path });
    try {
      const rows = await store.db.selectFrom('usage_events').select(['status']).execute();
      expect(rows.length).toBe(seen);
      expect(rows.every((r) => r.status === 'ok')).toBe(true);
    } finally {
      await store.close();
    }
  });
});
