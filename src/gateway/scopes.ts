import { TollgateError } from '../common/errors.js';
import { grantsScope, type KeyPrincipal } from '../control/index.js';

/**
 * The one endpoint-to-scope table, for the inference API and the admin API.
 * Scope names follow OpenAI's (`model.request`, `model.read`,
 * `api.responses.write`); `control/permissions.ts` says which permission
 * levels grant which scope. A key lacking any listed scope gets a 403 naming
 * every missing one.
 */
export const ENDPOINT_SCOPES = {
  'chat.completions': { api: 'inference', scopes: ['model.request', 'api.chat.completions.write'] },
  completions: { api: 'inference', scopes: ['model.request', 'api.completions.write'] },
  embeddings: { api: 'inference', scopes: ['model.request', 'api.embeddings.write'] },
  responses: { api: 'inference', scopes: ['api.responses.write', 'model.request'] },
  'responses.read': { api: 'inference', scopes: ['api.responses.read'] },
  'models.read': { api: 'inference', scopes: ['model.read'] },
  // Public price list and cost estimates: any valid key of any kind, no scope.
  pricing: { api: 'any', scopes: [] },
  // A key's own standing (budgets left, balance, tier, limits): any valid key, about itself only.
  'key.read': { api: 'any', scopes: [] },
  'projects.read': { api: 'admin', scopes: ['api.organization.projects.read'] },
  'projects.write': { api: 'admin', scopes: ['api.organization.projects.write'] },
  'api_keys.read': { api: 'admin', scopes: ['api.organization.api_keys.read'] },
  'api_keys.write': { api: 'admin', scopes: ['api.organization.api_keys.write'] },
  'admin_api_keys.read': { api: 'admin', scopes: ['api.organization.admin_api_keys.read'] },
  'admin_api_keys.write': { api: 'admin', scopes: ['api.organization.admin_api_keys.write'] },
  'audit_logs.read': { api: 'admin', scopes: ['api.organization.audit_logs.read'] },
  'usage.read': { api: 'admin', scopes: ['api.usage.read'] },
  'rate_limits.read': { api: 'admin', scopes: ['api.organization.rate_limits.read'] },
  'rate_limits.write': { api: 'admin', scopes: ['api.organization.rate_limits.write'] },
  'billing.read': { api: 'admin', scopes: ['api.organization.billing.read'] },
  'billing.write': { api: 'admin', scopes: ['api.organization.billing.write'] },
  // Operator only (`operator: true`): an organization cannot grant itself credit, raise its own tier
  // or change the upstream keys that serve everyone; only the operator's session or keys may.
  'billing.operator': { api: 'admin', scopes: ['api.organization.billing.write'], operator: true },
  'providers.read': { api: 'admin', scopes: ['api.organization.providers.read'], operator: true },
  'providers.write': { api: 'admin', scopes: ['api.organization.providers.write'], operator: true },
  'users.read': { api: 'admin', scopes: ['api.organization.users.read'] },
  'users.write': { api: 'admin', scopes: ['api.organization.users.write'] },
  'invites.read': { api: 'admin', scopes: ['api.organization.invites.read'] },
  'invites.write': { api: 'admin', scopes: ['api.organization.invites.write'] },
  'project_users.read': { api: 'admin', scopes: ['api.organization.projects.users.read'] },
  'project_users.write': { api: 'admin', scopes: ['api.organization.projects.users.write'] },
} as const satisfies Record<string, { api: 'inference' | 'admin' | 'any'; scopes: readonly string[]; operator?: boolean }>;

export type Endpoint = keyof typeof ENDPOINT_SCOPES;

const P = '/v1/organization/projects/:project_id';

