export { createOpenAIProvider, type OpenAIProviderOptions } from './provider.js';
export { mapUpstreamError } from './errors.js';
