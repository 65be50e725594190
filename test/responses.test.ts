import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTollgate, type TestTollgate } from './helpers/tollgate.js';

const weatherTool = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Current weather of a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};

describe('POST /v1/responses, served through chat models', () => {
  let tg: TestTollgate;
  let client: OpenAI;
  beforeAll(async () => {
    tg = await startTestTollgate();
    client = new OpenAI({ baseURL: `${tg.url}/v1`, apiKey: tg.projectKey, maxRetries: 0 });
  });
  afterAll(() => tg.stop());

  it('answers a string input with a message output item and Responses usage', async () => {
    const response = await client.responses.create({ model: 'tollgate-sim', input: 'echo: good morning', instructions: 'Be brief.', max_output_tokens: 50 });
    expect(response.object).toBe('response');
    expect(response.id).toMatch(/^resp_/);
    expect(response.status).toBe('completed');
    expect(response.instructions).toBe('Be brief.');
    expect(response.output_text).toBe('good morning');
    expect(response.output).toHaveLength(1);
    expect(response.output[0]).toMatchObject({ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'good morning', annotations: [] }] });
    expect(response.usage).toMatchObject({ output_tokens: 2, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } });
    expect(response.usage!.total_tokens).toBe(response.usage!.input_tokens + 2);
  });

  it('honours text.format json_schema', async () => {
    const response = await client.responses.create({
      model: 'tollgate-sim',
      input: 'Give me a city with name=Lisbon',
      text: { format: { type: 'json_schema', name: 'city', strict: true, schema: { type: 'object', properties: { name: { type: 'string' }, population: { type: 'integer' } }, required: ['name', 'population'], additionalProperties: false } } },
    });
    expect(JSON.parse(response.output_text)).toEqual({ name: 'Lisbon', population: 42 });
    expect(response.text?.format).toMatchObject({ type: 'json_schema', name: 'city' });
  });

  it('resolves references to recent output items, and names a reference it does not hold', async () => {
    const first = await client.responses.create({ model: 'tollgate-sim', input: 'echo: remember me' });
    const second = await client.responses.create({
      model: 'tollgate-sim',
      input: [{ role: 'user', content: 'echo: remember me' }, { type: 'item_reference', id: first.output[0]!.id }, { role: 'user', content: 'echo: next turn' }] as never,
    });
    expect(second.output_text).toBe('next turn');
    const err = await client.responses
      .create({ model: 'tollgate-sim', input: [{ role: 'user', content: 'hi' }, { type: 'item_reference', id: 'msg_unknown' }] as never })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.param).toBe('input[1]');
    expect(err.message).toContain("Item with id 'msg_unknown' not found.");
  });

  it('reports a capped answer as incomplete', async () => {
    const response = await client.responses.create({ model: 'tollgate-sim', input: `echo: ${'word '.repeat(40)}`, max_output_tokens: 16 });
    expect(response.status).toBe('incomplete');
    expect(response.incomplete_details).toEqual({ reason: 'max_output_tokens' });
  });

  it('runs a function-call round trip with flat tools and function_call_output items', async () => {
    const first = await client.responses.create({ model: 'tollgate-sim', input: [{ role: 'user', content: 'Use get_weather for city=Paris' }], tools: [weatherTool] });
    const call = first.output.find((o) => o.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' });
    if (call?.type !== 'function_call') throw new Error('expected a function call');
    expect(call.call_id).toMatch(/^call_/);
    const second = await client.responses.create({
      model: 'tollgate-sim',
      tools: [weatherTool],
      input: [{ role: 'user', content: 'Use get_weather for city=Paris' }, call, { type: 'function_call_output', call_id: call.call_id, output: '{"temp_c":21}' }],
    });
    expect(second.output_text).toBe('The get_weather tool returned: {"temp_c":21}');
  });

  it('streams the full event sequence with sequence numbers, ending in response.completed', async () => {
    const stream = await client.responses.create({ model: 'tollgate-sim', input: 'echo: one two three', stream: true });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const completed = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
    expect(completed.response.output[0]).toMatchObject({ type: 'message', status: 'completed', content: [{ type: 'output_text', text: 'one two three' }] });
    expect(completed.response.usage?.output_tokens).toBe(3);
  });

  it('streams function calls as argument deltas, usable by the SDK stream helper', async () => {
    const stream = client.responses.stream({ model: 'tollgate-sim', input: 'call get_weather with city=Oslo', tools: [weatherTool] });
    const types: string[] = [];
    stream.on('event', (e) => types.push(e.type));
    const final = await stream.finalResponse();
    expect(types).toContain('response.function_call_arguments.delta');
    expect(types).toContain('response.function_call_arguments.done');
    expect(final.output[0]).toMatchObject({ type: 'function_call', name: 'get_weather', arguments: '{"city":"Oslo"}' });
  });

  it('ends a broken stream with error and response.failed events', async () => {
    const res = await fetch(`${tg.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tg.projectKey}`, 'content-type': 'application/json', 'x-tollgate-sim-fault': 'disconnect;after=1' },
      body: JSON.stringify({ model: 'tollgate-sim', input: 'echo: a b c d e', stream: true }),
    });
    const text = await res.text();
    const names = [...text.matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
    expect(names.slice(0, 2)).toEqual(['response.created', 'response.in_progress']);
    expect(names.slice(-2)).toEqual(['error', 'response.failed']);
    expect(text).toContain('"code":"upstream_error"');
  });

  it('refuses what it cannot serve statelessly, naming the parameter', async () => {
    const cases: [string, object][] = [
      ['previous_response_id', { previous_response_id: 'resp_123' }],
      ['background', { background: true }],
      ['tools[0].type', { tools: [{ type: 'web_search' }] }],
      ['foo', { foo: 1 }],
      ['input', {}],
    ];
    for (const [param, extra] of cases) {
      const body = { model: 'tollgate-sim', input: 'hi', ...extra } as Record<string, unknown>;
      if (param === 'input') delete body.input;
      const err = await client.responses.create(body as never).catch((e) => e);
      expect(err, param).toBeInstanceOf(OpenAI.BadRequestError);
      expect(err.param).toBe(param);
    }
  });
});