/** Every authenticated route (`METHOD path` as registered) and the endpoint it counts as. */
export const ROUTE_ENDPOINTS: Record<string, Endpoint> = {
  'POST /v1/chat/completions': 'chat.completions',
  'POST /v1/completions': 'completions',
  'POST /v1/embeddings': 'embeddings',
  'POST /v1/responses': 'responses',
  'GET /v1/responses/:response_id': 'responses.read',
  'GET /v1/models': 'models.read',
  'GET /v1/models/:model': 'models.read',
  'GET /v1/pricing': 'pricing',
  'POST /v1/pricing/estimate': 'pricing',
  'GET /v1/key': 'key.read',
  'GET /v1/organization/projects': 'projects.read',
  'POST /v1/organization/projects': 'projects.write',
  [`GET ${P}`]: 'projects.read',
  [`POST ${P}`]: 'projects.write',
  [`POST ${P}/archive`]: 'projects.write',
  [`GET ${P}/api_keys`]: 'api_keys.read',
  [`POST ${P}/api_keys`]: 'api_keys.write',
  [`GET ${P}/api_keys/:key_id`]: 'api_keys.read',
  [`POST ${P}/api_keys/:key_id`]: 'api_keys.write',
  [`DELETE ${P}/api_keys/:key_id`]: 'api_keys.write',
  [`POST ${P}/api_keys/:key_id/rotate`]: 'api_keys.write',
  [`GET ${P}/model_permissions`]: 'projects.read',
  [`POST ${P}/model_permissions`]: 'projects.write',
  [`DELETE ${P}/model_permissions`]: 'projects.write',
  [`GET ${P}/api_keys/:key_id/model_permissions`]: 'api_keys.read',
  [`POST ${P}/api_keys/:key_id/model_permissions`]: 'api_keys.write',
  [`DELETE ${P}/api_keys/:key_id/model_permissions`]: 'api_keys.write',
  [`GET ${P}/service_accounts`]: 'api_keys.read',
  [`POST ${P}/service_accounts`]: 'api_keys.write',
  [`GET ${P}/service_accounts/:service_account_id`]: 'api_keys.read',
  [`DELETE ${P}/service_accounts/:service_account_id`]: 'api_keys.write',
  'GET /v1/organization/admin_api_keys': 'admin_api_keys.read',
  'POST /v1/organization/admin_api_keys': 'admin_api_keys.write',
  'GET /v1/organization/admin_api_keys/:key_id': 'admin_api_keys.read',
  'DELETE /v1/organization/admin_api_keys/:key_id': 'admin_api_keys.write',
  'GET /v1/organization/audit_logs': 'audit_logs.read',
  // Usage and costs (metering), OpenAI's paths.
  'GET /v1/organization/usage/completions': 'usage.read',
  'GET /v1/organization/usage/embeddings': 'usage.read',
  'GET /v1/organization/costs': 'usage.read',
  'GET /v1/organization/usage/requests': 'usage.read',
  // Limits and billing.
  'GET /v1/organization/projects/:projectId/rate_limits': 'rate_limits.read',
  'GET /v1/organization/projects/:projectId/rate_limits/:rateLimitId': 'rate_limits.read',
  'POST /v1/organization/projects/:projectId/rate_limits/:rateLimitId': 'rate_limits.write',
  'GET /v1/organization/projects/:projectId/api_keys/:keyId/limits': 'api_keys.read',
  'POST /v1/organization/projects/:projectId/api_keys/:keyId/limits': 'api_keys.write',
  'GET /v1/organization/credits': 'billing.read',
  'POST /v1/organization/credits/grants': 'billing.operator',
  'POST /v1/organization/credits/adjustments': 'billing.operator',
  'GET /v1/organization/credits/ledger': 'billing.read',
  'GET /v1/organization/billing/payment_methods': 'billing.read',
  'POST /v1/organization/billing/payment_methods': 'billing.write',
  'POST /v1/organization/billing/payment_methods/setup': 'billing.write',
  'DELETE /v1/organization/billing/payment_methods/:payment_method_id': 'billing.write',
  'GET /v1/organization/billing/purchases': 'billing.read',
  'POST /v1/organization/billing/purchases': 'billing.write',
  'GET /v1/organization/billing/purchases/:purchase_id': 'billing.read',
  'GET /v1/organization/billing/auto_recharge': 'billing.read',
  'GET /v1/organization/billing/profile': 'billing.read',
  'POST /v1/organization/billing/profile': 'billing.write',
  'GET /v1/organization/billing/purchases/:purchase_id/receipt': 'billing.read',
  'GET /v1/organization/billing/statements/:period': 'billing.read',
  'POST /v1/organization/billing/auto_recharge': 'billing.write',
  'GET /v1/organization/limits/tier': 'billing.read',
  'POST /v1/organization/limits/tier': 'billing.operator',
  'GET /v1/organization/budget': 'billing.read',
  'POST /v1/organization/budget': 'billing.write',
  'GET /v1/organization/projects/:projectId/budget': 'billing.read',
  'POST /v1/organization/projects/:projectId/budget': 'billing.write',
  // Notices and OpenAI's spend limit and alerts: billing scopes (an Owner's business).
  'GET /v1/organization/notifications': 'billing.read',
  'POST /v1/organization/notifications/:notification_id/read': 'billing.read',
  'POST /v1/organization/notifications/read_all': 'billing.read',
  'GET /v1/organization/notifications/preferences': 'billing.read',
  'POST /v1/organization/notifications/preferences': 'billing.write',
  'GET /v1/organization/webhooks': 'billing.read',
  'POST /v1/organization/webhooks': 'billing.write',
  'GET /v1/organization/webhooks/:webhook_id': 'billing.read',
  'POST /v1/organization/webhooks/:webhook_id': 'billing.write',
  'DELETE /v1/organization/webhooks/:webhook_id': 'billing.write',
  'GET /v1/organization/spend_limit': 'billing.read',
  'POST /v1/organization/spend_limit': 'billing.write',
  'DELETE /v1/organization/spend_limit': 'billing.write',
  'GET /v1/organization/spend_alerts': 'billing.read',
  'POST /v1/organization/spend_alerts': 'billing.write',
  'GET /v1/organization/spend_alerts/:alert_id': 'billing.read',
  'POST /v1/organization/spend_alerts/:alert_id': 'billing.write',
  'DELETE /v1/organization/spend_alerts/:alert_id': 'billing.write',
  [`GET ${P}/spend_limit`]: 'billing.read',
  [`POST ${P}/spend_limit`]: 'billing.write',
  [`DELETE ${P}/spend_limit`]: 'billing.write',
  [`GET ${P}/spend_alerts`]: 'billing.read',
  [`POST ${P}/spend_alerts`]: 'billing.write',
  [`GET ${P}/spend_alerts/:alert_id`]: 'billing.read',
  [`POST ${P}/spend_alerts/:alert_id`]: 'billing.write',
  [`DELETE ${P}/spend_alerts/:alert_id`]: 'billing.write',
  // Upstream provider credentials.
  'GET /v1/organization/providers': 'providers.read',
  'PUT /v1/organization/providers/:provider_id/key': 'providers.write',
  'DELETE /v1/organization/providers/:provider_id/key': 'providers.write',
  // People: members, invitations and project members (OpenAI's paths).
  'GET /v1/organization/users': 'users.read',
  'GET /v1/organization/users/:user_id': 'users.read',
  'POST /v1/organization/users/:user_id': 'users.write',
  'DELETE /v1/organization/users/:user_id': 'users.write',
  'GET /v1/organization/invites': 'invites.read',
  'POST /v1/organization/invites': 'invites.write',
  'GET /v1/organization/invites/:invite_id': 'invites.read',
  'DELETE /v1/organization/invites/:invite_id': 'invites.write',
  [`GET ${P}/users`]: 'project_users.read',
  [`POST ${P}/users`]: 'project_users.write',
  [`GET ${P}/users/:user_id`]: 'project_users.read',
  [`POST ${P}/users/:user_id`]: 'project_users.write',
  [`DELETE ${P}/users/:user_id`]: 'project_users.write',
};

