import { describe, expect, it } from 'vitest';
import { systemClock } from '../../common/clock.js';
import { TollgateError } from '../../common/errors.js';
import { testConfig } from '../../../test/helpers/tollgate.js';
import type { ChatChunk, ChatRequest } from '../../contract/index.js';
import { getEncoding } from '../../tokens/index.js';
import type { CallContext, Deployment } from '../types.js';
import { createSimulatorProvider } from './provider.js';

const sim = createSimulatorProvider(testConfig().simulator, systemClock);
const chatModel: Deployment = { provider: 'simulator', model: 'tollgate-sim', weight: 1 };
const embedModel: Deployment = { provider: 'simulator', model: 'tollgate-sim-embed', weight: 1 };

function ctx(headers: Record<string, string> = {}, attempt = 1, signal = new AbortController().signal): CallContext {
  return { signal, requestId: 'req_test', attempt, clientHeaders: headers };
}

const ask = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({ model: 'tollgate-sim', messages: [{ role: 'user', content }], ...extra }) as ChatRequest;

async function collect(stream: AsyncIterable<ChatChunk>): Promise<ChatChunk[]> {
  const chunks: ChatChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe('tollgate-sim chat', () => {
  it('answers the same request with the same words, and another request differently', async () => {
    const a = await sim.chat(ask('Tell me about tolls'), chatModel, ctx());
    const b = await sim.chat(ask('Tell me about tolls'), chatModel, ctx());
    const c = await sim.chat(ask('Tell me about bridges'), chatModel, ctx());
    expect(a.choices[0]!.message.content).toBe(b.choices[0]!.message.content);
    expect(a.choices[0]!.message.content).not.toBe(c.choices[0]!.message.content);
    expect(a.choices[0]!.message.content).toMatch(/^This is a simulated reply to "Tell me about tolls": /);
  });

  it('counts tokens with the real tokenizer', async () => {
    const res = await sim.chat(ask('echo: The quick brown fox jumps over the lazy dog.'), chatModel, ctx());
    const o200k = getEncoding('o200k_base');
    expect(res.usage!.completion_tokens).toBe(o200k.count('The quick brown fox jumps over the lazy dog.'));
    // 3 (primer) + 3 per message + "user" + the content, by OpenAI's recipe
    expect(res.usage!.prompt_tokens).toBe(3 + 3 + o200k.count('user') + o200k.count('echo: The quick brown fox jumps over the lazy dog.'));
    expect(res.usage!.total_tokens).toBe(res.usage!.prompt_tokens + res.usage!.completion_tokens);
  });

  it('honours max_tokens / max_completion_tokens with finish_reason length', async () => {
    const res = await sim.chat(ask('echo: one two three four five six', { max_tokens: 3 }), chatModel, ctx());
    expect(res.choices[0]).toMatchObject({ finish_reason: 'length', message: { content: 'one two three' } });
    expect(res.usage!.completion_tokens).toBe(3);
    const newer = await sim.chat(ask('echo: one two three four five six', { max_completion_tokens: 2, max_tokens: 5 }), chatModel, ctx());
    expect(newer.choices[0]!.message.content).toBe('one two');
  });

  it('stops before the first stop sequence', async () => {
    const res = await sim.chat(ask('echo: alpha beta STOP gamma END delta', { stop: ['END', 'STOP'] }), chatModel, ctx());
    expect(res.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: 'alpha beta ' } });
  });

  it('returns n different choices and counts all their tokens', async () => {
    const res = await sim.chat(ask('Write a line', { n: 3 }), chatModel, ctx());
    expect(res.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(new Set(res.choices.map((c) => c.message.content)).size).toBe(3);
    const o200k = getEncoding('o200k_base');
    expect(res.usage!.completion_tokens).toBe(res.choices.reduce((n, c) => n + o200k.count(c.message.content!), 0));
  });

  it('calls an offered tool the user asks for, with arguments from its schema, and reads the result back', async () => {
    const tools = [
      { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' }, unit: { type: 'string', enum: ['c', 'f'] } }, required: ['city'] } } },
      { type: 'function' as const, function: { name: 'get_time', parameters: { type: 'object', properties: {} } } },
    ];
    const res = await sim.chat(ask('Please use get_weather for city=Paris', { tools }), chatModel, ctx());
    const call = res.choices[0]!.message.tool_calls![0]!;
    expect(res.choices[0]!.finish_reason).toBe('tool_calls');
    expect(res.choices[0]!.message.content).toBeNull();
    expect(call).toMatchObject({ type: 'function', function: { name: 'get_weather' } });
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Paris', days: 42, unit: 'c' });

    const followUp = await sim.chat(
      {
        model: 'tollgate-sim',
        tools,
        messages: [
          { role: 'user', content: 'Please use get_weather for city=Paris' },
          { role: 'assistant', content: null, tool_calls: [call] },
          { role: 'tool', tool_call_id: call.id, content: '{"temp":21}' },
        ],
      } as ChatRequest,
      chatModel,
      ctx(),
    );
    expect(followUp.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: 'The get_weather tool returned: {"temp":21}' } });
    const none = await sim.chat(ask('What is the weather?', { tools }), chatModel, ctx());
    expect(none.choices[0]!.message.tool_calls).toBeUndefined();
  });

  it('produces JSON that fits a json_schema response format', async () => {
    const res = await sim.chat(
      ask('give me a person name=Ada', { response_format: { type: 'json_schema', json_schema: { name: 'person', schema: { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } } } } } } }),
      chatModel,
      ctx(),
    );
    expect(JSON.parse(res.choices[0]!.message.content!)).toEqual({ name: 'Ada', age: 42, tags: ['sample tags'] });
  });

  it('streams the role first, text deltas, the finish reason and a usage chunk', async () => {
    const chunks = await collect(await sim.chatStream(ask('echo: Hello streaming world'), chatModel, ctx()));
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '', refusal: null });
    const text = chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? '')).join('');
    expect(text).toBe('Hello streaming world');
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('stop');
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 3 } });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
  });

  it('streams multi-byte text without breaking characters', async () => {
    const chunks = await collect(await sim.chatStream(ask('echo: 日本語のテキスト 🚦 ok'), chatModel, ctx()));
    const pieces = chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? ''));
    expect(pieces.join('')).toBe('日本語のテキスト 🚦 ok');
    expect(pieces.some((p) => p.includes('\uFFFD'))).toBe(false);
  });

  it('streams tool calls as OpenAI does: id, type and name first, then arguments', async () => {
    const tools = [{ type: 'function' as const, function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }];
    const chunks = await collect(await sim.chatStream(ask('lookup q=tolls', { tools }), chatModel, ctx()));
    const deltas = chunks.flatMap((c) => c.choices.flatMap((ch) => ch.delta.tool_calls ?? []));
    expect(deltas[0]).toMatchObject({ index: 0, type: 'function', function: { name: 'lookup', arguments: '' } });
    expect(deltas[0]!.id).toMatch(/^call_/);
    expect(deltas[1]).toEqual({ index: 0, function: { arguments: '{"q":"tolls"}' } });
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('tool_calls');
  });
});

