import { createOpenAI } from '@ai-sdk/openai';
import { APICallError, embed, embedMany, generateText, stepCountIs, streamText, tool } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { unitVector } from '../../src/providers/index.js';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';

/** The Vercel AI SDK 6 with @ai-sdk/openai 3, configured only with Tollgate's base URL and a key. */
describe('Vercel AI SDK against Tollgate', () => {
  let tg: TestTollgate;
  let openai: ReturnType<typeof createOpenAI>;
  const weather = () =>
    tool({
      description: 'Weather of a city',
      inputSchema: z.object({ city: z.string() }),
      execute: async ({ city }) => ({ city, forecast: 'rain' }),
    });

  beforeAll(async () => {
    tg = await startTestTollgate();
    openai = createOpenAI({ baseURL: `${tg.url}/v1`, apiKey: tg.projectKey });
  });
  afterAll(() => tg.stop());

  // provider.chat(model) speaks /v1/chat/completions; provider(model), the default, speaks /v1/responses.
  const surfaces = [
    ['provider.chat(model)', () => openai.chat('tollgate-sim')],
    ['provider(model) (Responses API)', () => openai('tollgate-sim')],
  ] as const;

  for (const [name, model] of surfaces) {
    describe(name, () => {
      it('generates text with usage', async () => {
        const result = await generateText({ model: model(), prompt: 'echo: hello from the AI SDK', maxRetries: 0 });
        expect(result.text).toBe('hello from the AI SDK');
        expect(result.finishReason).toBe('stop');
        expect(result.usage.outputTokens).toBe(5);
        expect(result.usage.inputTokens).toBeGreaterThan(0);
      });

      it('streams text with usage', async () => {
        const result = streamText({ model: model(), prompt: 'echo: streaming works fine', maxRetries: 0 });
        let text = '';
        for await (const delta of result.textStream) text += delta;
        expect(text).toBe('streaming works fine');
        expect((await result.usage).outputTokens).toBe(4); // stream|ing| works| fine
        expect(await result.finishReason).toBe('stop');
      });

      it('runs a tool-call round trip', async () => {
        const result = await generateText({ model: model(), tools: { get_weather: weather() }, stopWhen: stepCountIs(2), prompt: 'call get_weather for city=Rome', maxRetries: 0 });
        expect(result.steps).toHaveLength(2);
        expect(result.steps[0]!.toolCalls[0]).toMatchObject({ toolName: 'get_weather', input: { city: 'Rome' } });
        expect(result.text).toBe('The get_weather tool returned: {"city":"Rome","forecast":"rain"}');
      });

      it('runs a streamed tool-call round trip', async () => {
        const result = streamText({ model: model(), tools: { get_weather: weather() }, stopWhen: stepCountIs(2), prompt: 'call get_weather for city=Oslo', maxRetries: 0 });
        let text = '';
        for await (const delta of result.textStream) text += delta;
        const steps = await result.steps;
        expect(steps[0]!.toolCalls[0]).toMatchObject({ toolName: 'get_weather', input: { city: 'Oslo' } });
        expect(text).toBe('The get_weather tool returned: {"city":"Oslo","forecast":"rain"}');
      });

      it('surfaces errors as APICallError with the status', async () => {
        const notFound = await generateText({ model: name.startsWith('provider.chat') ? openai.chat('no-such-model') : openai('no-such-model'), prompt: 'x', maxRetries: 0 }).catch((e) => e);
        expect(APICallError.isInstance(notFound)).toBe(true);
        expect(notFound.statusCode).toBe(404);
        const limited = await generateText({ model: model(), prompt: 'x', maxRetries: 0, headers: { 'x-tollgate-sim-fault': '429;retry_after=0' } }).catch((e) => e);
        expect(APICallError.isInstance(limited)).toBe(true);
        expect(limited.statusCode).toBe(429);
      });
    });
  }

  it('continues a conversation through the Responses API (the SDK refers back to earlier output items)', async () => {
    const first = await generateText({ model: openai('tollgate-sim'), prompt: 'echo: first answer', maxRetries: 0 });
    const second = await generateText({
      model: openai('tollgate-sim'),
      messages: [{ role: 'user', content: 'echo: first answer' }, ...first.response.messages, { role: 'user', content: 'echo: second answer' }],
      maxRetries: 0,
    });
    expect(second.text).toBe('second answer');
  });

  it('embeds one value and many', async () => {
    const one = await embed({ model: openai.embedding('tollgate-sim-embed'), value: 'sunny day', maxRetries: 0 });
    expect(one.embedding).toEqual(unitVector('sunny day', 1536));
    const many = await embedMany({ model: openai.embedding('tollgate-sim-embed'), values: ['a', 'b'], maxRetries: 0 });
    expect(many.embeddings).toHaveLength(2);
    expect(many.embeddings[1]).toEqual(unitVector('b', 1536));
  });

  it('reports a bad key as a 401 APICallError', async () => {
    const stranger = createOpenAI({ baseURL: `${tg.url}/v1`, apiKey: 'sk-proj-wrong' });
    const err = await generateText({ model: stranger.chat('tollgate-sim'), prompt: 'x', maxRetries: 0 }).catch((e) => e);
    expect(err.statusCode).toBe(401);
  });
});
