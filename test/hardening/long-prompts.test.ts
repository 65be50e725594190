import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post } from '../limits/helpers.js';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';

/**
 * A prompt of 8,000,000 letters without a space (inside the 20 MB body limit)
 * once overflowed the tokenizer's stack and answered 500 on every endpoint that
 * counts tokens. It is now counted honestly: 1,000,000 tokens of 8 letters.
 */
const RUN = 'a'.repeat(8_000_000);
const RUN_TOKENS = 1_000_000;
// OpenAI's chat recipe: 3 for the reply primer, 3 per message, 1 for the role "user".
const CHAT_FRAMING = 3 + 3 + 1;

describe('a prompt of one 8 MB word on every endpoint that counts tokens', () => {
  let tg: TestTollgate;
  let url: (path: string) => string;
  beforeAll(async () => {
    tg = await startTestTollgate();
    url = (path) => `${tg.url}${path}`;
  });
  afterAll(() => tg.stop());

  it('POST /v1/chat/completions', async () => {
    const res = await post(url('/v1/chat/completions'), tg.projectKey, { model: 'tollgate-sim', max_tokens: 5, messages: [{ role: 'user', content: RUN }] });
    expect(res.status).toBe(200);
    expect(res.body.usage.prompt_tokens).toBe(RUN_TOKENS + CHAT_FRAMING);
  }, 120_000);

  it('POST /v1/completions', async () => {
    const res = await post(url('/v1/completions'), tg.projectKey, { model: 'tollgate-sim', max_tokens: 5, prompt: RUN });
    expect(res.status).toBe(200);
    expect(res.body.usage.prompt_tokens).toBe(RUN_TOKENS + CHAT_FRAMING);
  }, 120_000);

  it('POST /v1/responses', async () => {
    const res = await post(url('/v1/responses'), tg.projectKey, { model: 'tollgate-sim', max_output_tokens: 16, input: RUN });
    expect(res.status).toBe(200);
    expect(res.body.usage.input_tokens).toBe(RUN_TOKENS + CHAT_FRAMING);
  }, 120_000);

  it('POST /v1/embeddings', async () => {
    const res = await post(url('/v1/embeddings'), tg.projectKey, { model: 'tollgate-sim-embed', input: RUN });
    expect(res.status).toBe(200);
    expect(res.body.usage.prompt_tokens).toBe(RUN_TOKENS);
  }, 120_000);

  it('POST /v1/pricing/estimate with a sample', async () => {
    const res = await post(url('/v1/pricing/estimate'), tg.projectKey, { model: 'gpt-5.4-nano', requests_per_day: 1, sample: [RUN], output_tokens: 1 });
    expect(res.status).toBe(200);
    expect(res.body.workload).toMatchObject({ input_tokens: RUN_TOKENS + CHAT_FRAMING, sample_size: 1 });
  }, 120_000);
});
