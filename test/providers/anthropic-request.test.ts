import { describe, expect, it } from 'vitest';
import { chatRequestSchema, type ChatRequest } from '../../src/contract/index.js';
import { toAnthropicRequest } from '../../src/providers/anthropic/index.js';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

function req(body: Record<string, unknown>): ChatRequest {
  return chatRequestSchema.parse({ model: 'claude', ...body });
}

function rejection(body: Record<string, unknown>, model = 'claude-sonnet-4-5') {
  try {
    toAnthropicRequest(req(body), model, false);
  } catch (err) {
    const e = err as { status: number; code: string; param: string; message: string };
    return { status: e.status, code: e.code, param: e.param, message: e.message };
  }
  throw new Error('expected a rejection');
}

describe('OpenAI chat -> Anthropic Messages request', () => {
  it('hoists system and developer messages, merges turns and carries tool results', () => {
    const plan = toAnthropicRequest(
      req({
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
          { role: 'user', content: 'What is the weather in Paris and Lyon?' },
          { role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }, { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'low' } }] },
          {
            role: 'assistant',
            content: '',
            tool_calls: [
              { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
              { id: 'toolu_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lyon"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'toolu_1', content: '18C' },
          { role: 'tool', tool_call_id: 'toolu_2', content: [{ type: 'text', text: '21C' }] },
          { role: 'user', content: 'Thanks. Which is warmer?' },
        ],
        max_completion_tokens: 300,
        max_tokens: 50,
        temperature: 0.2,
        top_p: 0.9,
        stop: ['END'],
        user: 'user-42',
        tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }],
        tool_choice: 'required',
        parallel_tool_calls: false,
      }),
      'claude-sonnet-4-5',
      true,
    );
    expect(plan.jsonTool).toBeNull();
    expect(plan.body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 300,
      system: [
        { type: 'text', text: 'You are terse.' },
        { type: 'text', text: 'Answer in French.' },
      ],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is the weather in Paris and Lyon?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { city: 'Lyon' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: '18C' },
            { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: '21C' }] },
            { type: 'text', text: 'Thanks. Which is warmer?' },
          ],
        },
      ],
      temperature: 0.2,
      top_p: 0.9,
      stop_sequences: ['END'],
      metadata: { user_id: 'user-42' },
      tools: [{ name: 'get_weather', description: 'Weather for a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      stream: true,
    });
  });

  it("fills the required max_tokens from the model's output limit", () => {
    const maxTokens = (model: string) => toAnthropicRequest(req({ messages: [{ role: 'user', content: 'hi' }] }), model, false).body.max_tokens;
    expect(maxTokens('claude-sonnet-4-5-20250929')).toBe(64_000);
    expect(maxTokens('claude-opus-4-1-20250805')).toBe(32_000);
    expect(maxTokens('claude-opus-4-5')).toBe(64_000);
    expect(maxTokens('claude-3-5-haiku-latest')).toBe(8_192);
    expect(maxTokens('claude-3-haiku-20240307')).toBe(4_096);
    expect(maxTokens('some-proxy-model')).toBe(4_096);
    expect(toAnthropicRequest(req({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 77 }), 'claude-sonnet-4-5', false).body.max_tokens).toBe(77);
  });

  it('maps each tool_choice', () => {
    const tools = [{ type: 'function', function: { name: 'f' } }];
    const choice = (tool_choice: unknown, extra: Record<string, unknown> = {}) =>
      toAnthropicRequest(req({ messages: [{ role: 'user', content: 'hi' }], tools, tool_choice, ...extra }), 'claude-sonnet-4-5', false).body.tool_choice;
    expect(choice('auto')).toEqual({ type: 'auto' });
    expect(choice('none')).toEqual({ type: 'none' });
    expect(choice('required')).toEqual({ type: 'any' });
    expect(choice({ type: 'function', function: { name: 'f' } })).toEqual({ type: 'tool', name: 'f' });
    expect(choice(undefined, { parallel_tool_calls: false })).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    expect(choice(undefined)).toBeUndefined();
    expect(toAnthropicRequest(req({ messages: [{ role: 'user', content: 'hi' }], tools }), 'claude-sonnet-4-5', false).body.tools).toEqual([
      { name: 'f', input_schema: { type: 'object', properties: {} } },
    ]);
  });

  it('serves json_schema and json_object through a forced tool', () => {
    const schema = { type: 'object', properties: { answer: { type: 'number' } }, required: ['answer'] };
    const plan = toAnthropicRequest(
      req({ messages: [{ role: 'user', content: '6*7?' }], response_format: { type: 'json_schema', json_schema: { name: 'result', schema } } }),
      'claude-sonnet-4-5',
      false,
    );
    expect(plan.jsonTool).toBe('result');
    expect(plan.body.tools).toEqual([{ name: 'result', description: 'Respond with JSON that matches this schema.', input_schema: schema }]);
    expect(plan.body.tool_choice).toEqual({ type: 'tool', name: 'result' });
    expect(plan.body.output_config).toBeUndefined();
    const object = toAnthropicRequest(req({ messages: [{ role: 'user', content: 'JSON please' }], response_format: { type: 'json_object' } }), 'claude-sonnet-4-5', false);
    expect(object.jsonTool).toBe('json');
    expect(object.body.tools).toEqual([{ name: 'json', description: 'Respond with a JSON object.', input_schema: { type: 'object' } }]);
    const text = toAnthropicRequest(req({ messages: [{ role: 'user', content: 'hi' }], response_format: { type: 'text' } }), 'claude-sonnet-4-5', false);
    expect(text.jsonTool).toBeNull();
    expect(text.body.tools).toBeUndefined();
  });

  it('serves a strict json_schema (or one next to tools) with native structured outputs on Claude 4.5 and later', () => {
    const schema = { type: 'object', properties: { answer: { type: 'number' } }, required: ['answer'], additionalProperties: false };
    const strict = (model: string) =>
      toAnthropicRequest(req({ messages: [{ role: 'user', content: '6*7?' }], response_format: { type: 'json_schema', json_schema: { name: 'result', schema, strict: true } } }), model, false);
    expect(strict('claude-sonnet-4-5-20250929')).toEqual({
      jsonTool: null,
      body: { model: 'claude-sonnet-4-5-20250929', max_tokens: 64_000, messages: [{ role: 'user', content: [{ type: 'text', text: '6*7?' }] }], output_config: { format: { type: 'json_schema', schema } } },
    });
    expect(strict('claude-opus-5').body.output_config).toBeDefined();
    // Older models and unknown names keep the forced tool.
    expect(strict('claude-sonnet-4-20250514').jsonTool).toBe('result');
    expect(strict('claude-3-5-haiku-latest').jsonTool).toBe('result');
    expect(strict('my-proxy-claude').jsonTool).toBe('result');

    const withTools = toAnthropicRequest(
      req({
        messages: [{ role: 'user', content: 'hi' }],
        tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {}, additionalProperties: false }, strict: true } }],
        response_format: { type: 'json_schema', json_schema: { name: 'result', schema } },
      }),
      'claude-haiku-4-5',
      false,
    );
    expect(withTools.jsonTool).toBeNull();
    expect(withTools.body.output_config).toEqual({ format: { type: 'json_schema', schema } });
    expect(withTools.body.tools).toEqual([{ name: 'f', input_schema: { type: 'object', properties: {}, additionalProperties: false }, strict: true }]);
    // strict tools are not forwarded to models without structured outputs.
    const old = toAnthropicRequest(req({ messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'f', strict: true } }] }), 'claude-3-7-sonnet-latest', false);
    expect(old.body.tools).toEqual([{ name: 'f', input_schema: { type: 'object', properties: {} } }]);
  });

  it('sends a PDF file part as a document block', () => {
    const body = toAnthropicRequest(
      req({ messages: [{ role: 'user', content: [{ type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' } }] }] }),
      'claude-sonnet-4-5',
      false,
    ).body;
    expect(body.messages[0]!.content).toEqual([{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } }]);
  });

  it('accepts neutral values and hints without forwarding them', () => {
    const body = toAnthropicRequest(
      req({ messages: [{ role: 'user', content: 'hi' }], n: 1, logprobs: false, frequency_penalty: 0, presence_penalty: 0, store: false, prompt_cache_key: 'k', metadata: { a: 'b' }, stream_options: null, seed: null }),
      'claude-sonnet-4-5',
      false,
    ).body;
    expect(body).toEqual({ model: 'claude-sonnet-4-5', max_tokens: 64_000, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] });
  });

  it('rejects what Anthropic cannot honour, naming the parameter', () => {
    const messages = [{ role: 'user', content: 'hi' }];
    expect(rejection({ messages, temperature: 1.5 })).toMatchInlineSnapshot(`
      {
        "code": "unsupported_value",
        "message": "Unsupported value: 'temperature' 1.5 is out of range (Anthropic accepts 0 to 1) with this model (served by an Anthropic Messages API upstream).",
        "param": "temperature",
        "status": 400,
      }
    `);
    expect(rejection({ messages, logprobs: true })).toMatchInlineSnapshot(`
      {
        "code": "unsupported_value",
        "message": "Unsupported value: 'logprobs' only false is supported with this model (served by an Anthropic Messages API upstream).",
        "param": "logprobs",
        "status": 400,
      }
    `);
    expect(rejection({ messages, n: 2 })).toMatchObject({ status: 400, param: 'n' });
    expect(rejection({ messages, seed: 7 })).toMatchInlineSnapshot(`
      {
        "code": "unsupported_parameter",
        "message": "Unsupported parameter: 'seed' is not supported with this model (served by an Anthropic Messages API upstream).",
        "param": "seed",
        "status": 400,
      }
    `);
    expect(rejection({ messages, frequency_penalty: 0.5 })).toMatchObject({ param: 'frequency_penalty' });
    expect(rejection({ messages, reasoning_effort: 'high' })).toMatchObject({ param: 'reasoning_effort' });
    expect(rejection({ messages, audio: { voice: 'alloy', format: 'mp3' } })).toMatchObject({ param: 'audio', code: 'unsupported_parameter' });
    expect(rejection({ messages, top_k: 5 })).toEqual({ status: 400, code: 'unknown_parameter', param: 'top_k', message: "Unknown parameter: 'top_k'." });
  });

  it('rejects content Anthropic cannot take, naming where it is', () => {
    expect(rejection({ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }] })).toMatchObject({
      code: 'unsupported_value',
      param: 'messages[0].content[0].input_audio',
    });
    expect(rejection({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/tiff;base64,AAAA' } }] }] })).toMatchObject({
      param: 'messages[0].content[0].image_url.url',
    });
    expect(rejection({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://example.com/a.png' } }] }] })).toMatchObject({
      param: 'messages[0].content[0].image_url.url',
    });
    expect(
      rejection({ messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'f', arguments: '{not json' } }] }] }),
    ).toMatchObject({ code: 'invalid_value', param: 'messages[1].tool_calls[0].function.arguments' });
    expect(rejection({ messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'f' } }], response_format: { type: 'json_object' } })).toMatchObject({
      param: 'response_format',
    });
    expect(
      rejection(
        { messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'f' } }], response_format: { type: 'json_schema', json_schema: { name: 'r', schema: {} } } },
        'claude-3-5-sonnet-latest',
      ),
    ).toMatchObject({ param: 'response_format' });
    expect(rejection({ messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'custom', custom: { name: 'c' } }] })).toMatchObject({ param: 'tools[0].type' });
    expect(rejection({ messages: [{ role: 'function', name: 'f', content: 'x' }] })).toMatchObject({ param: 'messages[0].role' });
    expect(rejection({ messages: [{ role: 'system', content: 'Only instructions.' }] })).toMatchObject({ code: 'invalid_value', param: 'messages' });
  });
});
