import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';

/** A raw HTTP/1.1 exchange: what the bytes on the wire say, status, headers and body of each answer. */
interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function parseAnswers(text: string): RawAnswer[] {
  const answers: RawAnswer[] = [];
  let rest = text;
  while (rest.startsWith('HTTP/1.1')) {
    const headEnd = rest.indexOf('\r\n\r\n');
    const [statusLine, ...lines] = rest.slice(0, headEnd).split('\r\n');
    const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    let body: string;
    if (headers['content-length'] !== undefined) {
      body = rest.slice(headEnd + 4, headEnd + 4 + Number(headers['content-length']));
      rest = rest.slice(headEnd + 4 + body.length);
    } else {
      // chunked: join the chunks up to the zero-length one
      let at = headEnd + 4;
      body = '';
      for (;;) {
        const lineEnd = rest.indexOf('\r\n', at);
        const size = parseInt(rest.slice(at, lineEnd), 16);
        if (size === 0) {
          rest = rest.slice(lineEnd + 4);
          break;
        }
        body += rest.slice(lineEnd + 2, lineEnd + 2 + size);
        at = lineEnd + 2 + size + 2;
      }
    }
    answers.push({ status: Number(statusLine!.split(' ')[1]), headers, body });
  }
  return answers;
}

/** Writes `requests` on one connection (the later ones after `gapMs`, while the first is in flight) and reads until the server closes. */
function exchange(url: string, first: string, later: string[] = [], gapMs = 0, between?: () => void): Promise<RawAnswer[]> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(parseAnswers(text)));
    socket.write(first);
    if (later.length > 0)
      setTimeout(() => {
        between?.();
        setTimeout(() => socket.write(later.join('')), 50);
      }, gapMs);
  });
}

const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nhost: localhost\r\n${extra}\r\n`;

function expectOpenAIError(answer: RawAnswer, status: number, code: string | null): void {
  expect(answer.status).toBe(status);
  expect(answer.headers['x-request-id']).toMatch(/^req_[0-9a-f]{32}$/);
  const body = JSON.parse(answer.body);
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
}

describe('answers the framework makes, in OpenAI\'s shape with a request id', () => {
  let tg: TestTollgate;
  beforeAll(async () => {
    tg = await startTestTollgate();
  }, 60_000);
  afterAll(() => tg?.stop());

  it('answers a URL that is not valid percent-encoding with a 400 invalid_url', async () => {
    for (const path of ['/v1/models/%ff%fe', '/v1/models/%uD800', '/v1/organization/projects/%E0%A4%A']) {
      const res = await fetch(`${tg.url}${path}`, { headers: { authorization: `Bearer ${tg.adminKey}` } });
      const answer = { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
      expectOpenAIError(answer, 400, 'invalid_url');
    }
  });

  it('answers headers beyond the HTTP parser\'s limit with a 431', async () => {
    const [answer] = await exchange(tg.url, get('/v1/models', `x-big: ${'a'.repeat(20_000)}\r\n`));
    expectOpenAIError(answer!, 431, 'request_headers_too_large');
  });

  it('answers what is not HTTP with a 400', async () => {
    const [answer] = await exchange(tg.url, 'HELLO THERE\r\n\r\n');
    expectOpenAIError(answer!, 400, 'malformed_request');
  });
});

describe('a request arriving on a kept-alive connection once shutdown has begun', () => {
  it('gets a shaped 503 server_shutting_down with its request id, and /readyz says 503 at once', async () => {
    const tg = await startTestTollgate();
    const slow = `POST /v1/chat/completions HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer ${tg.projectKey}\r\ncontent-type: application/json\r\nx-tollgate-sim-ttft-ms: 4000\r\n`;
    const body = JSON.stringify({ model: 'tollgate-sim', messages: [{ role: 'user', content: 'echo: still here' }] });
    let closed: Promise<void> | undefined;
    const slowRequest = `${slow}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    // Two connections kept busy by a slow answer; shutdown begins, then each sends one more request.
    const [api, probe] = await Promise.all([
      exchange(tg.url, slowRequest, [get('/v1/models', `authorization: Bearer ${tg.projectKey}\r\n`)], 1000, () => {
        closed = tg.stop();
      }),
      exchange(tg.url, slowRequest, [get('/readyz')], 1000),
    ]);
    await closed;
    // The requests in flight when shutdown began finish...
    for (const answers of [api, probe]) {
      expect(answers).toHaveLength(2);
      expect(answers[0]!.status).toBe(200);
      expect(JSON.parse(answers[0]!.body).choices[0].message.content).toBe('still here');
    }
    // ...the next ones are refused: the API in OpenAI's shape, the readiness probe at once.
    expectOpenAIError(api[1]!, 503, 'server_shutting_down');
    expect(api[1]!.headers.connection).toBe('close');
    expect(probe[1]!.status).toBe(503);
    expect(probe[1]!.headers['x-request-id']).toMatch(/^req_/);
    expect(JSON.parse(probe[1]!.body)).toEqual({ status: 'unavailable', reason: 'shutting down' });
  }, 60_000);
});
