export { adminPlugin, managementRoutes, type AdminDeps } from './plugin.js';
export { publicRoutes } from './public-routes.js';
export { OPERATIONS, operationById } from './operations.js';
export type { Operation, OperationContext } from './operation.js';
export { openApiDocument } from './openapi.js';
