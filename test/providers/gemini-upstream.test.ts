import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';
import { abandonStream, geminiFrames, startFakeUpstream, type FakeUpstream } from './fake-upstream.js';
import { fixtureJson, fixtureLines } from './fixtures.js';

const UPSTREAM_KEY = 'AIza-fake-upstream-key';

async function collect(stream: AsyncIterable<OpenAI.ChatCompletionChunk>) {
  let content = '';
  let finish: string | null = null;
  let usage: OpenAI.CompletionUsage | null | undefined;
  const calls: { id?: string; name?: string; arguments: string }[] = [];
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) {
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
  return { content, finish, usage, calls };
}

describe('gemini provider through the openai SDK against a fake Gemini upstream', () => {
  let upstream: FakeUpstream;
  let tg: TestTollgate;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    tg = await startTestTollgate({
      providers: { google: { kind: 'gemini', base_url: `${upstream.url}/v1beta`, api_key: UPSTREAM_KEY } },
      models: [
        { name: 'gemini-test', deployments: [{ provider: 'google', model: 'gemini-3-pro-preview' }] },
        { name: 'gemini-embed', type: 'embeddings', deployments: [{ provider: 'google', model: 'gemini-embedding-001' }] },
      ],
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

  it('answers a chat completion, sending the translated body with the key header', async () => {
    upstream.reply({ status: 200, json: fixtureJson('gemini/google-text.json') });
    const completion = await client.chat.completions.create({
      model: 'gemini-test',
      messages: [
        { role: 'system', content: 'Count carefully.' },
        { role: 'user', content: "How many r's in strawberry?" },
      ],
      max_completion_tokens: 500,
    });
    expect(completion.choices[0]!.message.content).toBe("There are **3** r's in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y.");
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 272, total_tokens: 281, completion_tokens_details: { reasoning_tokens: 244 } });
    const sent = upstream.requests[0]!;
    expect(sent.method).toBe('POST');
    expect(sent.url).toBe('/v1beta/models/gemini-3-pro-preview:generateContent');
    expect(sent.headers['x-goog-api-key']).toBe(UPSTREAM_KEY);
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toEqual({
      systemInstruction: { parts: [{ text: 'Count carefully.' }] },
      contents: [{ role: 'user', parts: [{ text: "How many r's in strawberry?" }] }],
      generationConfig: { maxOutputTokens: 500 },
    });
  });

  it('streams a chat completion from Gemini SSE, with the usage chunk', async () => {
    upstream.reply({ sse: geminiFrames(fixtureLines('gemini/google-text.chunks.txt')) });
    const stream = await client.chat.completions.create({ model: 'gemini-test', messages: [{ role: 'user', content: 'r?' }], stream: true, stream_options: { include_usage: true } });
    const result = await collect(stream);
    expect(result.content).toBe('There are **3** "r"s in strawberry.\n\nst**r**awbe**rr**y');
    expect(result.finish).toBe('stop');
    expect(result.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 208, total_tokens: 217 });
    expect(upstream.requests[0]!.url).toBe('/v1beta/models/gemini-3-pro-preview:streamGenerateContent?alt=sse');
  });

  it('round-trips a streamed function call: functionCall out, functionResponse back by name', async () => {
    upstream.reply({ sse: geminiFrames(fixtureLines('gemini/google-tool-call.chunks.txt')) });
    const tools: OpenAI.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } } },
    ];
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in San Francisco?' }];
    const first = await collect(await client.chat.completions.create({ model: 'gemini-test', messages, tools, tool_choice: 'auto', stream: true }));
    expect(first.finish).toBe('tool_calls');
    expect(first.calls).toHaveLength(1);
    expect(first.calls[0]).toMatchObject({ name: 'weather', arguments: '{"location":"San Francisco"}' });
    expect(first.calls[0]!.id).toMatch(/^call_[0-9a-f]{24}$/);
    expect(upstream.requests[0]!.body).toMatchObject({
      tools: [{ functionDeclarations: [{ name: 'weather', parametersJsonSchema: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } }] }],
      toolConfig: { functionCallingConfig: { mode: 'AUTO' } },
    });

    upstream.reply({ status: 200, json: fixtureJson('gemini/issue-19822-complete-usage.json') });
    const call = first.calls[0]!;
    const second = await client.chat.completions.create({
      model: 'gemini-test',
      tools,
      messages: [
        ...messages,
        { role: 'assistant', content: null, tool_calls: [{ id: call.id!, type: 'function', function: { name: call.name!, arguments: call.arguments } }] },
        { role: 'tool', tool_call_id: call.id!, content: 'Foggy, 15C' },
      ],
    });
    expect(second.choices[0]!.message.content).toBe('42');
    expect(second.usage).toMatchObject({ prompt_tokens: 82, completion_tokens: 60, total_tokens: 142, prompt_tokens_details: { cached_tokens: 3 } });
    expect((upstream.requests[1]!.body as { contents: unknown }).contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather in San Francisco?' }] },
      { role: 'model', parts: [{ functionCall: { name: 'weather', args: { location: 'San Francisco' } }, thoughtSignature: 'skip_thought_signature_validator' }] },
      { role: 'user', parts: [{ functionResponse: { name: 'weather', response: { content: 'Foggy, 15C' } } }] },
    ]);
  });

  it('answers a blocked prompt with finish_reason content_filter', async () => {
    upstream.reply({ status: 200, json: fixtureJson('gemini/issue-19758-prompt-block.json') });
    const completion = await client.chat.completions.create({ model: 'gemini-test', messages: [{ role: 'user', content: 'something blocked' }] });
    expect(completion.choices).toEqual([{ index: 0, message: { role: 'assistant', content: null, refusal: null }, logprobs: null, finish_reason: 'content_filter' }]);
  });

  it('maps INVALID_ARGUMENT to BadRequestError and NOT_FOUND to NotFoundError', async () => {
    upstream.reply({ status: 400, json: { error: { code: 400, message: 'Invalid value at contents[0].parts[0]', status: 'INVALID_ARGUMENT' } } });
    const bad = await client.chat.completions.create({ model: 'gemini-test', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect((bad as APIError).message).toContain('Invalid value at contents[0].parts[0]');
    upstream.reply({ status: 404, json: { error: { code: 404, message: 'models/gemini-3-pro-preview is not found for API version v1beta', status: 'NOT_FOUND' } } });
    const missing = await client.chat.completions.create({ model: 'gemini-test', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('embeds through batchEmbedContents, in float and base64', async () => {
    upstream.reply({ status: 200, json: { embeddings: [{ values: [0.5, -0.25, 1] }, { values: [0, 0.125, -1] }] } });
    const base64 = await client.embeddings.create({ model: 'gemini-embed', input: ['first', 'second'], dimensions: 3 });
    expect(base64.data.map((d) => d.embedding)).toEqual([
      [0.5, -0.25, 1],
      [0, 0.125, -1],
    ]);
    expect(base64.usage.prompt_tokens).toBeGreaterThan(0);
    expect(upstream.requests[0]!.url).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect(upstream.requests[0]!.body).toEqual({
      requests: [
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'first' }] }, outputDimensionality: 3 },
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'second' }] }, outputDimensionality: 3 },
      ],
    });
    upstream.reply({ status: 200, json: { embeddings: [{ values: [0.5, -0.25, 1] }] } });
    const float = await client.embeddings.create({ model: 'gemini-embed', input: 'first', encoding_format: 'float' });
    expect(float.data[0]!.embedding).toEqual([0.5, -0.25, 1]);
    // An upstream that answers with fewer vectors than inputs is a broken answer, not a short list.
    upstream.reply({ status: 200, json: { embeddings: [{ values: [1] }] } });
    const short = await client.embeddings.create({ model: 'gemini-embed', input: ['a', 'b'] }).catch((e: unknown) => e);
    expect((short as APIError).status).toBe(502);
  });

  it('ends the client stream with an error event when Gemini closes the stream early', async () => {
    upstream.reply({ sse: geminiFrames(fixtureLines('gemini/google-text.chunks.txt').slice(0, 1)) });
    const stream = await client.chat.completions.create({ model: 'gemini-test', messages: [{ role: 'user', content: 'r?' }], stream: true });
    let content = '';
    const failure = await (async () => {
      for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    expect(content).toBe('There are **3**');
    expect(failure).toBeInstanceOf(APIError);
    expect((failure as APIError).message).toContain('The upstream provider google ended the stream before it was complete.');
  });

  it('passes an error event of a Gemini stream to the client as an error event', async () => {
    const error = JSON.stringify({ error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } });
    upstream.reply({ sse: geminiFrames([...fixtureLines('gemini/google-text.chunks.txt').slice(0, 1), error]) });
    const stream = await client.chat.completions.create({ model: 'gemini-test', messages: [{ role: 'user', content: 'r?' }], stream: true });
    const failure = await (async () => {
      for await (const _chunk of stream) {
        // drain
      }
    })().catch((e: unknown) => e);
    expect((failure as APIError).message).toContain('The model is overloaded');
  });

  it('aborts the upstream request when the client goes away mid-stream', async () => {
    upstream.reply({ sse: geminiFrames(fixtureLines('gemini/google-text.chunks.txt').slice(0, 1)), hold: true });
    await abandonStream(tg.url, tg.projectKey, { model: 'gemini-test', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    await upstream.requests[0]!.closed;
    expect(upstream.requests).toHaveLength(1);
  });

  it('fails the call itself with a 429 when the stream opens with RESOURCE_EXHAUSTED', async () => {
    // The recorded body, with a short delay so that retries (if routing makes any) stay quick.
    const body = JSON.stringify(fixtureJson('gemini/google-429-retry-info.json')).replace('"34.4s"', '"0.05s"');
    upstream.reply({ sse: geminiFrames([body]) });
    const err = await client.chat.completions.create({ model: 'gemini-test', messages: [{ role: 'user', content: 'Hi' }], stream: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as APIError).headers?.get('retry-after-ms')).toBe('50');
  });
});

