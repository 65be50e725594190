import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';
import { abandonStream, anthropicFrames, startFakeUpstream, type FakeUpstream } from './fake-upstream.js';
import { fixtureJson, fixtureLines } from './fixtures.js';

const UPSTREAM_KEY = 'sk-ant-fake-upstream-key';

async function collect(stream: AsyncIterable<OpenAI.ChatCompletionChunk>) {
  let content = '';
  let finish: string | null = null;
  let usage: OpenAI.CompletionUsage | null | undefined;
  let roleFirst: string | undefined;
  const calls: { id?: string; name?: string; arguments: string }[] = [];
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) {
      roleFirst ??= choice.delta.role ?? 'missing';
      content += choice.delta.content ?? '';
      finish = choice.finish_reason ?? finish;
      for (const call of choice.delta.tool_calls ?? []) {
        const slot = (calls[call.index] ??= { arguments: '' });
        if (call.id) slot.id = call.id;
        if (call.function?.name) slot.name = call.function.name;
        slot.arguments += call.function?.arguments ?? '';
      }
    }
  }
  return { content, finish, usage, roleFirst, calls };
}

describe('anthropic provider through the openai SDK against a fake Anthropic upstream', () => {
  let upstream: FakeUpstream;
  let tg: TestTollgate;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    tg = await startTestTollgate({
      providers: { claude: { kind: 'anthropic', base_url: `${upstream.url}/v1`, api_key: UPSTREAM_KEY } },
      models: [{ name: 'claude-test', deployments: [{ provider: 'claude', model: 'claude-sonnet-4-5-20250929' }] }],
      // One upstream call per request and no circuit: these tests pin how each upstream error is mapped.
      routing: { retries_per_deployment: 0, circuit_failure_threshold: 1000 },
    });
    client = new OpenAI({ baseURL: `${tg.url}/v1`, apiKey: tg.projectKey, maxRetries: 0 });
  });
  afterAll(async () => {
    await tg.stop();
    await upstream.close();
  });
  beforeEach(() => {
    upstream.requests.length = 0;
  });

  it('answers a chat completion, sending the translated body with the key and version headers', async () => {
    upstream.reply({ status: 200, json: fixtureJson('anthropic/anthropic-text.json') });
    const completion = await client.chat.completions.create({
      model: 'claude-test',
      messages: [
        { role: 'system', content: 'Be friendly.' },
        { role: 'user', content: 'Hello, how are you?' },
      ],
      temperature: 0.5,
    });
    expect(completion.choices[0]!.message.content).toBe("Hello! I'm doing well, thanks for asking. How are you doing today? Is there anything I can help you with?");
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 29, total_tokens: 41 });
    expect(upstream.requests).toHaveLength(1);
    const sent = upstream.requests[0]!;
    expect(sent.method).toBe('POST');
    expect(sent.url).toBe('/v1/messages');
    expect(sent.headers['x-api-key']).toBe(UPSTREAM_KEY);
    expect(sent.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toEqual({
      model: 'claude-sonnet-4-5-20250929',
      max_tokens: 64_000,
      system: [{ type: 'text', text: 'Be friendly.' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello, how are you?' }] }],
      temperature: 0.5,
    });
  });

  it('streams a chat completion from Anthropic events, with the usage chunk', async () => {
    upstream.reply({ sse: anthropicFrames(fixtureLines('anthropic/anthropic-text.chunks.txt')) });
    const stream = await client.chat.completions.create({ model: 'claude-test', messages: [{ role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true } });
    const result = await collect(stream);
    expect(result.roleFirst).toBe('assistant');
    expect(result.content).toBe("Hello! I'm doing well, thank you for asking. How are you doing today? Is there anything I can help you with?");
    expect(result.finish).toBe('stop');
    expect(result.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 30, total_tokens: 42 });
    expect(upstream.requests[0]!.body).toMatchObject({ stream: true, model: 'claude-sonnet-4-5-20250929' });
  });

  it('round-trips a streamed tool call: tool_use out, tool_result back', async () => {
    upstream.reply({ sse: anthropicFrames(fixtureLines('anthropic/anthropic-json-tool.1.chunks.txt')) });
    const tools: OpenAI.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'json', description: 'Report the weather', parameters: { type: 'object', properties: { elements: { type: 'array' } } } } },
    ];
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in San Francisco?' }];
    const first = await collect(await client.chat.completions.create({ model: 'claude-test', messages, tools, stream: true }));
    expect(first.finish).toBe('tool_calls');
    expect(first.calls).toEqual([
      { id: 'toolu_01KFbKqPYSuAKujiL6mTfzYA', name: 'json', arguments: '{"elements": [{"location": "San Francisco", "temperature": 58, "condition": "sunny"}]}' },
    ]);
    expect(upstream.requests[0]!.body).toMatchObject({ tools: [{ name: 'json', description: 'Report the weather', input_schema: { type: 'object', properties: { elements: { type: 'array' } } } }] });

    upstream.reply({ status: 200, json: fixtureJson('anthropic/anthropic-text.json') });
    const call = first.calls[0]!;
    const second = await client.chat.completions.create({
      model: 'claude-test',
      tools,
      messages: [
        ...messages,
        { role: 'assistant', content: null, tool_calls: [{ id: call.id!, type: 'function', function: { name: call.name!, arguments: call.arguments } }] },
        { role: 'tool', tool_call_id: call.id!, content: 'Sunny, 58F' },
      ],
    });
    expect(second.choices[0]!.finish_reason).toBe('stop');
    expect((upstream.requests[1]!.body as { messages: unknown }).messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in San Francisco?' }] },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'toolu_01KFbKqPYSuAKujiL6mTfzYA', name: 'json', input: { elements: [{ location: 'San Francisco', temperature: 58, condition: 'sunny' }] } }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01KFbKqPYSuAKujiL6mTfzYA', content: 'Sunny, 58F' }] },
    ]);
  });

  it("maps Anthropic's 400 to BadRequestError with the upstream text", async () => {
    upstream.reply({ status: 400, json: fixtureJson('anthropic/anthropic-issue-17366-error.json') });
    const err = await client.chat.completions.create({ model: 'claude-test', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as APIError).message).toContain('unexpected `tool_use_id` found in `tool_result` blocks');
  });

  it("maps Anthropic's 529 overloaded to a 503 InternalServerError", async () => {
    upstream.reply({ status: 529, json: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
    const err = await client.chat.completions.create({ model: 'claude-test', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as APIError).status).toBe(503);
    expect((err as APIError).type).toBe('service_unavailable_error');
  });

  it('rejects a temperature Anthropic cannot take before calling it', async () => {
    const err = await client.chat.completions.create({ model: 'claude-test', messages: [{ role: 'user', content: 'x' }], temperature: 1.7 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as APIError).param).toBe('temperature');
    expect(upstream.requests).toHaveLength(0);
  });

  it('does not leak the upstream key when the upstream rejects it', async () => {
    upstream.reply({ status: 401, json: { type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key ${UPSTREAM_KEY}` } } });
    const err = await client.chat.completions.create({ model: 'claude-test', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect((err as APIError).status).toBe(502);
    expect(JSON.stringify((err as APIError).error)).not.toContain(UPSTREAM_KEY);
  });

  it('ends the client stream with an error event when Anthropic sends an error mid-stream', async () => {
    const lines = fixtureLines('anthropic/anthropic-text.chunks.txt').slice(0, 4);
    const error = JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    upstream.reply({ sse: anthropicFrames([...lines, error]) });
    const stream = await client.chat.completions.create({ model: 'claude-test', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    let content = '';
    const failure = await (async () => {
      for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    expect(content).toBe('Hello');
    expect(failure).toBeInstanceOf(APIError);
    expect((failure as APIError).message).toContain('Upstream claude error: Overloaded');
  });

  it('aborts the upstream request when the client goes away mid-stream', async () => {
    upstream.reply({ sse: anthropicFrames(fixtureLines('anthropic/anthropic-text.chunks.txt').slice(0, 4)), hold: true });
    await abandonStream(tg.url, tg.projectKey, { model: 'claude-test', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    await upstream.requests[0]!.closed;
    expect(upstream.requests).toHaveLength(1);
  });

  it('fails the call itself (retryable, before any byte) when the stream opens with an error event', async () => {
    upstream.reply({ sse: anthropicFrames([JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })]) });
    const err = await client.chat.completions.create({ model: 'claude-test', messages: [{ role: 'user', content: 'Hi' }], stream: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as APIError).status).toBe(503);
  });

  it('answers 502 when Anthropic sends a body that is not JSON', async () => {
    upstream.reply({ status: 200, raw: '<html>gateway page</html>' });
    const err = await client.chat.completions.create({ model: 'claude-test', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect((err as APIError).status).toBe(502);
    expect((err as APIError).message).toContain('The upstream provider claude sent a body that is not JSON.');
  });

  it('answers 504 when Anthropic does not answer within the provider timeout', async () => {
    const slow = await startTestTollgate({
      providers: { claude: { kind: 'anthropic', base_url: `${upstream.url}/v1`, api_key: UPSTREAM_KEY, timeout_ms: 150 } },
      models: [{ name: 'claude-test', deployments: [{ provider: 'claude', model: 'claude-sonnet-4-5-20250929' }] }],
      // One upstream call per request and no circuit: these tests pin how each upstream error is mapped.
      routing: { retries_per_deployment: 0, circuit_failure_threshold: 1000 },
    });
    try {
      upstream.reply({ hang: true });
      const slowClient = new OpenAI({ baseURL: `${slow.url}/v1`, apiKey: slow.projectKey, maxRetries: 0 });
      const err = await slowClient.chat.completions.create({ model: 'claude-test', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
      expect((err as APIError).status).toBe(504);
      expect((err as APIError).message).toContain('The upstream provider claude did not answer in time.');
    } finally {
      await slow.stop();
    }
  });

  it('serves a strict json_schema with native structured outputs and returns the JSON as content', async () => {
    upstream.reply({ status: 200, json: fixtureJson('anthropic/anthropic-json-output-format.1.json') });
    const schema = {
      type: 'object',
      properties: { recipe: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false } },
      required: ['recipe'],
      additionalProperties: false,
    };
    const completion = await client.chat.completions.create({
      model: 'claude-test',
      messages: [{ role: 'user', content: 'A lasagna recipe' }],
      response_format: { type: 'json_schema', json_schema: { name: 'recipe', schema, strict: true } },
    });
    expect(JSON.parse(completion.choices[0]!.message.content!).recipe.name).toBe('Classic Lasagna');
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({ prompt_tokens: 371, completion_tokens: 629 });
    expect(upstream.requests[0]!.body).toMatchObject({ output_config: { format: { type: 'json_schema', schema } } });
    expect((upstream.requests[0]!.body as { tools?: unknown }).tools).toBeUndefined();
  });
});

