import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An OpenAI-compatible upstream in the test process: node:http on
 * 127.0.0.1:0 speaking OpenAI's wire format (JSON bodies, SSE streams,
 * error envelopes). Each test sets the handler; every request is recorded.
 */
export interface FakeRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: any;
}

export type FakeHandler = (req: FakeRequest, res: ServerResponse, raw: IncomingMessage) => void | Promise<void>;

export interface FakeOpenAI {
  url: string;
  /** Base URL for a provider config: `<url>/v1`. */
  baseUrl: string;
  requests: FakeRequest[];
  handle(handler: FakeHandler): void;
  close(): Promise<void>;
}

/** Recorded upstream payloads kept in the repository (test/fixtures, with their source and license in its README). */
export const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));

/** A recorded stream: one JSON chunk per line. */
export function fixtureChunks(path: string): string[] {
  return readFileSync(`${FIXTURES}/${path}`, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export function sendError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}, type = 'server_error', code: string | null = null): void {
  sendJson(res, status, { error: { message, type, param: null, code } }, headers);
}

export function sendStream(res: ServerResponse, chunks: (string | object)[], done = true): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const chunk of chunks) res.write(`data: ${typeof chunk === 'string' ? chunk : JSON.stringify(chunk)}\n\n`);
  if (done) res.write('data: [DONE]\n\n');
  res.end();
}

/** A chat completion in OpenAI's shape. */
export function chatCompletion(model: string, content: string, usage = { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 }) {
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage,
  };
}

export async function startFakeOpenAI(handler?: FakeHandler): Promise<FakeOpenAI> {
  let current: FakeHandler = handler ?? ((_req, res) => sendError(res, 500, 'no handler'));
  const requests: FakeRequest[] = [];
  const server: Server = createServer((raw, res) => {
    let text = '';
    raw.setEncoding('utf8');
    raw.on('data', (c: string) => (text += c));
    raw.on('end', () => {
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        /* keep the text */
      }
      const req: FakeRequest = { method: raw.method ?? 'GET', path: (raw.url ?? '/').split('?')[0]!, headers: raw.headers, body };
      requests.push(req);
      Promise.resolve(current(req, res, raw)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    baseUrl: `${url}/v1`,
    requests,
    handle: (h) => {
      current = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
