export { createGateway, type Gateway, type GatewayOptions, STANDALONE_SQLITE_PATH } from './gateway.js';
export { createSwitchyard, type MountOptions, type Switchyard, type SwitchyardOptions } from './switchyard.js';
export { ConfigError, loadConfig, type LoadConfigOptions, type LoadedConfig, validateConfig } from './config/load.js';
export { type GatewayConfig, gatewayConfigSchema, gatewaySchema, validateModelMapping } from './config/schema.js';
export { DEFAULT_CONFIG } from './config/default-config.js';
export { renderModelList, type ServedModel, servedModels } from './models.js';
export type { Stack } from './stack.js';
export type { Storage } from './storage.js';
export { adminGuard, adminRoutes, type AdminRoutesOptions } from './admin.js';
