import type { Config, ModelCapability } from '../config/index.js';
import type { Deployment, ProviderRegistry } from '../providers/index.js';
import { SIM_CHAT_MODEL, SIM_EMBED_MODEL, SIMULATOR_PROVIDER_ID } from '../providers/index.js';

export type ModelType = 'chat' | 'embeddings';

export interface CatalogueModel {
  name: string;
  aliases: string[];
  type: ModelType;
  deployments: Deployment[];
  fallbacks: string[];
  contextWindow?: number;
  maxOutputTokens?: number;
  ownedBy: string;
  capabilities: ModelCapability[];
  /** Unix seconds, for /v1/models. */
  created: number;
}

export interface Catalogue {
  /** The model for a public name or alias. */
  resolve(name: string): CatalogueModel | undefined;
  list(): CatalogueModel[];
}

export class CatalogueError extends Error {
  override readonly name = 'CatalogueError';
}

/** Public models from config, plus the simulator's built-in ones when it is enabled. */
export function createCatalogue(config: Config, providers: ProviderRegistry, bootTime: number): Catalogue {
  const models: CatalogueModel[] = [];
  const created = Math.floor(bootTime / 1000);
  config.models.forEach((m, i) => {
    m.deployments.forEach((d, j) => {
      if (!providers.get(d.provider)) {
        throw new CatalogueError(`models[${i}].deployments[${j}].provider: no provider named '${d.provider}' is configured.`);
      }
    });
    models.push({
      name: m.name,
      aliases: m.aliases,
      type: m.type,
      deployments: m.deployments.map((d) => ({ provider: d.provider, model: d.model, weight: d.weight })),
      fallbacks: m.fallbacks,
      contextWindow: m.context_window,
      maxOutputTokens: m.max_output_tokens,
      ownedBy: m.owned_by,
      capabilities: m.capabilities ?? defaultCapabilities(m.type),
      created,
    });
  });
  if (config.simulator.enabled) {
    const builtIns: [string, ModelType][] = [
      [SIM_CHAT_MODEL, 'chat'],
      [SIM_EMBED_MODEL, 'embeddings'],
    ];
    for (const [name, type] of builtIns) {
      if (models.some((m) => m.name === name)) continue;
      models.push({ name, aliases: [], type, deployments: [{ provider: SIMULATOR_PROVIDER_ID, model: name, weight: 1 }], fallbacks: [], contextWindow: 128_000, maxOutputTokens: 16_384, ownedBy: 'tollgate', capabilities: defaultCapabilities(type), created });
    }
  }

  const byName = new Map<string, CatalogueModel>();
  for (const model of models) {
    for (const name of [model.name, ...model.aliases]) {
      if (byName.has(name)) throw new CatalogueError(`models: the name or alias '${name}' is used twice.`);
      byName.set(name, model);
    }
  }
  for (const model of models) {
    for (const fallback of model.fallbacks) {
      const target = byName.get(fallback);
      if (!target) throw new CatalogueError(`models: '${model.name}' falls back to unknown model '${fallback}'.`);
      if (target.type !== model.type) throw new CatalogueError(`models: '${model.name}' (${model.type}) cannot fall back to '${fallback}' (${target.type}).`);
    }
  }
  return { resolve: (name) => byName.get(name), list: () => models };
}

export function defaultCapabilities(type: ModelType): ModelCapability[] {
  return type === 'embeddings' ? ['embeddings'] : ['chat', 'tools', 'vision', 'json_schema'];
}

/** Weighted random choice among a model's deployments. */
export function pickDeployment(deployments: readonly Deployment[], random: () => number = Math.random): Deployment {
  if (deployments.length === 1) return deployments[0]!;
  const total = deployments.reduce((sum, d) => sum + d.weight, 0);
  let point = random() * total;
  for (const d of deployments) {
    point -= d.weight;
    if (point < 0) return d;
  }
  return deployments[deployments.length - 1]!;
}

/** The deployments in a weighted random order: each position drawn by weight from those not yet placed. */
export function weightedOrder(deployments: readonly Deployment[], random: () => number = Math.random): Deployment[] {
  const left = [...deployments];
  const out: Deployment[] = [];
  while (left.length > 0) {
    const chosen = pickDeployment(left, random);
    out.push(chosen);
    left.splice(left.indexOf(chosen), 1);
  }
  return out;
}
