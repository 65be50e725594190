import { describe, expect, it } from 'vitest';
import type { ChatChunk } from '../../src/contract/index.js';
import { createStreamTranslator, mapAnthropicError, messageSchema, streamEventSchema, toChatCompletion } from '../../src/providers/anthropic/index.js';
import { fixtureEvents, fixtureJson } from './fixtures.js';

const CREATED = 1_760_000_000;

function complete(path: string, jsonTool: string | null = null) {
  return toChatCompletion(messageSchema.parse(fixtureJson(`anthropic/${path}`)), { created: CREATED, jsonTool });
}

function replay(path: string, jsonTool: string | null = null): ChatChunk[] {
  const translator = createStreamTranslator({ created: CREATED, jsonTool }, 'claude');
  const chunks: ChatChunk[] = [];
  for (const event of fixtureEvents(`anthropic/${path}`)) chunks.push(...translator.push(streamEventSchema.parse(event)));
  translator.end();
  return chunks;
}

/** What an OpenAI client assembles from the chunks. */
function assemble(chunks: ChatChunk[]) {
  let content = '';
  let finish: string | null = null;
  const calls: { id?: string; type?: string; name?: string; arguments: string }[] = [];
  for (const chunk of chunks) {
    for (const choice of chunk.choices) {
      content += choice.delta.content ?? '';
      finish = choice.finish_reason ?? finish;
      for (const call of choice.delta.tool_calls ?? []) {
        const slot = (calls[call.index] ??= { arguments: '' });
        if (call.id) slot.id = call.id;
        if (call.type) slot.type = call.type;
        if (call.function.name) slot.name = call.function.name;
        slot.arguments += call.function.arguments ?? '';
      }
    }
  }
  const usageChunks = chunks.filter((c) => c.choices.length === 0);
  return { content, finish, calls, usage: usageChunks.at(-1)?.usage, usageChunks: usageChunks.length };
}

describe('anthropic response -> chat completion', () => {
  it('translates a text answer with usage', () => {
    expect(complete('anthropic-text.json')).toEqual({
      id: 'chatcmpl-msg_01VdEjxAP5ahtHKrrRdNBteQ',
      object: 'chat.completion',
      created: CREATED,
      model: 'claude-sonnet-4-5-20250929',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: "Hello! I'm doing well, thanks for asking. How are you doing today? Is there anything I can help you with?",
            refusal: null,
          },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: 12, completion_tokens: 29, total_tokens: 41, prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 } },
    });
  });

  it('translates text plus a tool call without arguments', () => {
    const completion = complete('anthropic-tool-no-args.json');
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toMatch(/^<thinking>\nThe updateIssueList tool .*update the current issue list:$/s);
    expect(choice.message.tool_calls).toEqual([{ id: 'toolu_01LRmxn9vGM1d2DZSDBowdZ1', type: 'function', function: { name: 'updateIssueList', arguments: '{}' } }]);
    expect(completion.usage).toMatchObject({ prompt_tokens: 602, completion_tokens: 93, total_tokens: 695 });
  });

  it('returns a forced json tool as the content when it serves response_format', () => {
    const completion = complete('anthropic-json-tool.1.json', 'json');
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe('stop');
    expect(choice.message.tool_calls).toBeUndefined();
    expect(JSON.parse(choice.message.content!)).toEqual({
      elements: [
        { location: 'San Francisco', temperature: -5, condition: 'snowy' },
        { location: 'London', temperature: 0, condition: 'snowy' },
        { location: 'Paris', temperature: 23, condition: 'cloudy' },
        { location: 'Berlin', temperature: -9, condition: 'snowy' },
      ],
    });
  });

  it('keeps the same tool as a tool call when it was not forced for response_format', () => {
    const choice = complete('anthropic-json-tool.1.json').choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls?.[0]).toMatchObject({ id: 'toolu_01Q9ExVZnzZj7E2QQYHYtNUa', function: { name: 'json' } });
  });

  it('keeps non-ASCII JSON text of the native output format intact', () => {
    const content = complete('anthropic-json-output-format.1.json').choices[0]!.message.content!;
    expect(JSON.parse(content).recipe.steps[4]).toBe('Preheat oven to 375°F (190°C)');
  });

  it('maps a refusal to content_filter with no content', () => {
    const completion = complete('anthropic-refusal.json');
    expect(completion.choices[0]).toEqual({ index: 0, message: { role: 'assistant', content: null, refusal: null }, logprobs: null, finish_reason: 'content_filter' });
    expect(completion.usage?.total_tokens).toBe(23);
  });

  it('drops thinking blocks and reports thinking tokens as reasoning tokens', () => {
    const completion = complete('issue-13430-thinking-tool-call.json');
    expect(completion.choices[0]!.message).toEqual({
      role: 'assistant',
      content: null,
      refusal: null,
      tool_calls: [{ id: 'toolu_017R7ACrx7NF7sLDDtvdQ1u9', type: 'function', function: { name: 'checkSandboxErrors', arguments: '{}' } }],
    });
    expect(completion.usage).toEqual({
      prompt_tokens: 599,
      completion_tokens: 59,
      total_tokens: 658,
      prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 18 },
    });
  });
});

