import { request } from 'undici';
import type { Config, ModelConfig, ModelCapability, ProviderConfig } from '../config/index.js';
import { providerKindAvailable } from './registry.js';

/**
 * Zero-config providers: when a well-known key is in the environment
 * (OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY, DEEPSEEK_API_KEY), that
 * provider and its current models join the catalogue. Configured providers
 * and models always win: a preset never replaces an id or a name that config
 * already uses. The key itself stays in the environment (`api_key_env`), so
 * it never shows in `config print`. Every model the default price table knows
 * is in its provider's preset (a test holds them together), so a priced model
 * is routable as soon as its provider's key is set.
 */
interface PresetModel {
  name: string;
  type?: 'chat' | 'embeddings';
  context: number;
  maxOutput?: number;
  capabilities: ModelCapability[];
}

interface Preset {
  id: string;
  kind: ProviderConfig['kind'];
  keyEnv: string;
  baseUrl?: string;
  ownedBy: string;
  models: PresetModel[];
}

const FULL: ModelCapability[] = ['chat', 'tools', 'vision', 'json_schema'];
const EMBED: ModelCapability[] = ['embeddings'];

export const PRESETS: Preset[] = [
  {
    id: 'openai',
    kind: 'openai',
    keyEnv: 'OPENAI_API_KEY',
    ownedBy: 'openai',
    models: [
      { name: 'gpt-5.4', context: 1_050_000, maxOutput: 128_000, capabilities: FULL },
      { name: 'gpt-5.4-mini', context: 400_000, maxOutput: 128_000, capabilities: FULL },
      { name: 'gpt-5.4-nano', context: 400_000, maxOutput: 128_000, capabilities: FULL },
      { name: 'gpt-5', context: 400_000, maxOutput: 128_000, capabilities: FULL },
      { name: 'gpt-5-mini', context: 400_000, maxOutput: 128_000, capabilities: FULL },
      { name: 'gpt-5-nano', context: 400_000, maxOutput: 128_000, capabilities: FULL },
      { name: 'gpt-4.1', context: 1_047_576, maxOutput: 32_768, capabilities: FULL },
      { name: 'gpt-4.1-mini', context: 1_047_576, maxOutput: 32_768, capabilities: FULL },
      { name: 'gpt-4.1-nano', context: 1_047_576, maxOutput: 32_768, capabilities: FULL },
      { name: 'gpt-4o', context: 128_000, maxOutput: 16_384, capabilities: FULL },
      { name: 'gpt-4o-mini', context: 128_000, maxOutput: 16_384, capabilities: FULL },
      { name: 'o3', context: 200_000, maxOutput: 100_000, capabilities: FULL },
      { name: 'o4-mini', context: 200_000, maxOutput: 100_000, capabilities: FULL },
      { name: 'o3-mini', context: 200_000, maxOutput: 100_000, capabilities: ['chat', 'tools', 'json_schema'] },
      { name: 'text-embedding-3-small', type: 'embeddings', context: 8_191, capabilities: EMBED },
      { name: 'text-embedding-3-large', type: 'embeddings', context: 8_191, capabilities: EMBED },
    ],
  },
  {
    id: 'anthropic',
    kind: 'anthropic',
    keyEnv: 'ANTHROPIC_API_KEY',
    ownedBy: 'anthropic',
    models: [
      { name: 'claude-opus-4-5', context: 200_000, maxOutput: 64_000, capabilities: FULL },
      { name: 'claude-opus-4-1', context: 200_000, maxOutput: 32_000, capabilities: FULL },
      { name: 'claude-sonnet-4-5', context: 200_000, maxOutput: 64_000, capabilities: FULL },
      { name: 'claude-haiku-4-5', context: 200_000, maxOutput: 64_000, capabilities: FULL },
    ],
  },
  {
    id: 'gemini',
    kind: 'gemini',
    keyEnv: 'GEMINI_API_KEY',
    ownedBy: 'google',
    models: [
      { name: 'gemini-2.5-pro', context: 1_048_576, maxOutput: 65_536, capabilities: FULL },
      { name: 'gemini-2.5-flash', context: 1_048_576, maxOutput: 65_536, capabilities: FULL },
      { name: 'gemini-2.5-flash-lite', context: 1_048_576, maxOutput: 65_536, capabilities: FULL },
    ],
  },
  {
    id: 'deepseek',
    kind: 'openai',
    keyEnv: 'DEEPSEEK_API_KEY',
    baseUrl: 'https://api.deepseek.com/v1',
    ownedBy: 'deepseek',
    models: [
      { name: 'deepseek-chat', context: 128_000, maxOutput: 8_192, capabilities: ['chat', 'tools'] },
      { name: 'deepseek-reasoner', context: 128_000, maxOutput: 65_536, capabilities: ['chat', 'tools'] },
    ],
  },
];

