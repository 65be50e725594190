import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTollgate, tempDir, type TestTollgate } from './helpers/tollgate.js';

const run = promisify(execFile);

describe('pricing API: GET /v1/pricing and POST /v1/pricing/estimate', () => {
  let tg: TestTollgate;
  beforeAll(async () => {
    tg = await startTestTollgate({ pricing: { models: { 'my-model': { input: '1.00', output: '3.00' } } } });
  });
  afterAll(() => tg.stop());

  const post = (body: unknown, key = tg.projectKey) =>
    fetch(`${tg.url}/v1/pricing/estimate`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('lists the catalogue with exact decimal prices, config overrides included', async () => {
    const res = await fetch(`${tg.url}/v1/pricing`, { headers: { authorization: `Bearer ${tg.projectKey}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { object: string; data: Record<string, unknown>[] };
    expect(body.object).toBe('list');
    expect(body.data.find((p) => p.model === 'gpt-5.4-nano')).toEqual({
      object: 'model.price',
      model: 'gpt-5.4-nano',
      currency: 'usd',
      unit: '1M tokens',
      input: '0.20',
      cached_input: '0.02',
      cache_write: '0.20',
      output: '1.25',
      per_request: '0.00',
      effective_from: null,
    });
    expect(body.data.find((p) => p.model === 'my-model')).toMatchObject({ input: '1.00', output: '3.00' });
  });

  it('estimates the example workload: $1.65 a day', async () => {
    const res = await post({ model: 'gpt-5.4-nano', requests_per_day: 1000, input_tokens: 2000, output_tokens: 1000 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: Record<string, { value: number; value_exact: string }>[] };
    expect(body.data).toHaveLength(1);
    expect(body.data[0]!.per_request).toEqual({ value: 0.00165, value_exact: '0.00165', currency: 'usd' });
    expect(body.data[0]!.daily).toEqual({ value: 1.65, value_exact: '1.65', currency: 'usd' });
    expect(body.data[0]!.monthly).toEqual({ value: 50.1875, value_exact: '50.1875', currency: 'usd' });
  });

  it('compares all models cheapest first and counts a sample server-side; an admin key works too', async () => {
    const res = await post(
      { compare: true, requests_per_day: 10, sample: ['Hello there, friend.', { prompt: 'Paris is the capital of France.', completion: 'one two three four' }] },
      tg.adminKey,
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { workload: Record<string, unknown>; data: { model: string; daily: { value_exact: string } }[]; skipped_models: string[] };
    expect(body.workload).toMatchObject({ input_tokens: 13, output_tokens: 4, sample_size: 2, tokenizer: 'o200k_base' });
    const daily = body.data.map((d) => Number(d.daily.value_exact));
    expect([...daily].sort((a, b) => a - b)).toEqual(daily);
    // 10 x (13 x 0.20 + 4 x 1.25) micro$ per 1M = $0.000076
    expect(body.data.find((d) => d.model === 'gpt-5.4-nano')!.daily.value_exact).toBe('0.000076');
    expect(body.skipped_models).toContain('text-embedding-3-small');
  });

  it('answers bad input with OpenAI-shaped errors naming the param', async () => {
    const cases: [unknown, number, string | null, RegExp][] = [
      [{ model: 'gpt-5.4-nano', input_tokens: 1, output_tokens: 1 }, 400, 'requests_per_day', /Missing required parameter: 'requests_per_day'/],
      [{ model: 'gpt-5.4-nano', requests_per_day: -1, input_tokens: 1, output_tokens: 1 }, 400, 'requests_per_day', />= 0/],
      [{ model: 'gpt-5.4-nano', requests_per_day: 1, input_tokens: 1.5, output_tokens: 1 }, 400, 'input_tokens', /expected an integer/],
      [{ model: 'gpt-5.4-nano', requests_per_day: 1, output_tokens: 1 }, 400, 'input_tokens', /input_tokens/],
      [{ model: 'gpt-5.4-nano', requests_per_day: 1, input_tokens: 1 }, 400, 'output_tokens', /output_tokens/],
      [{ model: 'gpt-5.4-nano', requests_per_day: 1, input_tokens: 1, cached_input_tokens: 2, output_tokens: 0 }, 400, 'cached_input_tokens', /cannot exceed/],
      [{ requests_per_day: 1, input_tokens: 1, output_tokens: 1 }, 400, 'model', /'model'/],
      [{ model: 'nope', requests_per_day: 1, input_tokens: 1, output_tokens: 1 }, 404, 'model', /no price/],
      [{ model: 'gpt-5.4', requests_per_day: 1, sample: [{ nope: 1 }], output_tokens: 1 }, 400, 'sample', /sample\[0\]/],
      [{ model: 'gpt-5.4', requests_per_day: 1, input_tokens: 1, output_tokens: 1, extra: true }, 400, 'extra', /Unknown parameter/],
    ];
    for (const [body, status, param, message] of cases) {
      const res = await post(body);
      const json = (await res.json()) as { error: { param: string | null; message: string; type: string } };
      expect({ status: res.status, param: json.error.param, type: json.error.type }).toEqual({ status, param, type: 'invalid_request_error' });
      expect(json.error.message).toMatch(message);
    }
  });

  it('needs a valid key', async () => {
    const res = await fetch(`${tg.url}/v1/pricing`);
    expect(res.status).toBe(401);
  });
});

describe('tollgate estimate (CLI)', () => {
  const cli = (...args: string[]) => run(process.execPath, ['bin/tollgate.mjs', 'estimate', ...args], { env: { ...process.env, TOLLGATE_CONFIG: '' } }).catch((err: { code: number; stdout: string; stderr: string }) => err);

  it('prints $1.65 a day and $50.19 a month for the example', async () => {
    const { stdout } = (await cli('--model', 'gpt-5.4-nano', '--requests-per-day', '1000', '--input-tokens', '2000', '--output-tokens', '1000')) as { stdout: string };
    expect(stdout).toContain('A month is 30.42 days (365/12).');
    expect(stdout).toMatch(/gpt-5\.4-nano\s+\$0\.00165\s+\$1\.65\s+\$50\.19/);
  });

  it('compares models sorted by cost and counts a sample file', async () => {
    const dir = tempDir();
    const file = join(dir.path, 'prompts.txt');
    writeFileSync(file, 'Hello there, friend.\nParis is the capital of France.\n');
    const { stdout } = (await cli('--compare', '--model', 'gpt-5.4-nano', '--requests-per-day', '1000', '--sample', file, '--output-tokens', '100')) as { stdout: string };
    dir.remove();
    expect(stdout).toContain('13 input tokens and 100 output tokens per request');
    expect(stdout).toMatch(/Sample: 2 prompt\(s\) from .*prompts\.txt, counted with o200k_base/);
    const models = stdout.split('\n').filter((l) => /^\S+\s+\$/.test(l)).map((l) => l.split(/\s+/)[0]);
    expect(models[0]).toBe('gpt-5-nano');
    expect(models.at(-1)).toBe('claude-opus-4-1');
  });

  it('exits 2 with a clear message on bad input', async () => {
    const bad = (await cli('--model', 'gpt-5.4-nano', '--requests-per-day', 'lots', '--input-tokens', '1', '--output-tokens', '1')) as { code: number; stderr: string };
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--requests-per-day must be a whole number >= 0, got 'lots'");
  });
});
