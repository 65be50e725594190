import { AIMessageChunk, HumanMessage, ToolMessage, type AIMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI, OpenAIEmbeddings } from '@langchain/openai';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { unitVector } from '../../src/providers/index.js';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';

/** @langchain/openai 1.5.8, configured only with Tollgate's base URL and a key. */
describe('LangChain against Tollgate', () => {
  let tg: TestTollgate;
  const chat = (model = 'tollgate-sim', key?: string) => new ChatOpenAI({ model, apiKey: key ?? tg.projectKey, configuration: { baseURL: `${tg.url}/v1` }, maxRetries: 0 });
  const getWeather = tool(async ({ city }) => `cloudy in ${city}`, { name: 'get_weather', description: 'Weather of a city', schema: z.object({ city: z.string() }) });

  beforeAll(async () => {
    tg = await startTestTollgate();
  });
  afterAll(() => tg.stop());

  it('invokes a chat model with usage metadata', async () => {
    const reply = await chat().invoke('echo: hello langchain');
    expect(reply.content).toBe('hello langchain');
    expect(reply.usage_metadata).toMatchObject({ output_tokens: 3 });
  });

  it('streams with usage on the last chunk', async () => {
    let merged: AIMessageChunk | undefined;
    for await (const chunk of await chat().stream('echo: a stream of tokens')) merged = merged ? merged.concat(chunk) : chunk;
    expect(merged!.content).toBe('a stream of tokens');
    expect(merged!.usage_metadata).toMatchObject({ output_tokens: 4 });
  });

  it('runs a tool-call round trip, plain and streamed', async () => {
    const model = chat().bindTools([getWeather]);
    const question = new HumanMessage('use get_weather with city=Kyoto');
    const first = (await model.invoke([question])) as AIMessage;
    expect(first.tool_calls?.[0]).toMatchObject({ name: 'get_weather', args: { city: 'Kyoto' } });

    let streamed: AIMessageChunk | undefined;
    for await (const chunk of await model.stream([question])) streamed = streamed ? streamed.concat(chunk) : chunk;
    expect(streamed!.tool_calls?.[0]).toMatchObject({ name: 'get_weather', args: { city: 'Kyoto' } });

    const call = first.tool_calls![0]!;
    const result = await getWeather.invoke(call.args as { city: string });
    const answer = await model.invoke([question, first, new ToolMessage({ content: result, tool_call_id: call.id! })]);
    expect(answer.content).toBe('The get_weather tool returned: cloudy in Kyoto');
  });

  it('embeds with the default (base64 on the wire) and with float', async () => {
    const config = { model: 'tollgate-sim-embed', apiKey: tg.projectKey, configuration: { baseURL: `${tg.url}/v1` }, maxRetries: 0 };
    const viaBase64 = await new OpenAIEmbeddings(config).embedQuery('vector me');
    const viaFloat = await new OpenAIEmbeddings({ ...config, encodingFormat: 'float' }).embedDocuments(['vector me', 'and me']);
    expect(viaBase64).toEqual(unitVector('vector me', 1536));
    expect(viaFloat[0]).toEqual(viaBase64);
    expect(viaFloat[1]).toEqual(unitVector('and me', 1536));
  });

  it('surfaces the SDK typed errors', async () => {
    const auth = await chat('tollgate-sim', 'sk-proj-wrong').invoke('x').catch((e) => e);
    expect(auth).toBeInstanceOf(OpenAI.AuthenticationError);
    const missing = await chat('no-such-model').invoke('x').catch((e) => e);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    const bad = await new ChatOpenAI({ model: 'tollgate-sim', apiKey: tg.projectKey, configuration: { baseURL: `${tg.url}/v1` }, maxRetries: 0, topP: 7 }).invoke('x').catch((e) => e);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect(bad.param).toBe('top_p');
    const throttled = new ChatOpenAI({
      model: 'tollgate-sim',
      apiKey: tg.projectKey,
      configuration: { baseURL: `${tg.url}/v1`, defaultHeaders: { 'x-tollgate-sim-fault': '429;retry_after=0' } },
      maxRetries: 0,
    });
    const limited = await throttled.invoke('x').catch((e) => e);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
  });
});
