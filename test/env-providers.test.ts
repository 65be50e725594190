import OpenAI from 'openai';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PRICES } from '../src/pricing/defaults.js';
import { PRESETS, providerKindAvailable } from '../src/providers/index.js';
import { chatCompletion, sendJson, startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { startTestTollgate } from './helpers/tollgate.js';

async function modelIds(url: string, key: string): Promise<string[]> {
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: key, maxRetries: 0 });
  const ids: string[] = [];
  for await (const model of client.models.list()) ids.push(model.id);
  return ids;
}

describe('providers from well-known environment keys', () => {
  let upstream: FakeOpenAI;
  beforeAll(async () => {
    upstream = await startFakeOpenAI((req, res) => {
      if (req.method === 'GET' && req.path === '/v1/models') return sendJson(res, 200, { object: 'list', data: [{ id: 'llama3.2', object: 'model' }, { id: 'nomic-embed-text', object: 'model' }] });
      sendJson(res, 200, chatCompletion(req.body.model, 'from the compatible server'));
    });
  });
  afterAll(() => upstream.close());

  it('every model the default price table knows is routable once its provider has a key', async () => {
    const env = Object.fromEntries(PRESETS.map((preset) => [preset.keyEnv, `sk-env-${preset.id}`]));
    const tg = await startTestTollgate({}, { env });
    try {
      const ids = await modelIds(tg.url, tg.projectKey);
      const priced = Object.keys(DEFAULT_PRICES);
      expect(priced).toContain('gpt-5.4-nano');
      const offered = new Set(PRESETS.filter((p) => providerKindAvailable(p.kind)).flatMap((p) => p.models.map((m) => m.name)));
      for (const model of priced.filter((m) => !m.startsWith('tollgate-sim'))) {
        expect(offered, `${model} has a price but no provider preset`).toContain(model);
        expect(ids).toContain(model);
      }
      const answer = await fetch(`${tg.url}/v1/models/gpt-5.4-nano`, { headers: { authorization: `Bearer ${tg.projectKey}` } });
      expect(await answer.json()).toMatchObject({ id: 'gpt-5.4-nano', object: 'model', owned_by: 'openai' });
    } finally {
      await tg.stop();
    }
  });

  it('warns at start about a provider whose key variable is unset, naming the variable, never a key', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const providers = { local: { kind: 'openai', base_url: upstream.baseUrl + '/v1', api_key_env: 'LOCAL_API_KEY' }, keyed: { kind: 'openai', base_url: upstream.baseUrl + '/v1', api_key_env: 'KEYED_API_KEY' } };
    const tg = await startTestTollgate({ providers }, { env: { KEYED_API_KEY: 'sk-keyed-secret' }, logger });
    try {
      const warnings = lines.map((l) => JSON.parse(l)).filter((l) => l.level === 40 && l.api_key_env);
      expect(warnings).toEqual([expect.objectContaining({ provider: 'local', api_key_env: 'LOCAL_API_KEY' })]);
      expect(warnings[0].msg).toContain('LOCAL_API_KEY is not set');
      expect(lines.join('\n')).not.toContain('sk-keyed-secret');
    } finally {
      await tg.stop();
    }
  });

  it('OPENAI_BASE_URL points the openai provider at a compatible server, whose models it lists', async () => {
    const tg = await startTestTollgate({}, { env: { OPENAI_API_KEY: 'sk-env-openai-key', OPENAI_BASE_URL: upstream.baseUrl } });
    try {
      const ids = await modelIds(tg.url, tg.projectKey);
      expect(ids).toEqual(expect.arrayContaining(['llama3.2', 'nomic-embed-text', 'tollgate-sim']));
      const client = new OpenAI({ baseURL: `${tg.url}/v1`, apiKey: tg.projectKey, maxRetries: 0 });
      const reply = await client.chat.completions.create({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] });
      expect(reply.choices[0]!.message.content).toBe('from the compatible server');
      const call = upstream.requests.find((r) => r.path === '/v1/chat/completions')!;
      expect(call.headers.authorization).toBe('Bearer sk-env-openai-key');
      expect(call.body.model).toBe('llama3.2');
      const embed = await client.embeddings.create({ model: 'llama3.2', input: 'x' }).catch((e) => e);
      expect(embed).toBeInstanceOf(OpenAI.BadRequestError);
    } finally {
      await tg.stop();
    }
  });

  it('OPENAI_API_KEY alone brings the current OpenAI models; DEEPSEEK_API_KEY the DeepSeek ones', async () => {
    const tg = await startTestTollgate({}, { env: { OPENAI_API_KEY: 'sk-a', DEEPSEEK_API_KEY: 'sk-b' } });
    try {
      const ids = await modelIds(tg.url, tg.projectKey);
      expect(ids).toEqual(expect.arrayContaining(['gpt-5', 'gpt-4.1-mini', 'gpt-4o', 'text-embedding-3-small', 'deepseek-chat', 'deepseek-reasoner']));
      const deepseek = tg.services.catalogue.resolve('deepseek-chat')!;
      expect(deepseek.deployments).toEqual([{ provider: 'deepseek', model: 'deepseek-chat', weight: 1 }]);
      expect(tg.services.providers.describe().find((p) => p.id === 'deepseek')).toMatchObject({ kind: 'openai', baseUrl: 'https://api.deepseek.com/v1', keySource: 'env' });
      // deepseek-chat has no json_schema: refused by name before anything is forwarded.
      const client = new OpenAI({ baseURL: `${tg.url}/v1`, apiKey: tg.projectKey, maxRetries: 0 });
      const err = await client.chat.completions
        .create({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} } } })
        .catch((e) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect(err.param).toBe('response_format');
    } finally {
      await tg.stop();
    }
  });

  it('configured providers and models win over the presets', async () => {
    const tg = await startTestTollgate(
      { providers: { openai: { kind: 'openai', base_url: upstream.baseUrl } }, models: [{ name: 'mine', deployments: [{ provider: 'openai', model: 'llama3.2' }] }] },
      { env: { OPENAI_API_KEY: 'sk-a' } },
    );
    try {
      const ids = await modelIds(tg.url, tg.projectKey);
      expect(ids).toContain('mine');
      expect(ids).not.toContain('gpt-5');
    } finally {
      await tg.stop();
    }
  });

  it('registers ANTHROPIC_API_KEY and GEMINI_API_KEY providers by kind', async () => {
    expect(providerKindAvailable('anthropic')).toBe(true);
    expect(providerKindAvailable('gemini')).toBe(true);
    const without = await startTestTollgate({}, { env: {} });
    try {
      const ids = await modelIds(without.url, without.projectKey);
      expect(ids).not.toContain('claude-sonnet-4-5');
      expect(ids).not.toContain('gemini-2.5-flash');
    } finally {
      await without.stop();
    }
    const tg = await startTestTollgate({}, { env: { ANTHROPIC_API_KEY: 'sk-ant', GEMINI_API_KEY: 'g-key' } });
    try {
      const ids = await modelIds(tg.url, tg.projectKey);
      expect(ids).toContain('claude-sonnet-4-5');
      expect(ids).toContain('gemini-2.5-flash');
    } finally {
      await tg.stop();
    }
  });
});
