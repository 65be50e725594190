import { describe, expect, it } from 'vitest';
import type { ChatChunk } from '../../src/contract/index.js';
import { createStreamTranslator, generateResponseSchema, mapGeminiError, toChatCompletion } from '../../src/providers/gemini/index.js';
import { fixtureEvents, fixtureJson } from './fixtures.js';

const CREATED = 1_760_000_000;

function context() {
  let n = 0;
  return { created: CREATED, model: 'gemini-deployment', newCallId: () => `call_test${++n}`, provider: 'gemini' };
}
const fallbackId = () => 'chatcmpl-fallback';

function complete(path: string) {
  return toChatCompletion(generateResponseSchema.parse(fixtureJson(`gemini/${path}`)), context(), fallbackId);
}

function replay(path: string): ChatChunk[] {
  const translator = createStreamTranslator(context(), fallbackId);
  const chunks: ChatChunk[] = [];
  for (const event of fixtureEvents(`gemini/${path}`)) chunks.push(...translator.push(generateResponseSchema.parse(event)));
  chunks.push(...translator.end());
  return chunks;
}

describe('gemini response -> chat completion', () => {
  it('translates a text answer, counting thoughts as reasoning tokens', () => {
    expect(complete('google-text.json')).toEqual({
      id: 'chatcmpl-Un6LacrVMcjUxs0PmJfWoQc',
      object: 'chat.completion',
      created: CREATED,
      model: 'gemini-3-pro-preview',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: "There are **3** r's in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y.", refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: 9,
        completion_tokens: 28 + 244,
        total_tokens: 281,
        prompt_tokens_details: { cached_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 244 },
      },
    });
  });

  it('translates a function call to a tool call with a generated id, finishing with tool_calls', () => {
    const completion = complete('google-tool-call.json');
    expect(completion.choices).toEqual([
      {
        index: 0,
        message: { role: 'assistant', content: null, refusal: null, tool_calls: [{ id: 'call_test1', type: 'function', function: { name: 'weather', arguments: '{"location":"San Francisco"}' } }] },
        logprobs: null,
        finish_reason: 'tool_calls',
      },
    ]);
    expect(completion.usage).toMatchObject({ prompt_tokens: 29, completion_tokens: 15 + 893, total_tokens: 937 });
  });

  it("keeps Gemini's own function call id when it sends one", () => {
    const body = { candidates: [{ content: { role: 'model', parts: [{ functionCall: { id: 'fc-9', name: 'f', args: {} } }] }, finishReason: 'STOP', index: 0 }] };
    expect(toChatCompletion(generateResponseSchema.parse(body), context(), fallbackId).choices[0]!.message.tool_calls).toEqual([
      { id: 'fc-9', type: 'function', function: { name: 'f', arguments: '{}' } },
    ]);
  });

  it('answers a blocked prompt with one empty choice finished by content_filter', () => {
    const completion = complete('issue-19758-prompt-block.json');
    expect(completion.choices).toEqual([{ index: 0, message: { role: 'assistant', content: null, refusal: null }, logprobs: null, finish_reason: 'content_filter' }]);
    expect(completion.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 0, total_tokens: 9 });
    expect(completion.model).toBe('gemini-3.7-flash');
  });

  it('maps the complete usage metadata: tool-use prompt, thoughts and cache', () => {
    const completion = complete('issue-19822-complete-usage.json');
    expect(completion.choices[0]!.message.content).toBe('42');
    expect(completion.usage).toEqual({
      prompt_tokens: 19 + 63,
      completion_tokens: 4 + 56,
      total_tokens: 142,
      prompt_tokens_details: { cached_tokens: 3 },
      completion_tokens_details: { reasoning_tokens: 56 },
    });
  });

  it('treats an empty candidate with a non-STOP reason as an empty stop', () => {
    const completion = complete('google-image-no-image-live.json');
    expect(completion.choices).toEqual([{ index: 0, message: { role: 'assistant', content: null, refusal: null }, logprobs: null, finish_reason: 'stop' }]);
  });

  it.each([
    ['SAFETY', 'content_filter'],
    ['RECITATION', 'content_filter'],
    ['BLOCKLIST', 'content_filter'],
    ['PROHIBITED_CONTENT', 'content_filter'],
    ['SPII', 'content_filter'],
    ['IMAGE_SAFETY', 'content_filter'],
    ['MAX_TOKENS', 'length'],
    ['STOP', 'stop'],
    ['OTHER', 'stop'],
  ])('maps finishReason %s to %s', (reason, expected) => {
    const body = { candidates: [{ content: { role: 'model', parts: [{ text: 'x' }] }, finishReason: reason, index: 0 }], responseId: 'r' };
    expect(toChatCompletion(generateResponseSchema.parse(body), context(), fallbackId).choices[0]!.finish_reason).toBe(expected);
  });

  it('returns one choice per candidate (n > 1) and leaves thought summaries out', () => {
    const body = {
      candidates: [
        { content: { role: 'model', parts: [{ text: 'thinking...', thought: true }, { text: 'B' }] }, finishReason: 'STOP', index: 1 },
        { content: { role: 'model', parts: [{ text: 'A' }] }, finishReason: 'MAX_TOKENS', index: 0 },
      ],
    };
    const completion = toChatCompletion(generateResponseSchema.parse(body), context(), fallbackId);
    expect(completion.id).toBe('chatcmpl-fallback');
    expect(completion.choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([
      [0, 'A', 'length'],
      [1, 'B', 'stop'],
    ]);
  });
});

