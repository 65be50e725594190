export { encodingForModel, getEncoding, type Encoding, type EncodingName } from './tokenizer.js';
export { chatPromptTokenBound, countChatPromptTokens, type CountableMessage } from './chat-tokens.js';
