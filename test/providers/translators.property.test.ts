import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/common/errors.js';
import { chatRequestSchema } from '../../src/contract/index.js';
import { createStreamTranslator as anthropicStream, streamEventSchema, toAnthropicRequest } from '../../src/providers/anthropic/index.js';
import { createStreamTranslator as geminiStream, generateResponseSchema, toGeminiRequest } from '../../src/providers/gemini/index.js';

/** Messages and fields of every shape the contract admits, plus odd values inside them. */
const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('', '{}', '{"a":1}', '[1]', 'null', 'data:image/png;base64,AAAA', 'https://x.test/a.png', 'gs://b/c.pdf', 'not a url'));
const part = fc.oneof(
  fc.record({ type: fc.constant('text'), text }),
  fc.record({ type: fc.constant('image_url'), image_url: fc.record({ url: text.filter((s) => s.length > 0) }) }),
  fc.record({ type: fc.constant('input_audio'), input_audio: fc.record({ data: text, format: fc.constantFrom('wav', 'mp3') }) }),
  fc.record({ type: fc.constant('file'), file: fc.record({ file_data: fc.option(text, { nil: undefined }), file_id: fc.option(text, { nil: undefined }) }) }),
);
const toolCall = fc.record({ id: fc.constantFrom('call_1', 'call_2', 'toolu_x'), type: fc.constant('function'), function: fc.record({ name: fc.constantFrom('f', 'g'), arguments: text }) });
const message = fc.oneof(
  fc.record({ role: fc.constantFrom('system', 'developer'), content: fc.oneof(text, fc.array(fc.record({ type: fc.constant('text'), text }), { minLength: 1, maxLength: 2 })) }),
  fc.record({ role: fc.constant('user'), content: fc.oneof(text, fc.array(part, { minLength: 1, maxLength: 3 })) }),
  fc.record({ role: fc.constant('assistant'), content: fc.option(text, { nil: null }), tool_calls: fc.option(fc.array(toolCall, { maxLength: 2 }), { nil: undefined }) }),
  fc.record({ role: fc.constant('tool'), tool_call_id: fc.constantFrom('call_1', 'call_2', 'toolu_x', 'nope'), content: text }),
  fc.record({ role: fc.constant('function'), name: fc.constant('f'), content: text }),
);
const tool = fc.oneof(
  fc.record({ type: fc.constant('function'), function: fc.record({ name: fc.constantFrom('f', 'g'), parameters: fc.option(fc.constant({ type: 'object' }), { nil: undefined }) }) }),
  fc.record({ type: fc.constant('custom'), custom: fc.record({ name: fc.constant('c') }) }),
);
const request = fc.record(
  {
    model: fc.constant('m'),
    messages: fc.array(message, { minLength: 1, maxLength: 5 }),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    top_p: fc.double({ min: 0, max: 1, noNaN: true }),
    n: fc.integer({ min: 1, max: 3 }),
    max_tokens: fc.integer({ min: 1, max: 100_000 }),
    stop: fc.oneof(text, fc.array(text, { maxLength: 4 })),
    logprobs: fc.boolean(),
    seed: fc.integer(),
    frequency_penalty: fc.double({ min: -2, max: 2, noNaN: true }),
    tools: fc.array(tool, { maxLength: 2 }),
    tool_choice: fc.oneof(
      fc.constantFrom('none', 'auto', 'required'),
      fc.record({ type: fc.constant('function'), function: fc.record({ name: fc.constantFrom('f', 'zz') }) }),
      fc.record({ type: fc.constant('allowed_tools'), allowed_tools: fc.record({ mode: fc.constantFrom('auto', 'required'), tools: fc.constant([{ type: 'function', function: { name: 'f' } }]) }) }),
    ),
    parallel_tool_calls: fc.boolean(),
    response_format: fc.oneof(
      fc.constant({ type: 'text' }),
      fc.constant({ type: 'json_object' }),
      fc.record({ type: fc.constant('json_schema'), json_schema: fc.record({ name: fc.constant('out'), schema: fc.option(fc.constant({ type: 'object' }), { nil: undefined }) }) }),
    ),
    reasoning_effort: fc.constantFrom('none', 'low', 'high'),
    unknown_field: fc.anything(),
  },
  { requiredKeys: ['model', 'messages'] },
);

