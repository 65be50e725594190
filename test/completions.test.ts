import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendJson, sendStream, startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { startTestTollgate, type TestTollgate } from './helpers/tollgate.js';

describe('POST /v1/completions (legacy), served through chat models', () => {
  let tg: TestTollgate;
  let client: OpenAI;
  beforeAll(async () => {
    tg = await startTestTollgate();
    client = new OpenAI({ baseURL: `${tg.url}/v1`, apiKey: tg.projectKey, maxRetries: 0 });
  });
  afterAll(() => tg.stop());

  it('completes a string prompt with text_completion objects and usage', async () => {
    const completion = await client.completions.create({ model: 'tollgate-sim', prompt: 'echo: the quick brown fox', max_tokens: 50 });
    expect(completion.object).toBe('text_completion');
    expect(completion.id).toMatch(/^cmpl-/);
    expect(completion.choices).toEqual([{ text: 'the quick brown fox', index: 0, logprobs: null, finish_reason: 'stop' }]);
    expect(completion.usage).toMatchObject({ completion_tokens: 4 });
  });

  it('caps output at 16 tokens by default, as OpenAI does, and echoes the prompt when asked', async () => {
    const long = 'echo: ' + Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ');
    const capped = await client.completions.create({ model: 'tollgate-sim', prompt: long });
    expect(capped.choices[0]!.finish_reason).toBe('length');
    expect(capped.usage?.completion_tokens).toBe(16);
    const echoed = await client.completions.create({ model: 'tollgate-sim', prompt: 'echo: hi', echo: true, max_tokens: 5 });
    expect(echoed.choices[0]!.text).toBe('echo: hihi');
  });

  it('answers every prompt of a batch, n choices each, indexed prompt-major', async () => {
    const completion = await client.completions.create({ model: 'tollgate-sim', prompt: ['echo: one', 'echo: two'], n: 2, max_tokens: 5 });
    expect(completion.choices.map((c) => [c.index, c.text])).toEqual([
      [0, 'one'],
      [1, 'one'],
      [2, 'two'],
      [3, 'two'],
    ]);
    expect(completion.usage?.completion_tokens).toBe(4);
  });

  it('decodes token-array prompts', async () => {
    // "echo: hello" in o200k_base.
    const { encode } = await import('gpt-tokenizer/encoding/o200k_base');
    const completion = await client.completions.create({ model: 'tollgate-sim', prompt: encode('echo: hello'), max_tokens: 5 });
    expect(completion.choices[0]!.text).toBe('hello');
  });

  it('streams text_completion chunks with a usage chunk and [DONE]', async () => {
    const stream = await client.completions.create({ model: 'tollgate-sim', prompt: 'echo: a b c', stream: true, stream_options: { include_usage: true }, max_tokens: 10 });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('text_completion');
      for (const c of chunk.choices) {
        text += c.text;
        finish = c.finish_reason ?? finish;
      }
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('a b c');
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBe(3);
  });

  it('refuses what chat models cannot do, naming the parameter', async () => {
    for (const [param, extra] of [
      ['best_of', { best_of: 3 }],
      ['suffix', { suffix: 'end' }],
      ['logprobs', { logprobs: 2 }],
    ] as const) {
      const err = await client.completions.create({ model: 'tollgate-sim', prompt: 'x', ...extra }).catch((e) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect(err.param).toBe(param);
    }
    const missing = await client.completions.create({ model: 'tollgate-sim' } as never).catch((e) => e);
    expect(missing.param).toBe('prompt');
  });
});

describe('POST /v1/completions on an upstream that serves it natively', () => {
  let tg: TestTollgate;
  let upstream: FakeOpenAI;
  let client: OpenAI;
  const completion = (text: string) => ({
    id: 'cmpl-up',
    object: 'text_completion',
    created: 1_700_000_000,
    model: 'base-model',
    choices: [{ text, index: 0, logprobs: null, finish_reason: 'length' }],
    usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
  });
  beforeAll(async () => {
    upstream = await startFakeOpenAI((req, res) => {
      if (!req.body.stream) return sendJson(res, 200, completion(' jumped over'));
      sendStream(res, [
        { ...completion(' jumped'), usage: undefined, choices: [{ text: ' jumped', index: 0, logprobs: null, finish_reason: null }] },
        { ...completion(' over'), usage: undefined },
        { ...completion(''), choices: [] },
      ]);
    });
    tg = await startTestTollgate({ providers: { up: { kind: 'openai', base_url: upstream.baseUrl } }, models: [{ name: 'base', deployments: [{ provider: 'up', model: 'base-model' }] }] });
    client = new OpenAI({ baseURL: `${tg.url}/v1`, apiKey: tg.projectKey, maxRetries: 0 });
  });
  afterAll(async () => {
    await tg.stop();
    await upstream.close();
  });

  it('forwards the prompt as it is, without a chat template, and returns the upstream text', async () => {
    const result = await client.completions.create({ model: 'base', prompt: ['The cow'], max_tokens: 2, echo: true });
    expect(upstream.requests.at(-1)).toMatchObject({ path: '/v1/completions', body: { model: 'base-model', prompt: ['The cow'], max_tokens: 2, echo: true, stream: false } });
    expect(result.choices[0]).toEqual({ text: ' jumped over', index: 0, logprobs: null, finish_reason: 'length' });
    expect(result.usage).toEqual({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
  });

  it('streams the native stream as text_completion chunks with usage', async () => {
    const stream = await client.completions.create({ model: 'base', prompt: 'The cow', stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      for (const c of chunk.choices) text += c.text;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(upstream.requests.at(-1)).toMatchObject({ path: '/v1/completions', body: { prompt: 'The cow', stream: true, stream_options: { include_usage: true } } });
    expect(text).toBe(' jumped over');
    // No price is known for base-model: it costs nothing, and says so.
    expect(usage).toEqual({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5, cost_usd: '0.00' });
  });
});
