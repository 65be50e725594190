export { gatewayPlugin } from './routes.js';
export type { GatewayDeps } from './deps.js';
export { openAdmission, type Admission, type AdmitInput, type CallOutcome, type Ticket } from './admission.js';
export { ENDPOINT_SCOPES, ROUTE_ENDPOINTS, PUBLIC_ROUTES, isOutsideScopeTable, authorize, authorizeRoute, endpointOfRoute, type Endpoint } from './scopes.js';
export { presentedKey, authenticate, checkSelectors, type AuthDeps } from './auth.js';