export interface EnvProvidersResult {
  config: Config;
  /** Provider ids added from the environment. */
  added: string[];
  /** Presets whose key is set but whose provider kind this build does not have yet. */
  skipped: string[];
}

/** Models an OpenAI-compatible server lists at GET /models (Ollama, vLLM, llama.cpp ...); null when it cannot be asked. */
async function discoverModels(baseUrl: string, apiKey: string | undefined): Promise<string[] | null> {
  try {
    const response = await request(`${baseUrl.replace(/\/+$/, '')}/models`, {
      headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
      headersTimeout: 5_000,
      bodyTimeout: 5_000,
    });
    if (response.statusCode !== 200) {
      await response.body.dump();
      return null;
    }
    const body = (await response.body.json()) as { data?: { id?: unknown }[] };
    const ids = (body.data ?? []).map((m) => m.id).filter((id): id is string => typeof id === 'string' && id.length > 0);
    return ids.length > 0 ? ids : null;
  } catch {
    return null;
  }
}

function presetModels(preset: Preset): ModelConfig[] {
  return preset.models.map((m) => ({
    name: m.name,
    aliases: [],
    type: m.type ?? 'chat',
    deployments: [{ provider: preset.id, model: m.name, weight: 1 }],
    fallbacks: [],
    context_window: m.context,
    max_output_tokens: m.maxOutput,
    owned_by: preset.ownedBy,
    capabilities: m.capabilities,
  }));
}

/** Embedding models of an unknown server are told apart by name, the only hint /models gives. */
function discoveredModels(id: string, names: string[]): ModelConfig[] {
  return names.map((name) => {
    const embeddings = /embed/i.test(name);
    return {
      name,
      aliases: [],
      type: embeddings ? ('embeddings' as const) : ('chat' as const),
      deployments: [{ provider: id, model: name, weight: 1 }],
      fallbacks: [],
      owned_by: id,
      capabilities: embeddings ? EMBED : FULL,
    };
  });
}

export class PresetError extends Error {
  override readonly name = 'ConfigError';
}

function checkedUrl(value: string): string {
  if (!/^https?:\/\/[^\s]+$/.test(value)) throw new PresetError(`Invalid configuration: OPENAI_BASE_URL must be an http(s) URL; got ${JSON.stringify(value.slice(0, 60))}.`);
  return value;
}

/**
 * Adds the providers whose keys are in the environment. OPENAI_BASE_URL points
 * the openai preset at any compatible server (as the openai SDK reads it);
 * its models are then the ones that server lists.
 */
export async function withEnvProviders(config: Config, env: Record<string, string | undefined>): Promise<EnvProvidersResult> {
  const providers: Record<string, ProviderConfig> = { ...config.providers };
  const models: ModelConfig[] = [...config.models];
  const taken = new Set(models.flatMap((m) => [m.name, ...m.aliases]));
  const added: string[] = [];
  const skipped: string[] = [];
  for (const preset of PRESETS) {
    const key = env[preset.keyEnv];
    const customBase = preset.id === 'openai' && env.OPENAI_BASE_URL ? checkedUrl(env.OPENAI_BASE_URL) : undefined;
    if (!key && !customBase) continue;
    if (providers[preset.id]) continue;
    if (!providerKindAvailable(preset.kind)) {
      skipped.push(preset.id);
      continue;
    }
    const baseUrl = customBase ?? preset.baseUrl;
    providers[preset.id] = { kind: preset.kind, ...(baseUrl ? { base_url: baseUrl } : {}), ...(key ? { api_key_env: preset.keyEnv } : {}), timeout_ms: 600_000, headers: {} };
    const discovered = customBase ? await discoverModels(customBase, key) : null;
    const candidates = discovered ? discoveredModels(preset.id, discovered) : presetModels(preset);
    for (const model of candidates) {
      if (taken.has(model.name)) continue;
      taken.add(model.name);
      models.push(model);
    }
    added.push(preset.id);
  }
  if (added.length === 0) return { config, added, skipped };
  return { config: Object.freeze({ ...config, providers: Object.freeze(providers), models: Object.freeze(models) }) as Config, added, skipped };
}
