export { resolveServerSecret, secretFromString, type ServerSecret, type ResolvedSecret } from './server-secret.js';
