import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzSettings } from './fuzz/seed.js';
import { startTestTollgate, type TestTollgate } from './helpers/tollgate.js';

/**
 * Random and malformed requests at the inference endpoints, with generators
 * that know their request shapes: the answer is a success or an OpenAI-shaped
 * 4xx (all four keys), never a 500. Every route is fuzzed by fuzz/every-route;
 * the seed is printed and TOLLGATE_FUZZ_SEED replays it.
 */
const { seed } = fuzzSettings(1);
const ENDPOINTS = ['/v1/chat/completions', '/v1/completions', '/v1/embeddings', '/v1/responses'];

const anyValue = fc.jsonValue({ maxDepth: 3 });
const model = fc.oneof(fc.constantFrom('tollgate-sim', 'tollgate-sim-embed', 'no-such-model', ''), anyValue);
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('echo: hi', 'call f with x=1'), anyValue);
const part = fc.record(
  {
    type: fc.oneof(fc.constantFrom('text', 'image_url', 'input_text', 'input_image', 'output_text', 'refusal', 'file', 'input_file'), anyValue),
    text,
    image_url: fc.oneof(fc.constant('https://example.com/a.png'), fc.record({ url: text }), anyValue),
  },
  { requiredKeys: ['type'] },
);
const message = fc.record(
  {
    type: fc.oneof(fc.constantFrom('message', 'function_call', 'function_call_output', 'reasoning', 'item_reference'), anyValue),
    role: fc.oneof(fc.constantFrom('user', 'assistant', 'system', 'developer', 'tool', 'function'), anyValue),
    content: fc.oneof(text, fc.array(part, { maxLength: 3 }), fc.constant(null)),
    tool_call_id: text,
    call_id: text,
    name: text,
    arguments: text,
    output: text,
    tool_calls: fc.oneof(fc.array(fc.record({ id: text, type: fc.constant('function'), function: fc.record({ name: text, arguments: text }) }), { maxLength: 2 }), anyValue),
  },
  { requiredKeys: [] },
);
const tool = fc.oneof(
  fc.record({ type: fc.constant('function'), function: fc.record({ name: fc.constantFrom('f', 'get_weather', 'bad name!'), parameters: anyValue }, { requiredKeys: ['name'] }) }),
  fc.record({ type: fc.constantFrom('function', 'web_search', 'custom'), name: fc.constantFrom('f', 'g'), parameters: anyValue }, { requiredKeys: ['type'] }),
  anyValue,
);
const number = fc.oneof(fc.integer({ min: -5, max: 300 }), fc.double({ noNaN: true, min: -5, max: 5 }), anyValue);

const fields = {
    model,
    messages: fc.oneof(fc.array(message, { maxLength: 4 }), anyValue),
    input: fc.oneof(text, fc.array(message, { maxLength: 4 }), fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 5 })),
    prompt: fc.oneof(text, fc.array(text, { maxLength: 3 }), fc.array(fc.integer({ min: -1, max: 300_000 }), { maxLength: 5 })),
    instructions: text,
    stream: fc.oneof(fc.boolean(), anyValue),
    stream_options: fc.oneof(fc.record({ include_usage: fc.boolean() }), anyValue),
    n: number,
    max_tokens: number,
    max_completion_tokens: number,
    max_output_tokens: number,
    temperature: number,
    top_p: number,
    logprobs: fc.oneof(fc.boolean(), number),
    top_logprobs: number,
    stop: fc.oneof(text, fc.array(text, { maxLength: 5 })),
    tools: fc.oneof(fc.array(tool, { maxLength: 2 }), anyValue),
    tool_choice: fc.oneof(fc.constantFrom('auto', 'none', 'required'), anyValue),
    response_format: fc.oneof(fc.record({ type: fc.constantFrom('text', 'json_object', 'json_schema') }), anyValue),
    text: fc.oneof(fc.record({ format: fc.record({ type: fc.constantFrom('text', 'json_object', 'json_schema'), name: text, schema: anyValue }) }), anyValue),
    encoding_format: fc.oneof(fc.constantFrom('float', 'base64'), anyValue),
    dimensions: number,
    echo: fc.oneof(fc.boolean(), anyValue),
    best_of: number,
    previous_response_id: text,
    metadata: anyValue,
    unknown_field: anyValue,
};
const requestBody = fc.record(fields, { requiredKeys: [] });

