import { describe, expect, it } from 'vitest';
import { chatRequestSchema, embeddingsRequestSchema, type ChatRequest } from '../../src/contract/index.js';
import { toBatchEmbedRequest, toGeminiRequest } from '../../src/providers/gemini/index.js';

const translate = (request: ChatRequest, model = 'gemini-3-pro-preview') => toGeminiRequest(request, model);

function req(body: Record<string, unknown>): ChatRequest {
  return chatRequestSchema.parse({ model: 'gemini', ...body });
}

function rejection(body: Record<string, unknown>) {
  try {
    translate(req(body));
  } catch (err) {
    const e = err as { status: number; code: string; param: string; message: string };
    return { status: e.status, code: e.code, param: e.param, message: e.message };
  }
  throw new Error('expected a rejection');
}

describe('OpenAI chat -> Gemini generateContent request', () => {
  it('translates roles, system instruction, images, tool calls and results, and generation config', () => {
    const body = translate(
      req({
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Lyon? And this:' }, { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } }] },
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/photos/cat.PNG?size=large' } }] },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
              { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_b', content: '12:00' },
          { role: 'tool', tool_call_id: 'call_a', content: [{ type: 'text', text: '18C' }] },
          { role: 'assistant', content: 'Paris: 18C at noon.' },
          { role: 'user', content: 'Thanks' },
        ],
        temperature: 1.4,
        top_p: 0.5,
        max_completion_tokens: 256,
        stop: 'END',
        n: 2,
        seed: 11,
        presence_penalty: 0.5,
        frequency_penalty: -0.5,
        response_format: { type: 'json_schema', json_schema: { name: 'w', schema: { type: 'object', properties: { t: { type: 'number' } }, additionalProperties: false } } },
        tools: [
          { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
          { type: 'function', function: { name: 'get_time' } },
        ],
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
        user: 'u-1',
      }),
    );
    expect(body).toEqual({
      systemInstruction: { parts: [{ text: 'You are terse.' }] },
      contents: [
        {
          role: 'user',
          parts: [
            { text: 'Weather in Paris and Lyon? And this:' },
            { inlineData: { mimeType: 'image/jpeg', data: '/9j/4AAQ' } },
            { fileData: { mimeType: 'image/png', fileUri: 'https://example.com/photos/cat.PNG?size=large' } },
          ],
        },
        {
          role: 'model',
          parts: [
            { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'skip_thought_signature_validator' },
            { functionCall: { name: 'get_time', args: {} } },
          ],
        },
        {
          role: 'user',
          parts: [{ functionResponse: { name: 'get_time', response: { content: '12:00' } } }, { functionResponse: { name: 'get_weather', response: { content: '18C' } } }],
        },
        { role: 'model', parts: [{ text: 'Paris: 18C at noon.' }] },
        { role: 'user', parts: [{ text: 'Thanks' }] },
      ],
      generationConfig: {
        temperature: 1.4,
        topP: 0.5,
        maxOutputTokens: 256,
        stopSequences: ['END'],
        candidateCount: 2,
        seed: 11,
        presencePenalty: 0.5,
        frequencyPenalty: -0.5,
        responseMimeType: 'application/json',
        responseJsonSchema: { type: 'object', properties: { t: { type: 'number' } }, additionalProperties: false },
      },
      tools: [
        {
          functionDeclarations: [
            { name: 'get_weather', description: 'Weather', parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } } } },
            { name: 'get_time' },
          ],
        },
      ],
      toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } },
    });
  });

  it('sends a minimal body for a minimal request', () => {
    expect(translate(req({ messages: [{ role: 'user', content: 'hi' }] }))).toEqual({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
  });

  it('maps tool_choice modes and json_object', () => {
    const tools = [{ type: 'function', function: { name: 'f' } }];
    const config = (tool_choice: unknown) => translate(req({ messages: [{ role: 'user', content: 'hi' }], tools, tool_choice })).toolConfig;
    expect(config('auto')).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
    expect(config('none')).toEqual({ functionCallingConfig: { mode: 'NONE' } });
    expect(config('required')).toEqual({ functionCallingConfig: { mode: 'ANY' } });
    expect(config({ type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [{ type: 'function', function: { name: 'f' } }] } })).toEqual({
      functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['f'] },
    });
    expect(translate(req({ messages: [{ role: 'user', content: 'hi' }], response_format: { type: 'json_object' } })).generationConfig).toEqual({ responseMimeType: 'application/json' });
  });

  it('asks for logprobs and the top alternatives', () => {
    expect(translate(req({ messages: [{ role: 'user', content: 'hi' }], logprobs: true, top_logprobs: 3 })).generationConfig).toEqual({ responseLogprobs: true, logprobs: 3 });
    expect(translate(req({ messages: [{ role: 'user', content: 'hi' }], logprobs: true })).generationConfig).toEqual({ responseLogprobs: true });
    expect(translate(req({ messages: [{ role: 'user', content: 'hi' }], logprobs: false, top_logprobs: 0 })).generationConfig).toBeUndefined();
  });

  it('maps reasoning_effort to a thinking level (Gemini 3) or Google\'s thinking budgets (Gemini 2.5)', () => {
    const thinking = (reasoning_effort: string, model: string) => translate(req({ messages: [{ role: 'user', content: 'hi' }], reasoning_effort }), model).generationConfig;
    expect(thinking('low', 'gemini-3-pro-preview')).toEqual({ thinkingConfig: { thinkingLevel: 'low' } });
    expect(thinking('minimal', 'gemini-3-flash-preview')).toEqual({ thinkingConfig: { thinkingLevel: 'minimal' } });
    expect(thinking('none', 'gemini-2.5-flash')).toEqual({ thinkingConfig: { thinkingBudget: 0 } });
    expect(thinking('medium', 'gemini-2.5-pro')).toEqual({ thinkingConfig: { thinkingBudget: 8192 } });
    expect(thinking('high', 'models/gemini-2.5-flash')).toEqual({ thinkingConfig: { thinkingBudget: 24_576 } });
    expect(() => thinking('xhigh', 'gemini-3-pro-preview')).toThrow(expect.objectContaining({ status: 400, param: 'reasoning_effort' }));
    expect(() => thinking('minimal', 'gemini-2.5-flash')).toThrow(expect.objectContaining({ status: 400, param: 'reasoning_effort' }));
  });

  it('passes audio and files as inline data', () => {
    const body = translate(
      req({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
              { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=' } },
            ],
          },
        ],
      }),
    );
    expect(body.contents[0]!.parts).toEqual([{ inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } }, { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0=' } }]);
  });

  it('rejects what Gemini cannot honour, naming the parameter', () => {
    const messages = [{ role: 'user', content: 'hi' }];
    expect(rejection({ messages, top_logprobs: 3 })).toMatchObject({ status: 400, code: 'unsupported_value', param: 'top_logprobs' });
    expect(rejection({ messages, logit_bias: { '50256': -100 } })).toMatchObject({ status: 400, code: 'unsupported_value', param: 'logit_bias' });
    expect(rejection({ messages, parallel_tool_calls: false })).toMatchInlineSnapshot(`
      {
        "code": "unsupported_value",
        "message": "Unsupported value: 'parallel_tool_calls' false is not supported (Gemini cannot turn off parallel function calls) with this model (served by a Gemini API upstream).",
        "param": "parallel_tool_calls",
        "status": 400,
      }
    `);
    expect(rejection({ messages, reasoning_effort: 'none' })).toMatchInlineSnapshot(`
      {
        "code": "unsupported_value",
        "message": "Unsupported value: 'reasoning_effort' 'none' is not supported with this model (served by a Gemini API upstream; supported: minimal, low, medium, high).",
        "param": "reasoning_effort",
        "status": 400,
      }
    `);
    expect(rejection({ messages, safety_settings: [] })).toEqual({ status: 400, code: 'unknown_parameter', param: 'safety_settings', message: "Unknown parameter: 'safety_settings'." });
    expect(rejection({ messages, tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [] } } })).toMatchObject({
      param: 'tool_choice',
    });
    expect(rejection({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/image' } }] }] })).toMatchObject({
      param: 'messages[0].content[0].image_url.url',
    });
    expect(rejection({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'not a url' } }] }] })).toMatchObject({
      param: 'messages[0].content[0].image_url.url',
    });
    expect(rejection({ messages: [{ role: 'developer', content: 'Only instructions.' }, { role: 'assistant', content: '' }] })).toMatchObject({ code: 'invalid_value', param: 'messages' });
    expect(rejection({ messages: [{ role: 'user', content: 'hi' }, { role: 'tool', tool_call_id: 'call_missing', content: 'x' }] })).toMatchObject({
      code: 'invalid_value',
      param: 'messages[1].tool_call_id',
    });
  });
});

describe('OpenAI embeddings -> Gemini batchEmbedContents', () => {
  it('sends one request per input with the output dimensionality', () => {
    const request = embeddingsRequestSchema.parse({ model: 'e', input: ['a', 'b'], dimensions: 768 });
    expect(toBatchEmbedRequest(request, 'gemini-embedding-001')).toEqual({
      requests: [
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'a' }] }, outputDimensionality: 768 },
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'b' }] }, outputDimensionality: 768 },
      ],
    });
  });

  it('rejects token arrays, which Gemini cannot read', () => {
    expect(() => toBatchEmbedRequest(embeddingsRequestSchema.parse({ model: 'e', input: [[1, 2], [3]] }), 'g')).toThrow(
      expect.objectContaining({ status: 400, param: 'input[0]', code: 'unsupported_value' }),
    );
  });
});
