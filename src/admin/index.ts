export { adminPlugin, type AdminDeps } from './plugin.js';
export { providerCredentialRoutes, type ProviderCredentialDeps } from './provider-credentials.js';
