import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTollgate, type TestTollgate } from './helpers/tollgate.js';

describe('server basics and the OpenAI error contract', () => {
  let tg: TestTollgate;
  beforeAll(async () => {
    tg = await startTestTollgate({ server: { port: 0, body_limit_bytes: 4096 } });
  });
  afterAll(() => tg.stop());

  const chat = (headers: Record<string, string>, body: unknown = { model: 'tollgate-sim', messages: [{ role: 'user', content: 'hi' }] }) =>
    fetch(`${tg.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  it('answers a missing key with OpenAI 401 body and headers', async () => {
    const res = await chat({});
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    expect(res.headers.get('openai-processing-ms')).toMatch(/^\d+$/);
    expect(await res.json()).toEqual({
      error: {
        message:
          "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). Create a project key (sk-proj-...) on this Tollgate's dashboard, page API keys (/api-keys), or with `tollgate keys create`; the first start shows one.",
        type: 'invalid_request_error',
        param: null,
        code: null,
      },
    });
  });

  it('takes `Bearer ` with an unset variable behind it as no key, and says where keys come from', async () => {
    const res = await chat({ authorization: 'Bearer ' });
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { message: string; code: string | null } };
    expect(body.error.code).toBeNull();
    expect(body.error.message).toMatch(/^You didn't provide an API key\./);
    // The place named exists: the dashboard's API keys page.
    expect(body.error.message).toContain('(/api-keys)');
    const page = await fetch(`${tg.url}/api-keys`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
  });

  it('answers a wrong key with invalid_api_key, the key masked OpenAI-style', async () => {
    const wrong = `${tg.projectKey.slice(0, -6)}ZZZZZZ`;
    const res = await chat({ authorization: `Bearer ${wrong}` });
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { message: string; code: string; type: string; param: null } };
    expect(body.error.code).toBe('invalid_api_key');
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.param).toBeNull();
    const masked = `${wrong.slice(0, 8)}${'*'.repeat(wrong.length - 12)}ZZZZ`;
    expect(body.error.message).toBe(`Incorrect API key provided: ${masked}. Create a project key (sk-proj-...) on this Tollgate's dashboard, page API keys (/api-keys), or with \`tollgate keys create\`; the first start shows one.`);
    expect(JSON.stringify(body)).not.toContain(wrong);
  });

  it('echoes a client x-request-id and mints one otherwise', async () => {
    const res = await fetch(`${tg.url}/healthz`, { headers: { 'x-request-id': 'client-trace-42' } });
    expect(res.headers.get('x-request-id')).toBe('client-trace-42');
    const bogus = await fetch(`${tg.url}/healthz`, { headers: { 'x-request-id': 'has spaces and <tags>' } });
    expect(bogus.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('serves /healthz, /readyz and /metrics', async () => {
    expect(await (await fetch(`${tg.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${tg.url}/readyz`)).json()).toEqual({ status: 'ready' });
    await chat({ authorization: `Bearer ${tg.projectKey}` });
    const metrics = await (await fetch(`${tg.url}/metrics`)).text();
    expect(metrics).toMatch(/tollgate_http_requests_total\{route="\/v1\/chat\/completions",method="POST",status="200",model="tollgate-sim"\} [1-9]/);
    expect(metrics).toContain('tollgate_http_request_duration_seconds_bucket');
    expect(metrics).toContain('tollgate_upstream_duration_seconds');
    expect(metrics).toContain('tollgate_streams_in_flight 0');
  });

  it('answers bad input with 4xx OpenAI errors, never a 500', async () => {
    const auth = { authorization: `Bearer ${tg.projectKey}` };
    const cases: [unknown, number, string | null, string | null][] = [
      ['{"model":', 400, null, null],
      [{ messages: [{ role: 'user', content: 'x' }] }, 400, 'model', 'missing_required_parameter'],
      [{ model: 'tollgate-sim', messages: [] }, 400, 'messages', 'invalid_value'],
      [{ model: 'tollgate-sim', messages: [{ role: 'user', content: 'x' }], max_tokens: 1.5 }, 400, 'max_tokens', 'invalid_type'],
      [{ model: 'tollgate-sim', messages: [{ role: 'wizard', content: 'x' }] }, 400, 'messages[0].role', 'invalid_value'],
      [{ model: 'tollgate-sim', messages: [{ role: 'user' }] }, 400, 'messages[0].content', 'missing_required_parameter'],
      [{ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }, 404, 'model', 'model_not_found'],
      [{ model: 'tollgate-sim-embed', messages: [{ role: 'user', content: 'x' }] }, 400, 'model', 'invalid_value'],
      [{ model: 'tollgate-sim', messages: [{ role: 'user', content: 'x' }], stream_options: { include_usage: true } }, 400, 'stream_options', 'invalid_value'],
      ['x'.repeat(5000), 413, null, 'request_too_large'],
      ['[1,2]', 400, null, null],
    ];
    for (const [body, status, param, code] of cases) {
      const res = await chat(auth, body);
      const json = (await res.json()) as { error: Record<string, unknown> };
      expect({ status: res.status, param: json.error.param, code: json.error.code }).toEqual({ status, param, code });
      expect(Object.keys(json.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    }
  });

  it('words invalid types as OpenAI does', async () => {
    const res = await chat({ authorization: `Bearer ${tg.projectKey}` }, { model: 'tollgate-sim', messages: [{ role: 'user', content: 'x' }], max_tokens: 1.5 });
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatchInlineSnapshot(
      `"Invalid type for 'max_tokens': expected an integer, but got a decimal number instead."`,
    );
  });

  it('answers unknown routes with 404 Invalid URL', async () => {
    const res = await fetch(`${tg.url}/v1/nope?x=1`, { method: 'POST' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { message: 'Invalid URL (POST /v1/nope)', type: 'invalid_request_error', param: null, code: null } });
  });

  it('lists the simulator models in OpenAI shape and refuses admin keys on inference', async () => {
    const res = await fetch(`${tg.url}/v1/models`, { headers: { authorization: `Bearer ${tg.projectKey}` } });
    const list = (await res.json()) as { object: string; data: { id: string; object: string; owned_by: string }[] };
    expect(list.object).toBe('list');
    expect(list.data.map((m) => m.id)).toEqual(['tollgate-sim', 'tollgate-sim-embed']);
    expect(list.data[0]).toMatchObject({ object: 'model', owned_by: 'tollgate' });
    const admin = await fetch(`${tg.url}/v1/models`, { headers: { authorization: `Bearer ${tg.adminKey}` } });
    expect(admin.status).toBe(403);
  });
});
