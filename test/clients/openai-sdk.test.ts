import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unitVector } from '../../src/providers/index.js';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';

const tools: OpenAI.Chat.ChatCompletionTool[] = [
  {
    type: 'function',
    function: { name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
  },
];

/** The official openai SDK, configured only with Tollgate's base URL and a key. */
describe('openai SDK 6 against Tollgate', () => {
  let tg: TestTollgate;
  let client: OpenAI;
  beforeAll(async () => {
    tg = await startTestTollgate();
    client = new OpenAI({ baseURL: `${tg.url}/v1`, apiKey: tg.projectKey, maxRetries: 0 });
  });
  afterAll(() => tg.stop());

  it('lists and retrieves models', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining(['tollgate-sim', 'tollgate-sim-embed']));
    const model = await client.models.retrieve('tollgate-sim');
    expect(model).toMatchObject({ id: 'tollgate-sim', object: 'model', owned_by: 'tollgate' });
  });

  it('chats, and streams with a usage chunk', async () => {
    const completion = await client.chat.completions.create({ model: 'tollgate-sim', messages: [{ role: 'user', content: 'echo: hi there' }] });
    expect(completion.choices[0]!.message.content).toBe('hi there');
    const stream = client.chat.completions.stream({ model: 'tollgate-sim', messages: [{ role: 'user', content: 'echo: hi there' }], stream_options: { include_usage: true } });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe('hi there');
    expect(final.usage).toMatchObject({ completion_tokens: 2, prompt_tokens: completion.usage!.prompt_tokens });
  });

  it('runs a tool-call round trip, plain and streamed', async () => {
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: 'What does get_weather say for city=Lyon' }];
    const first = await client.chat.completions.create({ model: 'tollgate-sim', messages, tools });
    const call = first.choices[0]!.message.tool_calls![0]! as OpenAI.Chat.ChatCompletionMessageFunctionToolCall;
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    expect(call.function).toEqual({ name: 'get_weather', arguments: '{"city":"Lyon"}' });

    const streamed = await client.chat.completions.stream({ model: 'tollgate-sim', messages, tools }).finalChatCompletion();
    const streamedCall = streamed.choices[0]!.message.tool_calls![0]! as OpenAI.Chat.ChatCompletionMessageFunctionToolCall;
    expect(streamedCall.function).toEqual(call.function);

    const next = [...messages, first.choices[0]!.message, { role: 'tool' as const, tool_call_id: call.id, content: 'sunny, 24C' }];
    const answer = await client.chat.completions.create({ model: 'tollgate-sim', messages: next, tools });
    expect(answer.choices[0]!.message.content).toBe('The get_weather tool returned: sunny, 24C');
    const streamedAnswer = await client.chat.completions.stream({ model: 'tollgate-sim', messages: next, tools }).finalChatCompletion();
    expect(streamedAnswer.choices[0]!.message.content).toBe('The get_weather tool returned: sunny, 24C');
  });

  it('embeds as float and as base64 (the SDK default), to the same vectors', async () => {
    const expected = unitVector('hello world', 1536);
    const asFloat = await client.embeddings.create({ model: 'tollgate-sim-embed', input: 'hello world', encoding_format: 'float' });
    const asBase64 = await client.embeddings.create({ model: 'tollgate-sim-embed', input: ['hello world', 'second'] });
    expect(asFloat.data[0]!.embedding).toEqual(expected);
    expect(asBase64.data[0]!.embedding).toEqual(expected);
    expect(asBase64.data[1]!.embedding).toHaveLength(1536);
    expect(asBase64.usage.prompt_tokens).toBe(3);
  });

  it('raises the SDK typed errors', async () => {
    const denied = new OpenAI({ baseURL: `${tg.url}/v1`, apiKey: 'sk-proj-not-a-real-key', maxRetries: 0 });
    const auth = await denied.models.list().catch((e) => e);
    expect(auth).toBeInstanceOf(OpenAI.AuthenticationError);

    const missing = await client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect(missing.code).toBe('model_not_found');

    const bad = await client.chat.completions.create({ model: 'tollgate-sim', messages: [{ role: 'user', content: 'x' }], temperature: 3 }).catch((e) => e);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect(bad.param).toBe('temperature');

    const limited = await client.chat.completions
      .create({ model: 'tollgate-sim', messages: [{ role: 'user', content: 'x' }] }, { headers: { 'x-tollgate-sim-fault': '429;retry_after=0' } })
      .catch((e) => e);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect(limited.headers.get('x-tollgate-attempts')).toBe('3');
    expect(limited.requestID).toMatch(/^req_/);
  });
});
