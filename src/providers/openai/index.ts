export { createOpenAIProvider, type OpenAIProviderOptions } from './provider.js';
export { mapUpstreamError, mapTransportError } from './errors.js';
