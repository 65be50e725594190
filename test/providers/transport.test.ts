import { createServer, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createOpenAIProvider } from '../../src/providers/openai/provider.js';
import type { ProviderConfig } from '../../src/config/index.js';

const frame = (text: string) => `data: ${JSON.stringify({ id: 'chatcmpl-t', object: 'chat.completion.chunk', created: 1, model: 'up', choices: [{ index: 0, delta: { content: text }, finish_reason: null }] })}\n\n`;

/** An OpenAI-compatible upstream whose streams end their body the way `finish` says, after [DONE]. */
async function upstream(finish: (res: ServerResponse) => void): Promise<{ server: Server; url: string; connections: () => number; closedEarly: () => number }> {
  let connections = 0;
  let closedEarly = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(frame('hello') + 'data: [DONE]\n\n');
      res.on('close', () => {
        if (!res.writableFinished) closedEarly++;
      });
      finish(res);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${port}/v1`, connections: () => connections, closedEarly: () => closedEarly };
}

async function readStream(baseUrl: string): Promise<string> {
  const provider = createOpenAIProvider({ id: 'up', config: { kind: 'openai', base_url: baseUrl, timeout_ms: 10_000, headers: {} } as unknown as ProviderConfig, apiKey: 'k' });
  const ctx = { signal: new AbortController().signal, requestId: 'req_t', attempt: 1, clientHeaders: {} };
  let text = '';
  for (let i = 0; i < 10; i++) {
    const stream = await provider.chatStream({ model: 'up', messages: [{ role: 'user', content: 'hi' }], stream: true }, { provider: 'up', model: 'up', weight: 1 }, ctx);
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    // The pool takes the connection back once the rest of the body is read.
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  await provider.close?.();
  return text;
}

describe('upstream stream bodies after the end marker', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it('reads the end of a body that arrives after [DONE], so ten streams share one pooled connection', async () => {
    // Over a real network the chunked body's last bytes often come in a later packet than [DONE].
    const up = await upstream((res) => setTimeout(() => res.end(), 5));
    server = up.server;
    expect(await readStream(up.url)).toBe('hello'.repeat(10));
    expect(up.connections()).toBe(1);
    expect(up.closedEarly()).toBe(0);
  });

  it('cuts an upstream that goes on sending after [DONE]', async () => {
    let sent = 0;
    const up = await upstream((res) => {
      const more = () => {
        if (res.destroyed) return;
        sent += 16 * 1024;
        if (res.write(': '.padEnd(16 * 1024, 'x') + '\n\n')) setImmediate(more);
        else res.once('drain', more);
      };
      more();
    });
    server = up.server;
    expect(await readStream(up.url)).toBe('hello'.repeat(10));
    // Each endless body is cut once the reader's allowance after its end marker (64 KB) is used up.
    for (let i = 0; i < 200 && up.closedEarly() < 10; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(up.closedEarly()).toBe(10);
    expect(sent).toBeLessThan(10 * 4 * 1024 * 1024);
  });
});
