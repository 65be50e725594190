export type { Provider, CallContext, Deployment } from './types.js';
export { createProviderRegistry, providerKindAvailable, PROVIDER_FACTORIES, type ProviderRegistry, type ProviderFactoryOptions, type KeySource, type StoredKeySync } from './registry.js';
export { createCredentialStore, validApiKey, CredentialError, type CredentialStore, type StoredCredential } from './credentials.js';
export { SIMULATOR_PROVIDER_ID, SIM_CHAT_MODEL, SIM_EMBED_MODEL, FAULT_HEADER, TTFT_HEADER, TOKEN_DELAY_HEADER, unitVector } from './simulator/index.js';
export { withEnvProviders, PRESETS, type EnvProvidersResult } from './presets.js';