describe('gemini logprobs', () => {
  const logprobsResult = {
    topCandidates: [
      { candidates: [{ token: 'Hi', tokenId: 1, logProbability: -0.01 }, { token: 'Hello', tokenId: 2, logProbability: -4.6 }] },
      { candidates: [{ token: '!', tokenId: 3, logProbability: -0.2 }, { token: '.', tokenId: 4, logProbability: -1.7 }] },
    ],
    chosenCandidates: [
      { token: 'Hi', tokenId: 1, logProbability: -0.01 },
      { token: '!', tokenId: 3, logProbability: -0.2 },
    ],
  };
  const expected = {
    content: [
      { token: 'Hi', logprob: -0.01, bytes: [72, 105], top_logprobs: [{ token: 'Hi', logprob: -0.01, bytes: [72, 105] }, { token: 'Hello', logprob: -4.6, bytes: [72, 101, 108, 108, 111] }] },
      { token: '!', logprob: -0.2, bytes: [33], top_logprobs: [{ token: '!', logprob: -0.2, bytes: [33] }, { token: '.', logprob: -1.7, bytes: [46] }] },
    ],
    refusal: null,
  };

  it('maps logprobsResult to OpenAI logprobs in a completion', () => {
    const body = { candidates: [{ content: { role: 'model', parts: [{ text: 'Hi!' }] }, finishReason: 'STOP', avgLogprobs: -0.1, logprobsResult, index: 0 }], responseId: 'r' };
    expect(toChatCompletion(generateResponseSchema.parse(body), context(), fallbackId).choices[0]!.logprobs).toEqual(expected);
  });

  it('attaches the logprobs of each streamed part to its content chunk', () => {
    const translator = createStreamTranslator(context(), fallbackId);
    const chunks = translator.push(generateResponseSchema.parse({ candidates: [{ content: { role: 'model', parts: [{ text: 'Hi!' }] }, logprobsResult, index: 0 }], responseId: 'r' }));
    expect(chunks.map((c) => c.choices[0]!.logprobs ?? null)).toEqual([null, expected]);
  });
});

