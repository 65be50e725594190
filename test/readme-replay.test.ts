import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startServerChild, type ServerChild } from './helpers/child.js';
import { tempDir } from './helpers/tollgate.js';

const exec = promisify(execFile);
const MARK = '<!-- replayed in order by test/readme-replay.test.ts -->';

interface Example {
  lang: string;
  code: string;
}

/** The README's marked examples, in the order a newcomer meets them. */
function examples(): Example[] {
  const readme = readFileSync(`${ROOT}/README.md`, 'utf8');
  return readme
    .split(MARK)
    .slice(1)
    .map((part) => {
      const block = /^\n?```(\w+)\n([\s\S]*?)```/.exec(part);
      if (!block) throw new Error(`a replay mark not followed by a code block: ${part.slice(0, 80)}`);
      return { lang: block[1]!, code: block[2]! };
    });
}

/**
 * A newcomer's first hour, replayed: a started server (`tollgate start`, as
 * `npm start` runs it), the keys exported as the banner says, then every
 * marked README example run exactly as printed, only the port changed.
 */
describe('the README examples, pasted in order', { timeout: 240_000 }, () => {
  const dir = tempDir();
  let server: ServerChild;
  let env: Record<string, string>;
  beforeAll(async () => {
    server = await startServerChild(['--data-dir', dir.path]);
    const banner = server.banner();
    const exported = Object.fromEntries([...banner.matchAll(/^export (TOLLGATE_\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
    expect(Object.keys(exported).sort()).toEqual(['TOLLGATE_ADMIN_KEY', 'TOLLGATE_KEY']);
    env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...exported };
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    dir.remove();
  });

  async function run(example: Example): Promise<{ command: string; stdout: string; printed: string }> {
    const port = new URL(server.url).port;
    const code = example.code.replaceAll('127.0.0.1:8787', `127.0.0.1:${port}`);
    if (example.lang === 'js') {
      const { stdout } = await exec(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, env, timeout: 60_000 });
      return { command: code, stdout, printed: '' };
    }
    // A `$ command` block shows what the command prints: run the command, keep the rest to compare.
    const lines = code.split('\n');
    const shown = lines[0]!.startsWith('$ ');
    const command = shown ? lines[0]!.slice(2) : code;
    const { stdout } = await exec('bash', ['-c', `set -eo pipefail\n${command}`], { cwd: ROOT, env, timeout: 60_000 });
    return { command, stdout, printed: shown ? lines.slice(1).join('\n') : '' };
  }

  it('each works as printed', async () => {
    const all = examples();
    expect(all.length).toBeGreaterThanOrEqual(5);
    const [firstCurl, firstJs, standing, estimate, costs] = all;

    const completion = JSON.parse((await run(firstCurl!)).stdout);
    expect(completion).toMatchObject({ object: 'chat.completion', model: 'tollgate-sim' });
    expect(completion.choices[0].message.content).toMatch(/^This is a simulated reply to "Hello!"/);

    expect((await run(firstJs!)).stdout).toMatch(/^This is a simulated reply to "Hello!"/);

    const key = JSON.parse((await run(standing!)).stdout);
    expect(key.object).toBe('key.standing');
    expect(key.credit.balance_usd).toMatch(/^\d+\.\d+$/);

    const priced = await run(estimate!);
    expect(priced.stdout.trim()).toBe(priced.printed.trim());

    // The costs example shows what the calls above cost, on the page it fetches.
    await expect
      .poll(async () => {
        const page = JSON.parse((await run(costs!)).stdout);
        return page.data.flatMap((bucket: any) => bucket.results.map((r: any) => r.line_item));
      }, { timeout: 60_000, interval: 1_000 })
      .toContain('tollgate-sim');
    const page = JSON.parse((await run(costs!)).stdout);
    expect(page.data).toHaveLength(7);
    expect(page.has_more).toBe(false);
  });
});