function onlyClientErrors(translate: () => unknown): void {
  try {
    translate();
  } catch (err) {
    expect(err).toBeInstanceOf(TollgateError);
    expect((err as TollgateError).status).toBe(400);
    expect((err as TollgateError).param).not.toBeNull();
  }
}

describe('request translators never fail with anything but a 400 naming a param', () => {
  it('anthropic and gemini', () => {
    fc.assert(
      fc.property(request, (body) => {
        const parsed = chatRequestSchema.safeParse(body);
        fc.pre(parsed.success);
        if (!parsed.success) return;
        onlyClientErrors(() => toAnthropicRequest(parsed.data, 'claude-sonnet-4-5', true));
        onlyClientErrors(() => toGeminiRequest(parsed.data, 'gemini-2.5-flash'));
      }),
      { numRuns: 400 },
    );
  });
});

describe('stream translators take any sequence of well-formed events without crashing', () => {
  const anthropicEvent = fc.oneof(
    fc.constant({ type: 'message_start', message: { id: 'msg_1', model: 'claude', usage: { input_tokens: 3 } } }),
    fc.record({ type: fc.constant('content_block_start'), index: fc.nat(3), content_block: fc.oneof(fc.constant({ type: 'text', text: 'a' }), fc.constant({ type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }), fc.constant({ type: 'thinking', thinking: '' })) }),
    fc.record({ type: fc.constant('content_block_delta'), index: fc.nat(3), delta: fc.oneof(fc.record({ type: fc.constant('text_delta'), text }), fc.record({ type: fc.constant('input_json_delta'), partial_json: text }), fc.constant({ type: 'thinking_delta', thinking: 'x' })) }),
    fc.record({ type: fc.constant('content_block_stop'), index: fc.nat(3) }),
    fc.record({ type: fc.constant('message_delta'), delta: fc.record({ stop_reason: fc.constantFrom('end_turn', 'tool_use', 'refusal', 'max_tokens', 'weird', null) }), usage: fc.constant({ output_tokens: 5 }) }),
    fc.constant({ type: 'message_stop' }),
    fc.constant({ type: 'ping' }),
  );
  it('anthropic', () => {
    fc.assert(
      fc.property(fc.array(anthropicEvent, { maxLength: 12 }), fc.option(fc.constant('out'), { nil: null }), (events, jsonTool) => {
        const translator = anthropicStream({ created: 1, jsonTool }, 'claude');
        for (const event of events) for (const chunk of translator.push(streamEventSchema.parse(event))) expect(chunk.object).toBe('chat.completion.chunk');
        onlyUpstreamErrors(() => translator.end());
      }),
      { numRuns: 300 },
    );
  });

  const geminiEvent = fc.record({
    candidates: fc.option(
      fc.array(
        fc.record({
          content: fc.record({ parts: fc.array(fc.oneof(fc.record({ text }), fc.constant({ functionCall: { name: 'f', args: { a: 1 } } }), fc.constant({ text: 't', thought: true })), { maxLength: 3 }) }),
          finishReason: fc.option(fc.constantFrom('STOP', 'MAX_TOKENS', 'SAFETY', 'OTHER'), { nil: undefined }),
          index: fc.option(fc.nat(2), { nil: undefined }),
        }),
        { maxLength: 2 },
      ),
      { nil: undefined },
    ),
    promptFeedback: fc.option(fc.constant({ blockReason: 'SAFETY' }), { nil: undefined }),
    usageMetadata: fc.option(fc.record({ promptTokenCount: fc.nat(50), candidatesTokenCount: fc.nat(50) }), { nil: undefined }),
  });
  it('gemini', () => {
    fc.assert(
      fc.property(fc.array(geminiEvent, { maxLength: 6 }), (events) => {
        const translator = geminiStream({ created: 1, model: 'g', newCallId: () => 'call_1', provider: 'gemini' }, () => 'chatcmpl-x');
        for (const event of events) translator.push(generateResponseSchema.parse(event));
        onlyUpstreamErrors(() => translator.end());
      }),
      { numRuns: 300 },
    );
  });
});

function onlyUpstreamErrors(run: () => unknown): void {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(TollgateError);
    expect((err as TollgateError).status).toBe(502);
  }
}