describe('anthropic stream -> chat chunks', () => {
  it('streams text: role chunk first, finish chunk, usage chunk last', () => {
    const chunks = replay('anthropic-text.chunks.txt');
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks.every((c) => c.id === 'chatcmpl-msg_01QC4g3HwBThD4BaNtBckFDJ' && c.created === CREATED && c.model === 'claude-sonnet-4-5-20250929')).toBe(true);
    const result = assemble(chunks);
    expect(result.content).toBe("Hello! I'm doing well, thank you for asking. How are you doing today? Is there anything I can help you with?");
    expect(result.finish).toBe('stop');
    expect(result.usageChunks).toBe(1);
    expect(chunks.at(-1)).toEqual({
      id: 'chatcmpl-msg_01QC4g3HwBThD4BaNtBckFDJ',
      object: 'chat.completion.chunk',
      created: CREATED,
      model: 'claude-sonnet-4-5-20250929',
      choices: [],
      usage: { prompt_tokens: 12, completion_tokens: 30, total_tokens: 42, prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 } },
    });
    expect(chunks.at(-2)!.choices[0]).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' });
  });

  it('streams a tool call without arguments as id/name first, then "{}"', () => {
    const chunks = replay('anthropic-tool-no-args.chunks.txt');
    const toolDeltas = chunks.flatMap((c) => c.choices.flatMap((choice) => choice.delta.tool_calls ?? []));
    expect(toolDeltas).toEqual([
      { index: 0, id: 'toolu_01QE1WLsSVp5hy5Q3GmGTmjP', type: 'function', function: { name: 'updateIssueList', arguments: '' } },
      { index: 0, function: { arguments: '{}' } },
    ]);
    const result = assemble(chunks);
    expect(result.content).toBe("I'll update the issue list for you.");
    expect(result.finish).toBe('tool_calls');
    expect(result.usage).toMatchObject({ prompt_tokens: 565, completion_tokens: 48, total_tokens: 613 });
  });

  it('streams input_json_delta fragments as argument fragments', () => {
    const result = assemble(replay('anthropic-json-tool.1.chunks.txt'));
    expect(result.calls).toEqual([
      {
        id: 'toolu_01KFbKqPYSuAKujiL6mTfzYA',
        type: 'function',
        name: 'json',
        arguments: '{"elements": [{"location": "San Francisco", "temperature": 58, "condition": "sunny"}]}',
      },
    ]);
    expect(result.finish).toBe('tool_calls');
    expect(result.usage).toMatchObject({ prompt_tokens: 849, completion_tokens: 47 });
  });

  it('streams the forced response_format tool as content', () => {
    const result = assemble(replay('anthropic-json-tool.1.chunks.txt', 'json'));
    expect(result.calls).toEqual([]);
    expect(JSON.parse(result.content)).toEqual({ elements: [{ location: 'San Francisco', temperature: 58, condition: 'sunny' }] });
    expect(result.finish).toBe('stop');
  });

  it('streams a refusal as content_filter', () => {
    const chunks = replay('anthropic-refusal.chunks.txt');
    const result = assemble(chunks);
    expect(result.content).toBe('');
    expect(result.finish).toBe('content_filter');
    expect(result.usage).toMatchObject({ prompt_tokens: 18, completion_tokens: 5, total_tokens: 23 });
  });

  it('takes input tokens from message_delta when they differ from message_start', () => {
    const result = assemble(replay('anthropic-message-delta-input-tokens.chunks.txt'));
    expect(result.content).toBe('pong');
    expect(result.usage).toEqual({ prompt_tokens: 61, completion_tokens: 2, total_tokens: 63, prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 } });
  });

  it('counts cache reads and writes, and skips server tool blocks', () => {
    const result = assemble(replay('anthropic-code-execution-20260120-prompt-cache.1.chunks.txt'));
    expect(result.content).toBe('The sum of the squares of the numbers 1 through 12 is **650**.');
    expect(result.calls).toEqual([]);
    expect(result.finish).toBe('stop');
    expect(result.usage).toEqual({
      prompt_tokens: 6 + 3337 + 6289,
      completion_tokens: 198,
      total_tokens: 6 + 3337 + 6289 + 198,
      prompt_tokens_details: { cached_tokens: 6289, cache_write_tokens: 3337 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
  });

  it('fails a stream that ends before message_stop', () => {
    const translator = createStreamTranslator({ created: CREATED, jsonTool: null }, 'claude');
    const events = fixtureEvents('anthropic/anthropic-text.chunks.txt').slice(0, 5);
    for (const event of events) translator.push(streamEventSchema.parse(event));
    expect(() => translator.end()).toThrowErrorMatchingInlineSnapshot(`[TollgateError: The upstream provider claude ended the stream before it was complete.]`);
  });

  it('turns a mid-stream overloaded error event into a retryable 503', () => {
    const translator = createStreamTranslator({ created: CREATED, jsonTool: null }, 'claude');
    let error: unknown;
    try {
      translator.push(streamEventSchema.parse({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }));
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ status: 503, type: 'service_unavailable_error', retryable: true, message: 'Upstream claude error: Overloaded' });
  });
});