/** A valid request per endpoint with one or two fields replaced by random ones. */
const VALID: Record<string, object> = {
  '/v1/chat/completions': { model: 'tollgate-sim', messages: [{ role: 'user', content: 'echo: hi' }] },
  '/v1/completions': { model: 'tollgate-sim', prompt: 'echo: hi' },
  '/v1/embeddings': { model: 'tollgate-sim-embed', input: 'hi' },
  '/v1/responses': { model: 'tollgate-sim', input: 'echo: hi' },
};
const mutation = fc
  .array(fc.oneof(...Object.entries(fields).map(([key, arb]) => (arb as fc.Arbitrary<unknown>).map((value) => [key, value] as const))), { maxLength: 2 })
  .map((pairs) => Object.fromEntries(pairs));

function expectNoServerError(status: number, body: string, what: string): void {
  expect(status, `${what} -> ${status} ${body.slice(0, 300)}`).toBeLessThan(500);
  if (status < 400) return;
  const parsed = JSON.parse(body) as { error: Record<string, unknown> };
  expect(Object.keys(parsed.error).sort(), what).toEqual(['code', 'message', 'param', 'type']);
  expect(typeof parsed.error.message).toBe('string');
}

describe(`fuzzing the inference endpoints (seed ${seed})`, () => {
  let tg: TestTollgate;
  beforeAll(async () => {
    console.log(`fuzzing the inference endpoints: seed ${seed} (replay with TOLLGATE_FUZZ_SEED=${seed})`);
    tg = await startTestTollgate({}, { env: {} });
  });
  afterAll(() => tg.stop());

  const post = (url: string, payload: string, contentType = 'application/json') =>
    tg.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${tg.projectKey}`, 'content-type': contentType }, payload });

  it('answers random JSON values with 4xx errors, never a 500', { timeout: 180_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ENDPOINTS), anyValue, async (url, value) => {
        const res = await post(url, JSON.stringify(value));
        expectNoServerError(res.statusCode, res.body, `${url} ${JSON.stringify(value).slice(0, 200)}`);
      }),
      { numRuns: 300, seed },
    );
  });

  it('answers random request-shaped bodies with a success or a 4xx, never a 500', { timeout: 180_000 }, async () => {
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ENDPOINTS), fc.oneof(requestBody, mutation.map((m) => ({ valid: true, m }))), async (url, generated) => {
        const body = 'valid' in generated ? { ...VALID[url], ...(generated.m as object) } : generated;
        const res = await post(url, JSON.stringify(body));
        statuses.add(res.statusCode);
        expectNoServerError(res.statusCode, res.body, `${url} ${JSON.stringify(body).slice(0, 300)}`);
      }),
      { numRuns: 400, seed },
    );
    // The generator reaches past validation: some requests are served, others refused for several reasons.
    expect([...statuses]).toEqual(expect.arrayContaining([200, 400]));
  });

  it('answers malformed bodies with 400 invalid JSON', { timeout: 180_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ENDPOINTS), fc.string({ minLength: 1, maxLength: 60 }), fc.constantFrom('application/json', 'text/plain'), async (url, raw, type) => {
        fc.pre(!isJson(raw));
        const res = await post(url, raw, type);
        expectNoServerError(res.statusCode, res.body, `${url} ${raw}`);
        expect(res.statusCode).toBe(400);
      }),
      { numRuns: 200, seed },
    );
  });

  it('answers random model ids on GET /v1/models/{id} with the model or a 404', { timeout: 180_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), async (id) => {
        const res = await tg.app.inject({ method: 'GET', url: `/v1/models/${encodeURIComponent(id)}`, headers: { authorization: `Bearer ${tg.projectKey}` } });
        expectNoServerError(res.statusCode, res.body, `GET /v1/models/${id}`);
      }),
      { numRuns: 100, seed },
    );
  });
});

function isJson(raw: string): boolean {
  try {
    JSON.parse(raw);
    return true;
  } catch {
    return false;
  }
}

describe('oversized words in a prompt', () => {
  let tg: TestTollgate;
  beforeAll(async () => {
    tg = await startTestTollgate();
  });
  afterAll(() => tg.stop());

  it('are counted and answered, not left to block the process', async () => {
    const res = await tg.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { authorization: `Bearer ${tg.projectKey}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ model: 'tollgate-sim', messages: [{ role: 'user', content: 'y'.repeat(3_000_000) }], max_tokens: 5 }),
    });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body).usage.prompt_tokens).toBeGreaterThan(300_000);
  });
});