describe('gemini stream -> chat chunks', () => {
  it('streams text with a role chunk first and the last usage', () => {
    const chunks = replay('google-text.chunks.txt');
    expect(chunks.map((c) => c.choices[0]?.delta ?? null)).toEqual([
      { role: 'assistant', content: '' },
      { content: 'There are **3**' },
      { content: ' "r"s in strawberry.\n\nst**r**awbe**rr**y' },
      {},
      null,
    ]);
    expect(chunks[3]!.choices[0]!.finish_reason).toBe('stop');
    expect(chunks.every((c) => c.id === 'chatcmpl-bH6LaZW8Fp_3nsEPqtaSwQ4' && c.model === 'gemini-3-pro-preview')).toBe(true);
    expect(chunks.at(-1)).toEqual({
      id: 'chatcmpl-bH6LaZW8Fp_3nsEPqtaSwQ4',
      object: 'chat.completion.chunk',
      created: CREATED,
      model: 'gemini-3-pro-preview',
      choices: [],
      usage: { prompt_tokens: 9, completion_tokens: 23 + 185, total_tokens: 217, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 185 } },
    });
  });

  it('streams a whole function call as one tool call delta, then tool_calls', () => {
    const chunks = replay('google-tool-call.chunks.txt');
    expect(chunks.flatMap((c) => c.choices.map((choice) => [choice.delta, choice.finish_reason]))).toEqual([
      [{ role: 'assistant', content: '' }, null],
      [{ tool_calls: [{ index: 0, id: 'call_test1', type: 'function', function: { name: 'weather', arguments: '{"location":"San Francisco"}' } }] }, null],
      [{}, 'tool_calls'],
    ]);
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 29, completion_tokens: 60, total_tokens: 89 });
  });

  it('streams a blocked prompt as content_filter', () => {
    const chunks = replay('issue-19758-prompt-block.chunks.txt');
    expect(chunks.flatMap((c) => c.choices.map((choice) => [choice.delta, choice.finish_reason]))).toEqual([
      [{ role: 'assistant', content: '' }, null],
      [{}, 'content_filter'],
    ]);
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 0, total_tokens: 9 });
  });

  it('keeps interleaved candidates (n > 1) apart, each with its role and finish chunk', () => {
    const translator = createStreamTranslator(context(), fallbackId);
    const part = (index: number, text: string, finishReason?: string) => ({ content: { role: 'model', parts: [{ text }] }, index, ...(finishReason ? { finishReason } : {}) });
    const chunks = [
      ...translator.push(generateResponseSchema.parse({ candidates: [part(0, 'A1'), part(1, 'B1')], responseId: 'r' })),
      ...translator.push(generateResponseSchema.parse({ candidates: [part(1, 'B2', 'STOP')], responseId: 'r' })),
      ...translator.push(generateResponseSchema.parse({ candidates: [part(0, 'A2', 'SAFETY')], responseId: 'r', usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 8, totalTokenCount: 12 } })),
      ...translator.end(),
    ];
    expect(chunks.map((c) => (c.choices[0] ? [c.choices[0].index, c.choices[0].delta, c.choices[0].finish_reason] : c.usage))).toEqual([
      [0, { role: 'assistant', content: '' }, null],
      [0, { content: 'A1' }, null],
      [1, { role: 'assistant', content: '' }, null],
      [1, { content: 'B1' }, null],
      [1, { content: 'B2' }, null],
      [1, {}, 'stop'],
      [0, { content: 'A2' }, null],
      [0, {}, 'content_filter'],
      { prompt_tokens: 4, completion_tokens: 8, total_tokens: 12, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } },
    ]);
  });

  it('fails a stream that closes before a finish reason', () => {
    const translator = createStreamTranslator(context(), fallbackId);
    translator.push(generateResponseSchema.parse(fixtureEvents('gemini/google-text.chunks.txt')[0]));
    expect(() => translator.end()).toThrowErrorMatchingInlineSnapshot(`[TollgateError: The upstream provider gemini ended the stream before it was complete.]`);
    expect(() => createStreamTranslator(context(), fallbackId).end()).toThrow(/before it was complete/);
  });
});

describe('gemini errors', () => {
  it('maps 429 RESOURCE_EXHAUSTED to a retryable 429 with the RetryInfo delay', () => {
    const err = mapGeminiError(429, JSON.stringify(fixtureJson('gemini/google-429-retry-info.json')), {}, 'gemini');
    expect({ status: err.status, type: err.type, code: err.code, retryable: err.retryable, headers: err.headers }).toEqual({
      status: 429,
      type: 'requests',
      code: 'rate_limit_exceeded',
      retryable: true,
      headers: { 'retry-after-ms': '34400', 'retry-after': '35' },
    });
    expect(err.message).toMatchInlineSnapshot(`"Upstream gemini error: You exceeded your current quota, please check your plan."`);
  });

  const body = (code: number, status: string, message: string, details: unknown[] = []) => JSON.stringify({ error: { code, message, status, details } });

  it.each([
    [503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.', 503, 'service_unavailable_error', true],
    [400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.', 400, 'invalid_request_error', false],
    [404, 'NOT_FOUND', 'models/gemini-9 is not found', 404, 'invalid_request_error', false],
    [500, 'INTERNAL', 'An internal error has occurred.', 500, 'server_error', true],
    [504, 'DEADLINE_EXCEEDED', 'Deadline exceeded', 504, 'server_error', true],
    [403, 'PERMISSION_DENIED', 'Method doesn\u2019t allow unregistered callers.', 502, 'server_error', false],
  ])('maps %i %s', (status, code, message, expectedStatus, expectedType, retryable) => {
    const err = mapGeminiError(status, body(status, code, message), {}, 'gemini');
    expect({ status: err.status, type: err.type, retryable: err.retryable }).toEqual({ status: expectedStatus, type: expectedType, retryable });
  });

  it('treats an invalid API key (a 400 from Google) as the gateway credentials: 502, no key echoed', () => {
    const text = body(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }]);
    const err = mapGeminiError(400, text, {}, 'gemini');
    expect({ status: err.status, message: err.message }).toEqual({ status: 502, message: "The upstream provider gemini rejected the gateway's credentials." });
  });
});
