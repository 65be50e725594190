export { createGeminiProvider, newCallId, type GeminiProviderOptions } from './provider.js';
export { toGeminiRequest } from './request.js';
export { toChatCompletion } from './response.js';
export { createStreamTranslator } from './stream.js';
export { mapGeminiError } from './errors.js';
export { toBatchEmbedRequest, toEmbeddingsResult } from './embeddings.js';
export { REPLAYED_CALL_SIGNATURE } from './messages.js';
export { generateResponseSchema } from './wire-types.js';
