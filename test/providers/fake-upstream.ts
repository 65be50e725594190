import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query, as the upstream saw them. */
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** Resolves when the connection of this request closes (e.g. Tollgate aborted it). */
  closed: Promise<void>;
}

/** One canned answer: a JSON body, or SSE frames written as the real upstream frames them. */
export type FakeReply =
  | { status: number; json: unknown }
  | { status?: 200; sse: string[]; /** keep the stream open after the frames */ hold?: boolean }
  /** A body that is not what the content type says. */
  | { status: number; raw: string }
  /** Never answer (until the client gives up). */
  | { hang: true };

export interface FakeUpstream {
  url: string;
  requests: RecordedRequest[];
  /** Queues answers for the next requests; the last one keeps answering (so retries see it too). */
  reply(...replies: FakeReply[]): void;
  close(): Promise<void>;
}

/** Anthropic frames every event with its type: `event: <type>` then `data: <json>`. */
export function anthropicFrames(events: readonly string[]): string[] {
  return events.map((data) => `event: ${(JSON.parse(data) as { type: string }).type}\ndata: ${data}\n\n`);
}

/** Gemini (alt=sse) sends bare `data:` lines, CRLF-separated, and just closes at the end. */
export function geminiFrames(events: readonly string[]): string[] {
  return events.map((data) => `data: ${data}\r\n\r\n`);
}

/** A model provider on 127.0.0.1 speaking a recorded wire format, recording what it was sent. */
export async function startFakeUpstream(): Promise<FakeUpstream> {
  const requests: RecordedRequest[] = [];
  const queue: FakeReply[] = [];
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8');
      const closed = new Promise<void>((resolve) => res.once('close', () => resolve()));
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: text ? JSON.parse(text) : null, closed });
      const reply = queue.length > 1 ? queue.shift()! : queue[0];
      if (!reply) {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"no reply queued"}');
        return;
      }
      if ('hang' in reply) return;
      if ('raw' in reply) {
        res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.raw);
        return;
      }
      if ('json' in reply) {
        res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.json));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (const frame of reply.sse) res.write(frame);
      if (!reply.hold) res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    reply: (...replies) => {
      queue.length = 0;
      queue.push(...replies);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Starts a streamed chat request with a raw HTTP client and destroys its
 * socket once the first bytes arrive: a client that goes away mid-stream.
 */
export async function abandonStream(url: string, apiKey: string, body: unknown): Promise<void> {
  const { request } = await import('node:http');
  await new Promise<void>((resolve, reject) => {
    const req = request(`${url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' } });
    req.on('error', () => {});
    req.on('response', (res) => {
      if (res.statusCode !== 200) reject(new Error(`expected a stream, got ${String(res.statusCode)}`));
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.end(JSON.stringify(body));
  });
}
