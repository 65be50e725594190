export * from './attribution.js';
export * from './chat.js';
export * from './embeddings.js';
export * from './completions.js';
export * from './responses-api.js';
export * from './responses.js';
export { parseRequest, issueToError, paramPath } from './format-issues.js';
