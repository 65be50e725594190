import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertEvents } from './helpers/usage-fixtures.js';
import { startTestTollgate, type TestTollgate } from './helpers/tollgate.js';

const run = promisify(execFile);
const D = Date.UTC(2026, 10, 2);
const DAY = 86_400_000;

describe('tollgate usage (CLI)', () => {
  let tg: TestTollgate;
  beforeAll(async () => {
    tg = await startTestTollgate();
    const org = tg.organizationId;
    await insertEvents(tg.services.store.db, [
      { org, project: 'proj_a', model: 'gpt-5.4-nano', at: D + 1000, prompt: 2000, cached: 500, completion: 1000, cost: 1_650_000_000n },
      { org, project: 'proj_a', model: 'gpt-5.4-nano', at: D + 2000, prompt: 2000, completion: 1000, cost: 1_650_000_000n },
      { org, project: 'proj_b', model: 'text-embedding-3-small', endpoint: 'embeddings', at: D + DAY + 5, prompt: 1_000_000, cost: 20_000_000_000n },
      { org: 'org_elsewhere', project: 'proj_x', at: D, prompt: 7, cost: 999_000_000_000_000n },
    ]);
  });
  afterAll(() => tg.stop());

  const cli = (args: string[], env: Record<string, string> = {}) =>
    run(process.execPath, ['bin/tollgate.mjs', 'usage', '--from', '2026-11-02', '--to', '2026-11-03', ...args], { env: { ...process.env, TOLLGATE_CONFIG: '', ...env } }).catch(
      (err: { code: number; stdout: string; stderr: string }) => err,
    );

  it('prints the same table from a running server and from the store', async () => {
    const remote = (await cli(['--url', tg.url], { TOLLGATE_ADMIN_KEY: tg.adminKey })) as { stdout: string; stderr: string };
    const direct = (await cli(['--data-dir', tg.services.config.data_dir])) as { stdout: string; stderr: string };
    expect(remote.stderr).toBe('');
    expect(direct.stdout).toBe(remote.stdout);
    const lines = remote.stdout.trim().split('\n');
    expect(lines[0]).toBe('Usage from 2026-11-02 to 2026-11-03 (UTC)');
    expect(lines.slice(2).map((l) => l.split(/\s{2,}/))).toEqual([
      ['day', 'model', 'project', 'requests', 'input tokens', 'cached', 'output tokens', 'cost'],
      ['2026-11-02', 'gpt-5.4-nano', 'proj_a', '2', '4,000', '500', '2,000', '$0.0033'],
      ['2026-11-03', 'text-embedding-3-small', 'proj_b', '1', '1,000,000', '0', '0', '$0.02'],
      ['total', '3', '1,004,000', '500', '2,000', '$0.0233'],
    ]);
  });

  it('sums over the range by model in JSON, and rejects bad flags with exit 2', async () => {
    const json = (await cli(['--data-dir', tg.services.config.data_dir, '--by', 'model', '--json'])) as { stdout: string };
    expect(JSON.parse(json.stdout)).toEqual([
      { model: 'gpt-5.4-nano', requests: 2, input_tokens: 4000, input_cached_tokens: 500, output_tokens: 2000, cost_usd: '0.0033' },
      { model: 'text-embedding-3-small', requests: 1, input_tokens: 1_000_000, input_cached_tokens: 0, output_tokens: 0, cost_usd: '0.02' },
    ]);
    const bad = (await cli(['--data-dir', tg.services.config.data_dir, '--by', 'colour'])) as { code: number; stderr: string };
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--by takes a list of day, project, model, key; got 'colour'");
  });
});
