import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatCompletion, fixtureChunks, sendError, sendJson, sendStream, startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { startTestTollgate, type TestTollgate } from './helpers/tollgate.js';

/** Fault drills: retries, fallbacks, circuits and broken streams, against the simulator and fake upstreams. */
describe('routing under upstream faults', () => {
  let a: FakeOpenAI;
  let b: FakeOpenAI;
  let c: FakeOpenAI;
  let tg: TestTollgate;

  beforeAll(async () => {
    [a, b, c] = await Promise.all([startFakeOpenAI(), startFakeOpenAI(), startFakeOpenAI()]);
    tg = await startTestTollgate({
      providers: {
        a: { kind: 'openai', base_url: a.baseUrl, api_key: 'upstream-key-a' },
        b: { kind: 'openai', base_url: b.baseUrl, api_key: 'upstream-key-b' },
        c: { kind: 'openai', base_url: c.baseUrl, api_key: 'upstream-key-c' },
      },
      models: [
        { name: 'primary', deployments: [{ provider: 'a', model: 'a-model' }], fallbacks: ['secondary'] },
        { name: 'secondary', deployments: [{ provider: 'b', model: 'b-model' }] },
        { name: 'flaky', deployments: [{ provider: 'c', model: 'c-model' }] },
        { name: 'pair', deployments: [{ provider: 'a', model: 'a-pair', weight: 1 }, { provider: 'b', model: 'b-pair', weight: 1 }] },
      ],
      routing: { backoff_base_ms: 1, backoff_max_ms: 5, retries_per_deployment: 1, circuit_failure_threshold: 4, circuit_cooldown_ms: 600_000 },
    });
  });
  afterAll(async () => {
    await tg.stop();
    await Promise.all([a.close(), b.close(), c.close()]);
  });
  beforeEach(() => {
    for (const f of [a, b, c]) f.requests.length = 0;
  });

  const post = (body: object, headers: Record<string, string> = {}) =>
    fetch(`${tg.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tg.projectKey}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const hello = (model: string, extra: object = {}) => ({ model, messages: [{ role: 'user', content: 'echo: hello' }], ...extra });

  it('retries a simulator 503 and succeeds on the second attempt, passing the attempt number', async () => {
    const res = await post(hello('tollgate-sim'), { 'x-tollgate-sim-fault': '503;attempts=1' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-tollgate-attempts')).toBe('2');
    expect(((await res.json()) as any).choices[0].message.content).toBe('hello');
  });

  it('does not let one client\'s fault drill open the circuit for everyone', async () => {
    // Twice the circuit threshold of header-requested failures, each retried and failed...
    for (let i = 0; i < 8; i++) expect((await post(hello('tollgate-sim'), { 'x-tollgate-sim-fault': '500' })).status).toBe(500);
    // ...and the simulator still serves everyone else.
    const res = await post(hello('tollgate-sim'));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-tollgate-attempts')).toBe('1');
  });

  it('retries a streamed request that failed before its first byte', async () => {
    const res = await post(hello('tollgate-sim', { stream: true }), { 'x-tollgate-sim-fault': '500;attempts=1' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-tollgate-attempts')).toBe('2');
    expect(await res.text()).toContain('data: [DONE]');
  });

  it('retries an upstream 503 then 200 on the same deployment', async () => {
    let calls = 0;
    a.handle((req, res) => (++calls === 1 ? sendError(res, 503, 'overloaded') : sendJson(res, 200, chatCompletion(req.body.model, 'second time lucky'))));
    const res = await post(hello('primary'));
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).choices[0].message.content).toBe('second time lucky');
    expect(a.requests.map((r) => r.body.model)).toEqual(['a-model', 'a-model']);
    expect(b.requests).toHaveLength(0);
    expect(res.headers.get('x-tollgate-deployment')).toBe('a/a-model');
  });

  it('falls back to the secondary model when the primary keeps answering 500', async () => {
    a.handle((_req, res) => sendError(res, 500, 'internal failure'));
    b.handle((req, res) => sendJson(res, 200, chatCompletion(req.body.model, 'from the secondary')));
    const res = await post(hello('primary'));
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).choices[0].message.content).toBe('from the secondary');
    expect(a.requests).toHaveLength(2);
    expect(b.requests).toHaveLength(1);
    expect(res.headers.get('x-tollgate-fallback-model')).toBe('secondary');
    expect(res.headers.get('x-tollgate-deployment')).toBe('b/b-model');
    expect(res.headers.get('x-tollgate-attempts')).toBe('3');
    const metrics = await (await fetch(`${tg.url}/metrics`)).text();
    expect(metrics).toMatch(/tollgate_upstream_fallbacks_total\{model="primary",kind="model"\} [1-9]/);
    expect(metrics).toMatch(/tollgate_upstream_attempts_total\{provider="a",model="a-model",outcome="retryable_error"\} [1-9]/);
  });

  it('moves to the other deployment of the same model when one keeps failing', async () => {
    a.handle((_req, res) => sendError(res, 503, 'overloaded'));
    b.handle((req, res) => sendJson(res, 200, chatCompletion(req.body.model, 'from b')));
    for (let i = 0; i < 4; i++) {
      const res = await post(hello('pair'));
      expect(res.status).toBe(200);
      expect(res.headers.get('x-tollgate-deployment')).toBe('b/b-pair');
      expect(res.headers.get('x-tollgate-fallback-model')).toBeNull();
    }
    // Each request chose a by weight about half the time, retried it, then moved on.
    expect(b.requests).toHaveLength(4);
    expect(a.requests.length % 2).toBe(0);
  });

  it('does not retry a request the upstream refuses as invalid', async () => {
    a.handle((_req, res) => sendJson(res, 400, { error: { message: "Invalid 'messages': too long", type: 'invalid_request_error', param: 'messages', code: null } }));
    const res = await post(hello('primary'));
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error).toMatchObject({ param: 'messages', type: 'invalid_request_error' });
    expect(a.requests).toHaveLength(1);
    expect(b.requests).toHaveLength(0);
  });

  it('answers an upstream 429 that outlives the retries with a 429 and its retry-after', async () => {
    c.handle((_req, res) => sendError(res, 429, 'Rate limit reached for c-model.', { 'retry-after-ms': '1' }, 'requests', 'rate_limit_exceeded'));
    const res = await post(hello('flaky'));
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after-ms')).toBe('1');
    expect(res.headers.get('x-tollgate-attempts')).toBe('2');
    expect(((await res.json()) as any).error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded' });
    expect(c.requests).toHaveLength(2);
  });

  it('opens the circuit of a dead deployment, then refuses fast without calling it', async () => {
    c.handle((_req, res) => sendError(res, 502, 'bad gateway'));
    const first = await post(hello('flaky'));
    const second = await post(hello('flaky'));
    expect([first.status, second.status]).toEqual([502, 502]);
    expect(c.requests).toHaveLength(4);
    const metrics = await (await fetch(`${tg.url}/metrics`)).text();
    expect(metrics).toContain('tollgate_circuit_state{deployment="c/c-model"} 2');
    const refused = await post(hello('flaky'));
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as any).error).toMatchObject({ type: 'service_unavailable_error', code: 'no_healthy_deployment' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(c.requests).toHaveLength(4);
  });

  it('ends the client stream with an error event when the simulator drops mid-stream', async () => {
    const res = await post(hello('tollgate-sim', { messages: [{ role: 'user', content: 'echo: one two three four five six' }], stream: true }), {
      'x-tollgate-sim-fault': 'disconnect;after=2',
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    const frames = text.trim().split('\n\n');
    expect(frames.slice(0, 2).every((f) => f.startsWith('data: {"id"'))).toBe(true);
    expect(JSON.parse(frames.at(-1)!.slice('data: '.length))).toEqual({
      error: { message: 'The upstream connection closed unexpectedly.', type: 'server_error', param: null, code: 'upstream_error' },
    });
    expect(text).not.toContain('[DONE]');
  });

  it('ends the client stream with an error event when a real upstream connection breaks mid-stream', async () => {
    const chunks = fixtureChunks('openai-chat/issue-15789-step-1.chunks.txt');
    a.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const chunk of chunks.slice(0, 3)) res.write(`data: ${chunk}\n\n`);
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const res = await post(hello('primary', { stream: true }));
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.split('\n\n').filter((f) => f.startsWith('data: {"id"'))).toHaveLength(3);
    expect(text).toMatch(/data: \{"error":\{"message":"[^"]+","type":"server_error","param":null,"code":"upstream_error"\}\}\n\n$/);
    // Bytes had reached the client: no retry, no fallback.
    expect(a.requests).toHaveLength(1);
    expect(b.requests).toHaveLength(0);
  });

  it('replays a recorded upstream stream unchanged in content', async () => {
    const chunks = fixtureChunks('openai-chat/issue-15789-step-1.chunks.txt');
    a.handle((_req, res) => sendStream(res, chunks));
    const res = await post(hello('primary', { stream: true, stream_options: { include_usage: true } }));
    const frames = (await res.text()).trim().split('\n\n');
    expect(frames.at(-1)).toBe('data: [DONE]');
    const parsed = frames.slice(0, -1).map((f) => JSON.parse(f.slice(6)));
    // With include_usage every chunk carries `usage` (null until the last), as OpenAI sends it;
    // each reports the public name asked for, not the upstream's. Tollgate adds the request's
    // cost to the usage chunk.
    const expected = chunks.map((c) => ({ usage: null, ...JSON.parse(c), model: 'primary' }));
    for (const chunk of expected) if (chunk.usage) chunk.usage = { ...chunk.usage, cost_usd: expect.stringMatching(/^\d+\.\d{2,12}$/) };
    expect(expected.filter((c) => c.usage)).toHaveLength(1);
    expect(parsed).toEqual(expected);
    expect(a.requests[0]!.body.stream_options).toEqual({ include_usage: true });
  });
});
