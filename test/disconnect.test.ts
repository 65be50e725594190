import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { startTestTollgate, type TestTollgate } from './helpers/tollgate.js';

function until(condition: () => boolean, what: string, limitMs = 10_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (condition()) return resolve();
      if (Date.now() - started > limitMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(check, 5);
    };
    check();
  });
}

const chunk = (text: string) => JSON.stringify({ id: 'chatcmpl-x', object: 'chat.completion.chunk', created: 1, model: 'up', choices: [{ index: 0, delta: { content: text }, finish_reason: null }] });

/** Client going away and clients that stop reading, against a fake upstream that measures what it sees. */
describe('client disconnects and slow readers', () => {
  let upstream: FakeOpenAI;
  let tg: TestTollgate;
  let upstreamClosedAt = 0;

  beforeAll(async () => {
    upstream = await startFakeOpenAI();
    tg = await startTestTollgate({
      providers: { up: { kind: 'openai', base_url: upstream.baseUrl, api_key: 'upstream-key' } },
      models: [{ name: 'up-model', deployments: [{ provider: 'up', model: 'up' }] }],
    });
  });
  afterAll(async () => {
    await tg.stop();
    await upstream.close();
  });

  function send(body: object): { req: ClientRequest; response: Promise<IncomingMessage> } {
    const req = httpRequest(`${tg.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${tg.projectKey}`, 'content-type': 'application/json' } });
    const response = new Promise<IncomingMessage>((resolve, reject) => {
      req.on('response', resolve);
      req.on('error', reject);
    });
    req.end(JSON.stringify({ model: 'up-model', messages: [{ role: 'user', content: 'hi' }], ...body }));
    return { req, response };
  }

  for (const stream of [false, true]) {
    it(`aborts the upstream within 100 ms when the client disconnects (${stream ? 'streaming' : 'waiting for JSON'})`, async () => {
      upstreamClosedAt = 0;
      let received = 0;
      upstream.handle((_req, res) => {
        received++;
        res.on('close', () => (upstreamClosedAt = performance.now()));
        // Streams send a first chunk and then stall; JSON requests never answer.
        if (stream) {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write(`data: ${chunk('first')}\n\n`);
        }
      });
      const { req, response } = send({ stream });
      response.catch(() => {});
      await until(() => received === 1, 'the upstream request');
      if (stream) {
        const res = await response;
        await new Promise((resolve) => res.once('data', resolve));
      }
      const disconnectedAt = performance.now();
      req.destroy();
      await until(() => upstreamClosedAt > 0, 'the upstream to see the abort');
      // The one timing bound the product promises: a gone client frees its upstream at once.
      expect(upstreamClosedAt - disconnectedAt).toBeLessThan(100);
    });
  }

  it('does not buffer without bound for a client that stops reading', async () => {
    // Ordinary words: when the stream is cut, Tollgate counts the tokens of what it sent.
    const frame = `data: ${chunk('lorem ipsum dolor sit amet '.repeat(37))}\n\n`;
    const total = 128 * 1024 * 1024;
    let written = 0;
    let stalled = false;
    let closed = false;
    upstream.handle(async (_req, res) => {
      res.on('close', () => (closed = true));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      while (written < total && !closed) {
        written += frame.length;
        if (!res.write(frame)) {
          stalled = true;
          await new Promise<void>((resolve) => {
            const done = () => {
              res.off('drain', done).off('close', done);
              resolve();
            };
            res.on('drain', done).on('close', done);
          });
          stalled = false;
        }
      }
      res.end();
    });
    const { req, response } = send({ stream: true });
    const res = await response;
    res.pause(); // the client reads nothing more
    // Wait until the upstream is held back by Tollgate (back-pressure) and stays so.
    let lastWritten = -1;
    await until(() => {
      const steady = stalled && written === lastWritten;
      lastWritten = written;
      return steady;
    }, 'the upstream to be held back');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const heldAt = written;
    expect(stalled).toBe(true);
    // Only socket buffers and small stream buffers sit between the two: a few MB, not the 128 MB the upstream would send.
    expect(heldAt).toBeLessThan(32 * 1024 * 1024);
    req.destroy();
    await until(() => closed, 'the upstream to be closed');
    expect(written).toBeLessThan(total);
  });

  it('disconnects a client that keeps its connection open but stops reading, and meters what it was sent', async () => {
    const stalling = await startTestTollgate({
      server: { stream_stall_timeout_ms: 300 },
      providers: { up: { kind: 'openai', base_url: upstream.baseUrl, api_key: 'upstream-key' } },
      models: [{ name: 'up-model', deployments: [{ provider: 'up', model: 'up' }] }],
    });
    try {
      const frame = `data: ${chunk('lorem ipsum dolor sit amet '.repeat(37))}\n\n`;
      let closed = false;
      upstream.handle(async (_req, res) => {
        res.on('close', () => (closed = true));
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        // Endless: only Tollgate can end this stream.
        while (!closed) {
          if (!res.write(frame)) await new Promise((resolve) => res.once('drain', resolve).once('close', resolve));
        }
      });
      const req = httpRequest(`${stalling.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${stalling.projectKey}`, 'content-type': 'application/json', 'x-request-id': 'stalled-reader' } });
      const response = new Promise<IncomingMessage>((resolve, reject) => req.on('response', resolve).on('error', reject));
      req.end(JSON.stringify({ model: 'up-model', messages: [{ role: 'user', content: 'hi' }], stream: true }));
      const res = await response;
      res.pause(); // reads nothing, disconnects nothing
      await until(() => closed, 'Tollgate to abort the upstream of the stalled stream', 10_000);
      // Reading again, the client gets what was buffered and then a cut connection: no [DONE].
      let tail = '';
      let clientClosed = false;
      res.on('data', (part: Buffer) => (tail = (tail + part.toString()).slice(-1000)));
      res.on('error', () => {}).on('close', () => (clientClosed = true));
      res.resume();
      await until(() => clientClosed, 'the client to see its connection closed', 10_000);
      expect(res.complete).toBe(false);
      expect(tail).not.toContain('[DONE]');

      const db = stalling.services.store.db;
      let event;
      for (let i = 0; i < 200 && !event; i++) {
        await stalling.services.recorder.flush();
        event = await db.selectFrom('usage_events').selectAll().where('request_id', '=', 'stalled-reader').executeTakeFirst();
        if (!event) await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(event).toMatchObject({ status: 'aborted', http_status: 499n, error_code: 'client_closed', usage_estimated: 1n });
      // Counted from what was sent: at least one whole frame of ordinary words.
      expect(Number(event!.completion_tokens)).toBeGreaterThan(100);
    } finally {
      await stalling.stop();
    }
  });
});
