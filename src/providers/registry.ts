import type { Clock } from '../common/clock.js';
import type { Config } from '../config/index.js';
import { createAnthropicProvider } from './anthropic/index.js';
import { createGeminiProvider } from './gemini/index.js';
import { createOpenAIProvider } from './openai/index.js';
import { createSimulatorProvider, SIMULATOR_PROVIDER_ID } from './simulator/index.js';
import type { Provider } from './types.js';

export interface ProviderRegistry {
  get(id: string): Provider | undefined;
  ids(): string[];
  close(): Promise<void>;
}

/** Builds every configured provider once, at boot. */
export function createProviderRegistry(config: Config, clock: Clock, env: Record<string, string | undefined> = process.env): ProviderRegistry {
  const providers = new Map<string, Provider>();
  if (config.simulator.enabled) providers.set(SIMULATOR_PROVIDER_ID, createSimulatorProvider(config.simulator, clock));
  for (const [id, providerConfig] of Object.entries(config.providers)) {
    const apiKey = providerConfig.api_key ?? (providerConfig.api_key_env ? env[providerConfig.api_key_env] : undefined);
    switch (providerConfig.kind) {
      case 'openai':
        providers.set(id, createOpenAIProvider({ id, config: providerConfig, apiKey }));
        break;
      case 'anthropic':
        providers.set(id, createAnthropicProvider({ id, config: providerConfig, apiKey, clock }));
        break;
      case 'gemini':
        providers.set(id, createGeminiProvider({ id, config: providerConfig, apiKey, clock }));
        break;
      default:
        throw new Error(`providers.${id}: kind '${providerConfig.kind}' is not available in this build.`);
    }
  }
  return {
    get: (id) => providers.get(id),
    ids: () => [...providers.keys()],
    close: async () => {
      await Promise.all([...providers.values()].map((p) => p.close?.()));
    },
  };
}
