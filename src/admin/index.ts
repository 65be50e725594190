export { actorOf, adminPlugin, managementRoutes, type AdminDeps } from './plugin.js';
export { publicRoutes } from './public-routes.js';
export { OPERATIONS, operationById } from './operations.js';
export { runOperation, type Operation, type OperationContext } from './operation.js';
export { openApiDocument } from './openapi.js';
export { providerCredentialRoutes, type ProviderCredentialDeps } from './provider-credentials.js';
export { peopleAdminRoutes, type PeopleAdminDeps } from './people-routes.js';
export { operatorPlugin, OPERATOR_OPERATIONS, type OperatorOperation, type OperatorContext } from './operator.js';
