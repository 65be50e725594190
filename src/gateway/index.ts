export { gatewayPlugin } from './routes.js';
export type { GatewayDeps } from './deps.js';
export { openAdmission, type Admission, type AdmitInput, type CallOutcome, type Ticket } from './admission.js';
export { ENDPOINT_SCOPES, authorize, type Endpoint } from './scopes.js';
export { presentedKey, authenticate } from './auth.js';
