export type { Provider, CallContext, Deployment } from './types.js';
export { createProviderRegistry, type ProviderRegistry } from './registry.js';
export { SIMULATOR_PROVIDER_ID, SIM_CHAT_MODEL, SIM_EMBED_MODEL, FAULT_HEADER, TTFT_HEADER, TOKEN_DELAY_HEADER, unitVector } from './simulator/index.js';
