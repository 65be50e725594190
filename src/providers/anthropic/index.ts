export { createAnthropicProvider, ANTHROPIC_VERSION, type AnthropicProviderOptions } from './provider.js';
export { toAnthropicRequest, type AnthropicPlan } from './request.js';
export { toChatCompletion } from './response.js';
export { createStreamTranslator } from './stream.js';
export { mapAnthropicError } from './errors.js';
export { messageSchema, streamEventSchema } from './wire-types.js';
