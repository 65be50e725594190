export { createSimulatorProvider, SIMULATOR_PROVIDER_ID, SIM_CHAT_MODEL, SIM_EMBED_MODEL } from './provider.js';
export { FAULT_HEADER, TTFT_HEADER, TOKEN_DELAY_HEADER } from './directives.js';
export { unitVector } from './embed.js';
