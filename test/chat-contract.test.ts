import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendJson, startFakeOpenAI, chatCompletion, type FakeOpenAI } from './helpers/fake-openai.js';
import { startTestTollgate, type TestTollgate } from './helpers/tollgate.js';

/** Every chat request field is passed on, translated, or refused with a 400 naming it. */
describe('chat completions request fields', () => {
  let tg: TestTollgate;
  let upstream: FakeOpenAI;
  let client: OpenAI;
  beforeAll(async () => {
    upstream = await startFakeOpenAI((req, res) => sendJson(res, 200, chatCompletion(req.body.model, 'ok')));
    tg = await startTestTollgate({
      providers: { up: { kind: 'openai', base_url: upstream.baseUrl } },
      models: [
        { name: 'passthrough', deployments: [{ provider: 'up', model: 'up-1' }] },
        { name: 'text-only', deployments: [{ provider: 'up', model: 'up-2' }], capabilities: ['chat'] },
      ],
    });
    client = new OpenAI({ baseURL: `${tg.url}/v1`, apiKey: tg.projectKey, maxRetries: 0 });
  });
  afterAll(async () => {
    await tg.stop();
    await upstream.close();
  });

  it('passes every field to an OpenAI-compatible upstream, unknown ones and part extensions included', async () => {
    const body = {
      model: 'passthrough',
      messages: [
        { role: 'developer', content: 'be kind' },
        { role: 'user', content: [{ type: 'text', text: 'hi', prompt_cache_breakpoint: { mode: 'explicit' } }, { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } }] },
      ],
      frequency_penalty: 0.5,
      presence_penalty: -0.5,
      logit_bias: { '50256': -100 },
      logprobs: true,
      top_logprobs: 2,
      max_completion_tokens: 100,
      n: 2,
      seed: 7,
      stop: ['\n'],
      temperature: 0.2,
      top_p: 0.9,
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' }, strict: true } }],
      tool_choice: 'auto',
      parallel_tool_calls: false,
      response_format: { type: 'json_schema', json_schema: { name: 'r', schema: { type: 'object' }, strict: true } },
      user: 'u1',
      safety_identifier: 's1',
      prompt_cache_key: 'k1',
      store: false,
      metadata: { a: 'b' },
      reasoning_effort: 'low',
      verbosity: 'low',
      service_tier: 'auto',
      modalities: ['text'],
      prediction: { type: 'content', content: 'ok' },
      vendor_extension: { anything: 1 },
    };
    const res = await fetch(`${tg.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${tg.projectKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    expect(upstream.requests.at(-1)!.body).toEqual({ ...body, model: 'up-1', stream: false });
  });

  it('refuses what the model cannot do, naming the parameter, before calling the upstream', async () => {
    const before = upstream.requests.length;
    const cases: [string, Record<string, unknown>][] = [
      ['tools', { tools: [{ type: 'function', function: { name: 'f' } }] }],
      ['response_format', { response_format: { type: 'json_schema', json_schema: { name: 'r', schema: {} } } }],
      ['messages[0].content[0]', { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }] }],
    ];
    for (const [param, extra] of cases) {
      const err = await client.chat.completions.create({ model: 'text-only', messages: [{ role: 'user', content: 'x' }], ...extra } as never).catch((e) => e);
      expect(err, param).toBeInstanceOf(OpenAI.BadRequestError);
      expect(err.param).toBe(param);
    }
    expect(upstream.requests.length).toBe(before);
  });

  it('refuses inconsistent fields and what the simulator cannot produce', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['top_logprobs', { top_logprobs: 3 }],
      ['stream_options', { stream_options: { include_usage: true } }],
      ['logprobs', { logprobs: true }],
      ['modalities', { modalities: ['text', 'audio'] }],
      ['web_search_options', { web_search_options: {} }],
      ['temperature', { temperature: 2.5 }],
      ['messages[0].role', { messages: [{ role: 'robot', content: 'x' }] }],
    ];
    for (const [param, extra] of cases) {
      const err = await client.chat.completions.create({ model: 'tollgate-sim', messages: [{ role: 'user', content: 'x' }], ...extra } as never).catch((e) => e);
      expect(err, param).toBeInstanceOf(OpenAI.BadRequestError);
      expect(err.param).toBe(param);
    }
  });

  it('puts x-request-id and openai-processing-ms on successes, errors and streams', async () => {
    const responses = await Promise.all([
      fetch(`${tg.url}/v1/models`, { headers: { authorization: `Bearer ${tg.projectKey}` } }),
      fetch(`${tg.url}/v1/models`),
      fetch(`${tg.url}/v1/responses`, { method: 'POST', headers: { authorization: `Bearer ${tg.projectKey}` }, body: '{"model":"tollgate-sim","input":"hi","stream":true}' }),
      fetch(`${tg.url}/v1/completions`, { method: 'POST', headers: { authorization: `Bearer ${tg.projectKey}` }, body: '{oops' }),
    ]);
    expect(responses.map((r) => r.status)).toEqual([200, 401, 200, 400]);
    for (const res of responses) {
      expect(res.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
      expect(res.headers.get('openai-processing-ms')).toMatch(/^\d+$/);
      await res.text();
    }
  });

  it('answers a body over the limit with 413 in OpenAI shape', async () => {
    const small = await startTestTollgate({ server: { body_limit_bytes: 4096 } });
    try {
      const res = await fetch(`${small.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${small.projectKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'tollgate-sim', messages: [{ role: 'user', content: 'x'.repeat(10_000) }] }),
      });
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: object }).error).toEqual({ message: 'The request body is too large.', type: 'invalid_request_error', param: null, code: 'request_too_large' });
    } finally {
      await small.stop();
    }
  });
});
