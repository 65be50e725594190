export { createCatalogue, defaultCapabilities, pickDeployment, weightedOrder, CatalogueError, type Catalogue, type CatalogueModel, type ModelType } from './catalogue.js';
export { createRouter, deploymentKey, type Router, type RouteOptions, type Routed, type RouteCall } from './router.js';
export { decideRetry, isRetryable, retryAfterMs, backoffMs, type RetryAction, type AttemptState } from './retry-policy.js';
export { CircuitBreakers, type CircuitState } from './circuit-breaker.js';