describe('tollgate-sim faults and latency', () => {
  const fault = (value: string) => ({ 'x-tollgate-sim-fault': value });

  it('raises a retryable 429 with retry-after, 500 and 503', async () => {
    const rate = await sim.chat(ask('x'), chatModel, ctx(fault('429;retry_after=7'))).catch((e: TollgateError) => e);
    expect(rate).toBeInstanceOf(TollgateError);
    expect(rate).toMatchObject({ status: 429, retryable: true, headers: { 'retry-after': '7' } });
    await expect(sim.chat(ask('x'), chatModel, ctx(fault('500')))).rejects.toMatchObject({ status: 500, retryable: true });
    await expect(sim.chat(ask('x'), chatModel, ctx(fault('503')))).rejects.toMatchObject({ status: 503, code: 'server_is_overloaded' });
  });

  it('fails only the first attempts when asked to, so retries can be rehearsed', async () => {
    await expect(sim.chat(ask('x'), chatModel, ctx(fault('503;attempts=2'), 2))).rejects.toMatchObject({ status: 503 });
    const third = await sim.chat(ask('x'), chatModel, ctx(fault('503;attempts=2'), 3));
    expect(third.object).toBe('chat.completion');
  });

  it('hangs on timeout until the caller aborts', async () => {
    const controller = new AbortController();
    const pending = sim.chat(ask('x'), chatModel, ctx(fault('timeout'), 1, controller.signal));
    setTimeout(() => controller.abort(new Error('deadline')), 20);
    await expect(pending).rejects.toThrow('deadline');
  });

  it('drops a stream after N tokens on disconnect', async () => {
    const stream = await sim.chatStream(ask('echo: a b c d e f g h'), chatModel, ctx(fault('disconnect;after=2')));
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of stream) for (const c of chunk.choices) if (c.delta.content) seen.push(c.delta.content);
      })(),
    ).rejects.toMatchObject({ code: 'upstream_error' });
    expect(seen).toEqual(['a', ' b']);
  });

  it('rejects malformed directives with a 400 naming the header', async () => {
    await expect(sim.chat(ask('x'), chatModel, ctx(fault('418')))).rejects.toMatchObject({ status: 400, param: 'x-tollgate-sim-fault' });
    await expect(sim.chat(ask('x'), chatModel, ctx({ 'x-tollgate-sim-ttft-ms': '-5' }))).rejects.toMatchObject({ status: 400, param: 'x-tollgate-sim-ttft-ms' });
  });

  it('applies time to first token and per-token delay', async () => {
    const started = Date.now();
    const chunks = await collect(await sim.chatStream(ask('echo: one two three'), chatModel, ctx({ 'x-tollgate-sim-ttft-ms': '30', 'x-tollgate-sim-token-delay-ms': '10' })));
    // Real delays: at least ttft + 2 gaps between three tokens.
    expect(Date.now() - started).toBeGreaterThanOrEqual(30 + 2 * 10);
    expect(chunks.length).toBeGreaterThan(3);
  });

  it('uses the configured fault when no header is sent', async () => {
    const faulty = createSimulatorProvider(testConfig({ simulator: { fault: '503', fault_rate: 1 } }).simulator, systemClock);
    await expect(faulty.chat(ask('x'), chatModel, ctx())).rejects.toMatchObject({ status: 503 });
  });
});

