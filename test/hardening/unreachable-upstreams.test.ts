import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../helpers/admin.js';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';

/** An unreachable upstream once said only "Could not reach the upstream provider local." for every cause. */
describe('an upstream that cannot be reached says why', () => {
  let plain: FakeOpenAI;
  let tg: TestTollgate;
  const logLines: string[] = [];
  beforeAll(async () => {
    plain = await startFakeOpenAI();
    const logs = new Writable({
      write(chunk, _enc, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    tg = await startTestTollgate(
      {
        providers: {
          refused: { kind: 'openai', base_url: 'http://127.0.0.1:1/v1', api_key: 'k-refused-0000' },
          unknown_host: { kind: 'openai', base_url: 'http://tollgate-no-such-host.invalid/v1', api_key: 'k-unknown-0000' },
          // TLS spoken to a server that only speaks plain HTTP.
          tls: { kind: 'openai', base_url: `${plain.url.replace('http:', 'https:')}/v1`, api_key: 'k-tls-0000' },
        },
        models: ['refused', 'unknown_host', 'tls'].map((p) => ({ name: `via-${p}`, deployments: [{ provider: p, model: 'm' }] })),
        routing: { retries_per_deployment: 0, circuit_failure_threshold: 1000 },
      },
      { logger: pino({ level: 'info' }, logs) },
    );
  }, 60_000);
  afterAll(async () => {
    await tg?.stop();
    await plain?.close();
  });

  it('names the cause, answers 502 upstream_error, and logs the origin', async () => {
    const call = client(tg.url, tg.projectKey);
    const expected: [string, RegExp][] = [
      ['refused', /^Could not reach the upstream provider refused: the connection was refused \(nothing listens at its address\)\.$/],
      ['unknown_host', /^Could not reach the upstream provider unknown_host: its host name was not found \(DNS\)\.$/],
      ['tls', /^Could not reach the upstream provider tls: the TLS handshake failed \([A-Z_]+\)\.$/],
    ];
    for (const [provider, message] of expected) {
      const res = await call('POST', '/v1/chat/completions', { model: `via-${provider}`, messages: [{ role: 'user', content: 'hi' }] });
      expect({ provider, status: res.status, type: res.body.error.type, code: res.body.error.code }).toEqual({ provider, status: 502, type: 'server_error', code: 'upstream_error' });
      expect(res.body.error.message).toMatch(message);
    }
    const log = logLines.join('');
    expect(log).toContain('"origin":"http://127.0.0.1:1"');
    expect(log).toContain('"origin":"http://tollgate-no-such-host.invalid"');
    expect(log).not.toContain('k-refused-0000');
  });
});
