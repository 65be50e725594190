export { configSchema, type Config, type ModelConfig, type ProviderConfig, type SimulatorConfig, type RoutingConfig, type ModelCapability, type SsoProviderConfig } from './schema.js';
export { loadConfig, redactConfig, ConfigError, type LoadConfigOptions, type LoadedConfig } from './load.js';
export { configLeaves, envName, type ConfigLeaf } from './introspect.js';