describe('tollgate-sim-embed', () => {
  it('returns deterministic unit vectors of the configured or requested size', async () => {
    const res = await sim.embeddings!({ model: 'tollgate-sim-embed', input: ['alpha', 'beta', 'alpha'] }, embedModel, ctx());
    const [a, b, a2] = res.data.map((d) => d.embedding as number[]);
    expect(a).toHaveLength(1536);
    expect(a).toEqual(a2);
    expect(a).not.toEqual(b);
    expect(Math.sqrt(a!.reduce((s, x) => s + x * x, 0))).toBeCloseTo(1, 5);
    const small = await sim.embeddings!({ model: 'tollgate-sim-embed', input: 'alpha', dimensions: 8 }, embedModel, ctx());
    expect(small.data[0]!.embedding).toHaveLength(8);
    expect(res.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
  });

  it('encodes base64 as little-endian float32, equal to the float form', async () => {
    const floats = await sim.embeddings!({ model: 'tollgate-sim-embed', input: 'alpha', dimensions: 16 }, embedModel, ctx());
    const b64 = await sim.embeddings!({ model: 'tollgate-sim-embed', input: 'alpha', dimensions: 16, encoding_format: 'base64' }, embedModel, ctx());
    const bytes = Buffer.from(b64.data[0]!.embedding as string, 'base64');
    const decoded = Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4));
    expect(decoded).toEqual(floats.data[0]!.embedding);
  });

  it('embeds token arrays', async () => {
    const res = await sim.embeddings!({ model: 'tollgate-sim-embed', input: [[1, 2, 3], [4, 5]], dimensions: 4 }, embedModel, ctx());
    expect(res.data).toHaveLength(2);
    expect(res.usage.prompt_tokens).toBe(5);
  });
});