/** Routes that take no key at all (health, metrics, the OpenAPI document, leak reports, Stripe's webhook, the dashboard's page and assets). */
export const PUBLIC_ROUTES = ['GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /openapi.json', 'POST /v1/leaks', 'POST /v1/billing/stripe/webhook', 'GET /*'];

/**
 * Routes outside the key-scope table: the public ones, the account and
 * session API (`/v1/auth/*`, `/v1/me*`: a session cookie or nothing) and the
 * operator's API (`/v1/operator/*`: an operator session or operator key).
 */
export function isOutsideScopeTable(route: string): boolean {
  const path = route.slice(route.indexOf(' ') + 1);
  return PUBLIC_ROUTES.includes(route) || path.startsWith('/v1/auth/') || path === '/v1/me' || path.startsWith('/v1/me/') || path.startsWith('/v1/operator/');
}

function missingScope(scopes: readonly string[]): TollgateError {
  return new TollgateError('missing_scope', {
    message: `You have insufficient permissions for this operation. Missing scopes: ${scopes.join(' ')}. Check that your API key has the necessary scopes.`,
  });
}

/** The key's kind and permissions against an endpoint's API and scopes. */
export function authorize(principal: KeyPrincipal, endpoint: Endpoint): void {
  const rule = ENDPOINT_SCOPES[endpoint];
  if (rule.api === 'inference' && principal.kind === 'admin') {
    throw new TollgateError('permission_denied', { message: 'Admin API keys can only be used with the /v1/organization admin API. Use a project API key for this endpoint.' });
  }
  if (rule.api === 'admin' && principal.kind !== 'admin') {
    throw new TollgateError('permission_denied', {
      message: 'This endpoint requires an admin API key (sk-admin-...). Project and service account keys work only on the inference API.',
    });
  }
  const missing = (rule.scopes as readonly string[]).filter((scope) => !grantsScope(principal.permissions, scope));
  if (missing.length > 0) throw missingScope(missing);
  if ('operator' in rule && rule.operator && !principal.operator) {
    throw new TollgateError('permission_denied', { message: 'Only the operator of this Tollgate may do this: credit grants, usage tiers and upstream provider keys are the operator\'s.' });
  }
}

/** The endpoint of a matched route; HEAD shares its GET's. */
export function endpointOfRoute(method: string, url: string): Endpoint | undefined {
  return ROUTE_ENDPOINTS[`${method === 'HEAD' ? 'GET' : method} ${url}`];
}

/**
 * Step 2 of every authenticated request, run from the plugins' hooks. A route
 * missing from the table is refused: a new endpoint is closed until it is
 * given a scope here.
 */
export function authorizeRoute(principal: KeyPrincipal, method: string, url: string | undefined): void {
  if (url === undefined) return; // unmatched: the 404 handler answers
  const endpoint = endpointOfRoute(method, url);
  if (!endpoint) throw new TollgateError('permission_denied', { message: `No scope is assigned to ${method} ${url}; it is closed until one is.` });
  authorize(principal, endpoint);
}
