import type { Clock } from '../common/clock.js';
import type { Config, ProviderConfig } from '../config/index.js';
import { createAnthropicProvider } from './anthropic/index.js';
import { createGeminiProvider } from './gemini/index.js';
import { createOpenAIProvider } from './openai/index.js';
import { createSimulatorProvider, SIMULATOR_PROVIDER_ID } from './simulator/index.js';
import { withSecretsRedacted } from './redact.js';
import type { Provider } from './types.js';

/** Where a provider's upstream key comes from: the store wins over config, config over the environment. */
export type KeySource = 'store' | 'config' | 'env' | 'none';

export interface ProviderRegistry {
  get(id: string): Provider | undefined;
  ids(): string[];
  /** The configured (not built-in) provider ids with their kind and key source. */
  describe(): { id: string; kind: string; baseUrl: string | null; keySource: KeySource }[];
  /** Rebuilds a provider with a new stored key (null: back to config/env); in-flight calls finish on the old one. */
  setStoredKey(id: string, apiKey: string | null): Promise<void>;
  /** Re-reads the stored keys and applies the ones that changed (set or cleared through another instance). */
  refreshStoredKeys(): Promise<void>;
  close(): Promise<void>;
}

/** Where stored keys are re-read from, and how often, so every instance follows a change made through one. */
export interface StoredKeySync {
  loadAll(): Promise<Map<string, string>>;
  intervalMs: number;
}

export interface ProviderFactoryOptions {
  id: string;
  config: ProviderConfig;
  apiKey?: string;
  clock: Clock;
}

/** Provider kinds by the `kind` string of config; a kind is available once its factory is listed here. */
export const PROVIDER_FACTORIES: Record<string, (options: ProviderFactoryOptions) => Provider> = {
  openai: createOpenAIProvider,
  anthropic: createAnthropicProvider,
  gemini: createGeminiProvider,
};

export function providerKindAvailable(kind: string): boolean {
  return Object.hasOwn(PROVIDER_FACTORIES, kind);
}

/** Builds every configured provider once, at boot. */
export function createProviderRegistry(
  config: Config,
  clock: Clock,
  env: Record<string, string | undefined> = process.env,
  storedKeys: ReadonlyMap<string, string> = new Map(),
  sync?: StoredKeySync,
): ProviderRegistry {
  const providers = new Map<string, Provider>();
  const stored = new Map(storedKeys);
  if (config.simulator.enabled) providers.set(SIMULATOR_PROVIDER_ID, createSimulatorProvider(config.simulator, clock));

  function keyOf(id: string, providerConfig: ProviderConfig): { apiKey?: string; source: KeySource } {
    if (stored.has(id)) return { apiKey: stored.get(id), source: 'store' };
    if (providerConfig.api_key) return { apiKey: providerConfig.api_key, source: 'config' };
    const fromEnv = providerConfig.api_key_env ? env[providerConfig.api_key_env] : undefined;
    return fromEnv ? { apiKey: fromEnv, source: 'env' } : { source: 'none' };
  }

  function build(id: string, providerConfig: ProviderConfig): Provider {
    const factory = PROVIDER_FACTORIES[providerConfig.kind];
    if (!factory) throw new Error(`providers.${id}: kind '${providerConfig.kind}' is not available in this build.`);
    const { apiKey } = keyOf(id, providerConfig);
    // The credential (a stored, config or env key, and header values such as x-api-key) never reaches a client or a log.
    const secrets = [apiKey ?? '', ...Object.values(providerConfig.headers ?? {})];
    return withSecretsRedacted(factory({ id, config: providerConfig, apiKey, clock }), secrets);
  }

  for (const [id, providerConfig] of Object.entries(config.providers)) providers.set(id, build(id, providerConfig));

  async function refreshStoredKeys(): Promise<void> {
    if (!sync) return;
    const latest = await sync.loadAll();
    for (const id of Object.keys(config.providers)) {
      const next = latest.get(id) ?? null;
      if (next !== (stored.get(id) ?? null)) await registry.setStoredKey(id, next);
    }
  }
  // A key that cannot be read now (store away, another secret) leaves the current keys in place.
  const timer = sync ? setInterval(() => void refreshStoredKeys().catch(() => {}), sync.intervalMs) : undefined;
  timer?.unref();

  const registry: ProviderRegistry = {
    get: (id) => providers.get(id),
    ids: () => [...providers.keys()],
    describe: () =>
      Object.entries(config.providers).map(([id, p]) => ({ id, kind: p.kind, baseUrl: p.base_url ?? null, keySource: keyOf(id, p).source })),
    async setStoredKey(id, apiKey) {
      const providerConfig = config.providers[id];
      if (!providerConfig) throw new Error(`no provider named '${id}' is configured`);
      if (apiKey === null) stored.delete(id);
      else stored.set(id, apiKey);
      const previous = providers.get(id);
      providers.set(id, build(id, providerConfig));
      // Not awaited: a closing pool waits for in-flight calls and streams, which keep the old key.
      void previous?.close?.().catch(() => {});
    },
    refreshStoredKeys,
    close: async () => {
      clearInterval(timer);
      await Promise.all([...providers.values()].map((p) => p.close?.()));
    },
  };
  return registry;
}