describe('anthropic errors', () => {
  const body = (type: string, message: string) => JSON.stringify({ type: 'error', error: { type, message }, request_id: 'req_1' });

  it('keeps the upstream text of a 400', () => {
    const text = JSON.stringify(fixtureJson('anthropic/anthropic-issue-17366-error.json'));
    const err = mapAnthropicError(400, text, {}, 'claude');
    expect(err).toMatchObject({ status: 400, type: 'invalid_request_error', retryable: false });
    expect(err.message).toMatchInlineSnapshot(
      `"Upstream claude error: messages.2.content.0: unexpected \`tool_use_id\` found in \`tool_result\` blocks: srvtoolu_issue_17366_invalid. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message."`,
    );
  });

  it.each([
    [401, 'authentication_error', 502, 'server_error', 'upstream_error'],
    [403, 'permission_error', 502, 'server_error', 'upstream_error'],
    [404, 'not_found_error', 404, 'invalid_request_error', 'model_not_found'],
    [413, 'request_too_large', 413, 'invalid_request_error', 'request_too_large'],
    [429, 'rate_limit_error', 429, 'requests', 'rate_limit_exceeded'],
    [500, 'api_error', 500, 'server_error', 'upstream_error'],
    [529, 'overloaded_error', 503, 'service_unavailable_error', 'server_is_overloaded'],
  ])('maps %i %s to %i %s', (status, type, expectedStatus, expectedType, code) => {
    const err = mapAnthropicError(status, body(type, 'boom'), { 'retry-after': '7' }, 'claude');
    expect({ status: err.status, type: err.type, code: err.code }).toEqual({ status: expectedStatus, type: expectedType, code });
    expect(err.retryable).toBe([429, 500, 529].includes(status));
  });

  it('keeps retry-after on 429 and 529, and never the key on 401', () => {
    expect(mapAnthropicError(429, body('rate_limit_error', 'slow down'), { 'retry-after': '7' }, 'claude').headers).toEqual({ 'retry-after': '7' });
    expect(mapAnthropicError(529, body('overloaded_error', 'Overloaded'), { 'retry-after': '3' }, 'claude').headers).toEqual({ 'retry-after': '3' });
    expect(mapAnthropicError(401, body('authentication_error', 'invalid x-api-key'), {}, 'claude').message).toBe("The upstream provider claude rejected the gateway's credentials.");
  });

  it('names a prompt that is too long as context_length_exceeded', () => {
    const err = mapAnthropicError(400, body('invalid_request_error', 'prompt is too long: 210000 tokens > 200000 maximum'), {}, 'claude');
    expect(err).toMatchObject({ status: 400, code: 'context_length_exceeded' });
  });
});
