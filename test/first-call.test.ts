import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTollgate, type TestTollgate } from './helpers/tollgate.js';

describe('first call through the openai SDK', () => {
  let tg: TestTollgate;
  let client: OpenAI;
  beforeAll(async () => {
    tg = await startTestTollgate();
    client = new OpenAI({ baseURL: `${tg.url}/v1`, apiKey: tg.projectKey, maxRetries: 0 });
  });
  afterAll(() => tg.stop());

  it('gets a chat completion with usage from the simulator', async () => {
    const completion = await client.chat.completions.create({ model: 'tollgate-sim', messages: [{ role: 'user', content: 'echo: Hello there, friend.' }] });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]!.message.content).toBe('Hello there, friend.');
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    // "Hello there, friend." is 5 tokens in o200k_base; the prompt follows OpenAI's per-message recipe.
    expect(completion.usage).toMatchObject({ completion_tokens: 5, total_tokens: completion.usage!.prompt_tokens + 5 });
    expect(completion._request_id).toMatch(/^req_[0-9a-f]{32}$/);
  });

  it('streams a chat completion with a final usage chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'tollgate-sim',
      messages: [{ role: 'user', content: 'echo: one two three four' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null = null;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      for (const choice of chunk.choices) {
        text += choice.delta.content ?? '';
        finish = choice.finish_reason ?? finish;
      }
    }
    expect(text).toBe('one two three four');
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBe(4);
  });
});
