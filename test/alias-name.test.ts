import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatCompletion, sendJson, sendStream, startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { startTestTollgate, type TestTollgate } from './helpers/tollgate.js';

/** A response reports the model name the client asked for; the upstream's name goes in a header. */
describe('an alias keeps its name', () => {
  let up: FakeOpenAI;
  let tg: TestTollgate;

  beforeAll(async () => {
    up = await startFakeOpenAI((req, res) => {
      const dated = `${req.body.model}-2026-01-01`;
      if (req.path === '/v1/embeddings') {
        return sendJson(res, 200, { object: 'list', model: dated, data: [{ object: 'embedding', index: 0, embedding: [0.5, 0.25] }], usage: { prompt_tokens: 2, total_tokens: 2 } });
      }
      if (req.body.stream) {
        const chunk = (delta: object, finish: string | null) => ({ id: 'chatcmpl-s', object: 'chat.completion.chunk', created: 1_700_000_000, model: dated, choices: [{ index: 0, delta, finish_reason: finish }] });
        return sendStream(res, [chunk({ role: 'assistant', content: 'hi' }, null), chunk({}, 'stop'), { id: 'chatcmpl-s', object: 'chat.completion.chunk', created: 1_700_000_000, model: dated, choices: [], usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 } }]);
      }
      return sendJson(res, 200, chatCompletion(dated, 'hi'));
    });
    tg = await startTestTollgate({
      providers: { up: { kind: 'openai', base_url: up.baseUrl, api_key: 'upstream-key' } },
      models: [
        { name: 'smart', aliases: ['clever'], deployments: [{ provider: 'up', model: 'up-model' }] },
        { name: 'up-direct', deployments: [{ provider: 'up', model: 'up-direct' }] },
        { name: 'vectors', type: 'embeddings', deployments: [{ provider: 'up', model: 'up-embed' }] },
      ],
    });
  });
  afterAll(async () => {
    await tg.stop();
    await up.close();
  });

  const post = (path: string, body: object) =>
    fetch(`${tg.url}/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${tg.projectKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const chat = (model: string, extra: object = {}) => post('/chat/completions', { model, messages: [{ role: 'user', content: 'hello' }], ...extra });
  const streamedModels = async (res: Response) =>
    (await res.text())
      .split('\n')
      .filter((line) => line.startsWith('data: {'))
      .map((line) => JSON.parse(line.slice(6)))
      .filter((f) => f.model !== undefined || f.response?.model !== undefined)
      .map((f) => f.model ?? f.response.model);

  it('reports the public name and the alias asked for, with the upstream name in a header', async () => {
    for (const name of ['smart', 'clever']) {
      const res = await chat(name);
      expect(res.status).toBe(200);
      expect(((await res.json()) as any).model).toBe(name);
      expect(res.headers.get('x-tollgate-upstream-model')).toBe('up-model-2026-01-01');
      expect(res.headers.get('x-tollgate-deployment')).toBe('up/up-model');
    }
    expect(up.requests.at(-1)!.body.model).toBe('up-model');
  });

  it('reports the name asked for in every chunk of a stream', async () => {
    const res = await chat('clever', { stream: true, stream_options: { include_usage: true } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-tollgate-upstream-model')).toBe('up-model');
    expect(await streamedModels(res)).toEqual(['clever', 'clever', 'clever']);
  });

  it('keeps the upstream answer when the name asked for is the upstream model itself', async () => {
    const res = await chat('up-direct');
    expect(((await res.json()) as any).model).toBe('up-direct-2026-01-01');
    expect(res.headers.get('x-tollgate-upstream-model')).toBe('up-direct-2026-01-01');
  });

  it('keeps the name on legacy completions, responses and embeddings', async () => {
    const legacy = await post('/completions', { model: 'clever', prompt: 'hello', max_tokens: 5 });
    expect(((await legacy.json()) as any).model).toBe('clever');
    const legacyStream = await post('/completions', { model: 'smart', prompt: 'hello', max_tokens: 5, stream: true });
    expect(new Set(await streamedModels(legacyStream))).toEqual(new Set(['smart']));

    const response = await post('/responses', { model: 'clever', input: 'hello' });
    expect(((await response.json()) as any).model).toBe('clever');
    const responseStream = await post('/responses', { model: 'clever', input: 'hello', stream: true });
    const models = await streamedModels(responseStream);
    expect(models.length).toBeGreaterThan(1);
    expect(new Set(models)).toEqual(new Set(['clever']));

    const embedded = await post('/embeddings', { model: 'vectors', input: 'hello' });
    expect(embedded.status).toBe(200);
    expect(((await embedded.json()) as any).model).toBe('vectors');
    expect(embedded.headers.get('x-tollgate-upstream-model')).toBe('up-embed-2026-01-01');
  });
});
