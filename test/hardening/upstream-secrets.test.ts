import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, type Call } from '../helpers/admin.js';
import { sendJson, sendStream, startFakeOpenAI, type FakeOpenAI, type FakeRequest } from '../helpers/fake-openai.js';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';

/**
 * An upstream that quotes the credential it received in its error text (some
 * echo the Authorization header) once made Tollgate hand that secret to the
 * client. Each provider family, each key source, each way an upstream error
 * is passed on: the credential never reaches the client or the log.
 */
const CONFIG_KEY = 'sk-proj-CONFIGSECRET0123456789abcdef';
const ENV_KEY = 'env-upstream-secret-0123456789';
const STORED_KEY = 'stored-upstream-secret-0123456789';
const ANTHROPIC_KEY = 'sk-ant-api03-ANTHROPICSECRET0123456789';
const GEMINI_KEY = 'AIzaSyGEMINISECRET0123456789abcdefghijk';
const HEADER_SECRET = 'custom-header-secret-0123456789';
const STRANGER = 'sk-live-SOMEONEELSESKEY0123456789abcdef';
const SECRETS = [CONFIG_KEY, ENV_KEY, STORED_KEY, ANTHROPIC_KEY, GEMINI_KEY, HEADER_SECRET, STRANGER];

/** Everything the upstream received that could be a credential, quoted back. */
function quoted(req: FakeRequest): string {
  const h = req.headers;
  return `authorization=${h.authorization ?? ''} x-api-key=${h['x-api-key'] ?? ''} x-goog-api-key=${h['x-goog-api-key'] ?? ''} x-custom=${h['x-custom'] ?? ''} also ${STRANGER}`;
}

describe('upstream error text never carries an upstream credential', () => {
  let upstream: FakeOpenAI;
  let tg: TestTollgate;
  let call: Call;
  const logLines: string[] = [];
  /** What the upstream answers next: the status, or 'stream' for an error in the middle of a stream. */
  let mode: number | 'stream' = 400;

  beforeAll(async () => {
    upstream = await startFakeOpenAI((req, res) => {
      const text = `Invalid request, you sent ${quoted(req)}`;
      if (mode === 'stream') {
        return sendStream(res, [{ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: null }] }, { error: { message: text } }], false);
      }
      if (req.path.includes('/messages')) return sendJson(res, mode as number, { type: 'error', error: { type: mode === 400 ? 'invalid_request_error' : 'api_error', message: text } });
      if (req.path.includes(':generateContent')) return sendJson(res, mode as number, { error: { code: mode, message: text, status: mode === 400 ? 'INVALID_ARGUMENT' : 'INTERNAL' } });
      sendJson(res, mode as number, { error: { message: text, type: 'invalid_request_error', param: null, code: null } });
    });
    const logs = new Writable({
      write(chunk, _enc, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    tg = await startTestTollgate(
      {
        providers: {
          config_key: { kind: 'openai', base_url: upstream.baseUrl, api_key: CONFIG_KEY, headers: { 'x-custom': HEADER_SECRET } },
          env_key: { kind: 'openai', base_url: upstream.baseUrl, api_key_env: 'UPSTREAM_KEY_FOR_TEST' },
          stored_key: { kind: 'openai', base_url: upstream.baseUrl },
          claude: { kind: 'anthropic', base_url: `${upstream.url}/v1`, api_key: ANTHROPIC_KEY },
          google: { kind: 'gemini', base_url: `${upstream.url}/v1beta`, api_key: GEMINI_KEY },
        },
        models: ['config_key', 'env_key', 'stored_key', 'claude', 'google'].map((p) => ({ name: `via-${p}`, deployments: [{ provider: p, model: 'upstream-model' }] })),
        routing: { retries_per_deployment: 0, circuit_failure_threshold: 1000 },
      },
      { env: { UPSTREAM_KEY_FOR_TEST: ENV_KEY }, logger: pino({ level: 'debug' }, logs) },
    );
    call = client(tg.url, tg.projectKey);
    const stored = await client(tg.url, tg.adminKey)('PUT', '/v1/organization/providers/stored_key/key', { api_key: STORED_KEY });
    expect(stored.status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await tg?.stop();
    await upstream?.close();
  });

  const ask = (model: string, stream = false) => call('POST', '/v1/chat/completions', { model, stream, messages: [{ role: 'user', content: 'hi' }] });

  function expectClean(text: string): void {
    for (const secret of SECRETS) expect(text).not.toContain(secret);
  }

  for (const status of [400, 500]) {
    it(`redacts the key from an upstream ${status} of every family and key source`, async () => {
      mode = status;
      for (const provider of ['config_key', 'env_key', 'stored_key', 'claude', 'google']) {
        const res = await ask(`via-${provider}`);
        expect({ provider, status: res.status }).toEqual({ provider, status });
        const message: string = res.body.error.message;
        // The upstream's own words are still passed on, the secrets are not.
        expect(message).toContain('Invalid request, you sent');
        expect(message).toContain('[redacted]');
        expectClean(JSON.stringify(res.body));
      }
      // The upstream did receive each credential (so the test would see a leak).
      const received = upstream.requests.map((r) => quoted(r)).join(' ');
      for (const secret of [CONFIG_KEY, ENV_KEY, STORED_KEY, ANTHROPIC_KEY, GEMINI_KEY, HEADER_SECRET]) expect(received).toContain(secret);
    });
  }

  it('redacts the key from an error event in the middle of a stream', async () => {
    mode = 'stream';
    const res = await ask('via-config_key', true);
    expect(res.status).toBe(200);
    expect(String(res.body)).toContain('Invalid request, you sent authorization=Bearer [redacted]');
    expectClean(String(res.body));
  });

  it('never writes a credential to the log', () => {
    expect(logLines.length).toBeGreaterThan(0);
    expectClean(logLines.join(''));
  });
});
