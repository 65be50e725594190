import { z } from 'zod';
import { BILLING_PUBLIC_PATHS, BILLING_ROUTE_DOCS } from '../billing/openapi-docs.js';
import { chatRequestSchema, completionsRequestSchema, embeddingsRequestSchema, responsesRequestSchema } from '../contract/index.js';
import { ENDPOINT_SCOPES, ROUTE_ENDPOINTS, type Endpoint } from '../gateway/index.js';
import { keyLimitsBody, rateLimitBody } from '../limits/admin-routes.js';
import { estimateBody } from '../pricing/routes.js';
import { OPERATIONS } from './operations.js';
import type { Operation } from './operation.js';
import {
  completionsUsageSchema,
  costsSchema,
  embeddingsUsageSchema,
  estimateSchema,
  keyLimitsSchema,
  keyStandingSchema,
  listOf,
  priceListSchema,
  projectRateLimitSchema,
  projectRateLimitsSchema,
  requestLogSchema,
} from './response-schemas.js';
import { leakBody } from './schemas.js';
import type { AccountRoute } from '../identity/index.js';
import { inviteBody, orgRoleBody, pageQuery as peoplePageQuery, projectRoleBody, projectUserBody, userListQuery } from './people-routes.js';
import { OPERATOR_OPERATIONS } from './operator.js';

/**
 * The OpenAPI 3.1 document served at /openapi.json, generated from the same
 * operation table, route table and zod schemas that the routes use, so it
 * cannot drift.
 */
type Json = Record<string, unknown>;

const PREFIX = '/v1/organization';

function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z_]+)/g, '{$1}');
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): Json {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  delete out.$schema;
  return out;
}

function queryParameters(operation: Operation): Json[] {
  return operation.query ? queryOf(operation.query, [...(operation.arrays ?? [])]) : [];
}

function pathParameters(path: string): Json[] {
  return [...path.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
}

const errorResponse = (description: string): Json => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

function operationObject(operation: Operation): Json {
  const endpoint = ROUTE_ENDPOINTS[`${operation.method} ${PREFIX}${operation.path}`];
  const scopes = endpoint ? ENDPOINT_SCOPES[endpoint].scopes : [];
  return {
    operationId: operation.id,
    summary: operation.summary,
    tags: [operation.openai ? 'OpenAI-compatible admin API' : 'Tollgate admin API extensions'],
    security: [{ AdminApiKeyAuth: [] }],
    'x-tollgate-scopes': scopes,
    parameters: [...pathParameters(operation.path), ...queryParameters(operation)],
    ...(operation.body ? { requestBody: { required: false, content: { 'application/json': { schema: jsonSchema(operation.body) } } } } : {}),
    responses: {
      200: { description: operation.returns, content: { 'application/json': { schema: operation.response ? jsonSchema(operation.response, 'output') : { type: 'object' } } } },
      400: errorResponse('Invalid input; `error.param` names the parameter.'),
      401: errorResponse('Missing, invalid, revoked or expired key, or a client address outside the key\'s ranges.'),
      403: errorResponse('Not an admin key, or a missing scope (`error.code` missing_scope).'),
      404: errorResponse('No such object in the caller\'s organization.'),
      429: errorResponse('Too many invalid keys from this address.'),
    },
  };
}

/** Query parameters of the usage and costs reports (parsed by `usage/params.ts`). */
const REPORT_QUERY: Json[] = [
  { name: 'start_time', in: 'query', required: true, schema: { type: 'integer' }, description: 'Start of the range, unix seconds (inclusive).' },
  { name: 'end_time', in: 'query', required: false, schema: { type: 'integer' }, description: 'End of the range, unix seconds (exclusive).' },
  { name: 'bucket_width', in: 'query', required: false, schema: { type: 'string', enum: ['1m', '1h', '1d'] } },
  {
    name: 'group_by[]',
    in: 'query',
    required: false,
    schema: { type: 'array', items: { type: 'string', description: "'project_id', 'api_key_id', 'model' (usage) or 'line_item' (costs), 'end_user', or 'metadata.<key>' (one key)" } },
    style: 'form',
    explode: true,
  },
  { name: 'project_ids[]', in: 'query', required: false, schema: { type: 'array', items: { type: 'string' } }, style: 'form', explode: true },
  { name: 'api_key_ids[]', in: 'query', required: false, schema: { type: 'array', items: { type: 'string' } }, style: 'form', explode: true },
  { name: 'models[]', in: 'query', required: false, schema: { type: 'array', items: { type: 'string' } }, style: 'form', explode: true },
  { name: 'end_users[]', in: 'query', required: false, schema: { type: 'array', items: { type: 'string' } }, style: 'form', explode: true, description: "Only requests whose `user` is one of these." },
  {
    name: 'metadata',
    in: 'query',
    required: false,
    schema: { type: 'object', additionalProperties: { type: 'string' } },
    style: 'deepObject',
    explode: true,
    description: 'Only requests whose `metadata` has these values: `metadata[team]=search` (repeat a key for any of several values).',
  },
  { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1 } },
  { name: 'page', in: 'query', required: false, schema: { type: 'string' }, description: 'The `next_page` cursor of the previous page.' },
];

/** Query parameters of the request log (parsed by `usage/requests.ts`). */
const REQUEST_LOG_QUERY: Json[] = [
  { name: 'start_time', in: 'query', required: false, schema: { type: 'integer' }, description: 'Only requests at or after this time, unix seconds.' },
  { name: 'end_time', in: 'query', required: false, schema: { type: 'integer' }, description: 'Only requests before this time, unix seconds.' },
  { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100 }, description: 'Requests per page (default 20).' },
  { name: 'after', in: 'query', required: false, schema: { type: 'string' }, description: 'The `last_id` of the previous page.' },
  { name: 'project_ids[]', in: 'query', required: false, schema: { type: 'array', items: { type: 'string' } }, style: 'form', explode: true },
  { name: 'api_key_ids[]', in: 'query', required: false, schema: { type: 'array', items: { type: 'string' } }, style: 'form', explode: true },
  { name: 'models[]', in: 'query', required: false, schema: { type: 'array', items: { type: 'string' } }, style: 'form', explode: true },
  { name: 'statuses[]', in: 'query', required: false, schema: { type: 'array', items: { type: 'string', enum: ['ok', 'error', 'aborted'] } }, style: 'form', explode: true },
];

export interface RouteDoc {
  id: string;
  summary: string;
  body?: z.ZodType | Json;
  /** Query parameters, or the zod object the route parses its query with. */
  query?: Json[] | z.ZodObject;
  /** Answers with server-sent events when the request sets `stream`. */
  streams?: boolean;
  /** The JSON answer's schema (`response-schemas.ts`). */
  response?: z.ZodType;
  /** Also answers as CSV or PDF (`?format=`): receipts and statements. */
  documents?: boolean;
}

/**
 * The routes of ROUTE_ENDPOINTS that are not in the management operation
 * table: the inference API, pricing, usage, limits, billing and upstream
 * keys. Keyed by the route as registered, so a route missing here fails the
 * OpenAPI test.
 */
const ROUTE_DOCS: Record<string, RouteDoc> = {
  'POST /v1/chat/completions': { id: 'createChatCompletion', summary: 'Creates a model response for a chat conversation.', body: chatRequestSchema, streams: true },
  'POST /v1/completions': { id: 'createCompletion', summary: 'Creates a completion for a prompt (legacy).', body: completionsRequestSchema, streams: true },
  'POST /v1/embeddings': { id: 'createEmbedding', summary: 'Creates embedding vectors for the input.', body: embeddingsRequestSchema },
  'POST /v1/responses': { id: 'createResponse', summary: 'Creates a model response (Responses API).', body: responsesRequestSchema, streams: true },
  'GET /v1/responses/:response_id': { id: 'getResponse', summary: 'Retrieves a stored response.' },
  'GET /v1/models': { id: 'listModels', summary: 'Lists the models this Tollgate serves.' },
  'GET /v1/models/:model': { id: 'retrieveModel', summary: 'Retrieves one model.' },
  'GET /v1/pricing': { id: 'listPrices', summary: 'The price of every model: input, cached input and output per 1M tokens, exact decimal USD.', response: priceListSchema },
  'POST /v1/pricing/estimate': { id: 'estimateCost', summary: 'Daily and monthly cost of a workload, for one model or every model compared.', body: estimateBody, response: estimateSchema },
  'GET /v1/key': {
    id: 'retrieveKeyStanding',
    summary: "The calling key's own standing: what is left of its, its project's and its organization's monthly budgets, the credit balance, the usage tier and the rate limits that apply to it.",
    response: keyStandingSchema,
  },
  'GET /v1/organization/usage/completions': { id: 'usageCompletions', summary: 'Completions usage in time buckets, as OpenAI reports it.', query: REPORT_QUERY, response: completionsUsageSchema },
  'GET /v1/organization/usage/embeddings': { id: 'usageEmbeddings', summary: 'Embeddings usage in time buckets.', query: REPORT_QUERY, response: embeddingsUsageSchema },
  'GET /v1/organization/usage/requests': {
    id: 'listRequests',
    summary: 'The request log, newest first: time, key, model, tokens, cost, latency and status of each metered request (a Tollgate extension).',
    query: REQUEST_LOG_QUERY,
    response: requestLogSchema,
  },
  'GET /v1/organization/costs': { id: 'costs', summary: 'Costs in daily buckets, with exact decimal amounts (`value_exact`).', query: REPORT_QUERY, response: costsSchema },
  'GET /v1/organization/projects/:projectId/rate_limits': { id: 'listProjectRateLimits', summary: "A project's rate limits per model: the tier's, or the project's own.", response: projectRateLimitsSchema },
  'GET /v1/organization/projects/:projectId/rate_limits/:rateLimitId': { id: 'retrieveProjectRateLimit', summary: "A project's rate limit for one model.", response: projectRateLimitSchema },
  'POST /v1/organization/projects/:projectId/rate_limits/:rateLimitId': { id: 'modifyProjectRateLimit', summary: "Sets a project's requests and tokens per minute for one model.", body: rateLimitBody, response: projectRateLimitSchema },
  'GET /v1/organization/projects/:projectId/api_keys/:keyId/limits': { id: 'retrieveKeyLimits', summary: "A key's own RPM, TPM and monthly budget.", response: keyLimitsSchema },
  'POST /v1/organization/projects/:projectId/api_keys/:keyId/limits': { id: 'modifyKeyLimits', summary: "Sets a key's own RPM, TPM and monthly budget.", body: keyLimitsBody, response: keyLimitsSchema },
  ...BILLING_ROUTE_DOCS,
  'GET /v1/organization/providers': { id: 'listProviders', summary: 'Upstream providers and whether each has a key (never the key). Operator organization only.' },
  'PUT /v1/organization/providers/:provider_id/key': {
    id: 'setProviderKey',
    summary: "Sets an upstream provider's API key, sealed in the store. Operator organization only.",
    body: { type: 'object', required: ['api_key'], properties: { api_key: { type: 'string' } }, additionalProperties: false },
  },
  'DELETE /v1/organization/providers/:provider_id/key': { id: 'deleteProviderKey', summary: "Removes an upstream provider's stored key. Operator only." },
  'GET /v1/organization/users': { id: 'listUsers', summary: 'Members of the organization (`organization.user`: email, name, role owner|reader), paged; `emails[]` filters.', query: queryOf(userListQuery, ['emails']) },
  'GET /v1/organization/users/:user_id': { id: 'retrieveUser', summary: 'One member of the organization.' },
  'POST /v1/organization/users/:user_id': { id: 'modifyUser', summary: "Changes a member's role (owner or reader); the last Owner cannot be demoted.", body: orgRoleBody },
  'DELETE /v1/organization/users/:user_id': { id: 'deleteUser', summary: 'Removes a member (a member may remove themselves): their project memberships end and every key they created is revoked; the last Owner cannot leave.' },
  'GET /v1/organization/invites': { id: 'listInvites', summary: 'Invitations of the organization (pending, accepted, expired), paged.', query: queryOf(peoplePageQuery) },
  'POST /v1/organization/invites': { id: 'inviteUser', summary: 'Invites an address (role, projects; none given: the default project as member) by a single-use link bound to that address, valid 7 days.', body: inviteBody },
  'GET /v1/organization/invites/:invite_id': { id: 'retrieveInvite', summary: 'One invitation.' },
  'DELETE /v1/organization/invites/:invite_id': { id: 'deleteInvite', summary: 'Revokes a pending invitation: its link stops working.' },
  'GET /v1/organization/projects/:project_id/users': { id: 'listProjectUsers', summary: 'Members of a project (`organization.project.user`, role owner|member), paged.', query: queryOf(peoplePageQuery) },
  'POST /v1/organization/projects/:project_id/users': { id: 'createProjectUser', summary: 'Adds a member of the organization (user_id or email) to the project.', body: projectUserBody },
  'GET /v1/organization/projects/:project_id/users/:user_id': { id: 'retrieveProjectUser', summary: 'One member of a project.' },
  'POST /v1/organization/projects/:project_id/users/:user_id': { id: 'modifyProjectUser', summary: "Changes a project member's role.", body: projectRoleBody },
  'DELETE /v1/organization/projects/:project_id/users/:user_id': { id: 'deleteProjectUser', summary: 'Removes a member from the project; the keys they created in it are revoked.' },
};

function queryOf(schema: z.ZodType, arrays: string[] = []): Json[] {
  const properties = (jsonSchema(schema) as { properties?: Record<string, Json> }).properties ?? {};
  return Object.entries(properties).map(([name, property]) =>
    arrays.includes(name) ? { name: `${name}[]`, in: 'query', required: false, schema: property, style: 'form', explode: true } : { name, in: 'query', required: false, schema: property },
  );
}

function routeObject(route: string, endpoint: Endpoint, doc: RouteDoc): Json {
  const path = route.slice(route.indexOf(' ') + 1);
  const { api, scopes } = ENDPOINT_SCOPES[endpoint];
  const inference = api !== 'admin';
  const schema = doc.body === undefined ? undefined : doc.body instanceof z.ZodType ? jsonSchema(doc.body) : doc.body;
  return {
    operationId: doc.id,
    summary: doc.summary,
    tags: [path.startsWith(PREFIX) ? 'OpenAI-compatible admin API' : 'OpenAI-compatible API'],
    security: api === 'any' ? [{ ProjectApiKeyAuth: [] }, { AdminApiKeyAuth: [] }] : [{ [inference ? 'ProjectApiKeyAuth' : 'AdminApiKeyAuth']: [] }],
    'x-tollgate-scopes': scopes,
    parameters: [...pathParameters(path), ...(doc.query instanceof z.ZodType ? queryOf(doc.query) : (doc.query ?? []))],
    ...(schema ? { requestBody: { required: true, content: { 'application/json': { schema } } } } : {}),
    responses: {
      200: {
        description: doc.streams ? 'JSON, or server-sent events when the request sets `stream`.' : 'JSON.',
        content: {
          'application/json': { schema: doc.response ? jsonSchema(doc.response, 'output') : { type: 'object' } },
          ...(doc.streams ? { 'text/event-stream': { schema: { type: 'string' } } } : {}),
          ...(doc.documents ? { 'text/csv': { schema: { type: 'string' } }, 'application/pdf': { schema: { type: 'string', format: 'binary' } } } : {}),
        },
      },
      400: errorResponse('Invalid input; `error.param` names the parameter.'),
      401: errorResponse('Missing, invalid, revoked or expired key, or a client address outside the key\'s ranges.'),
      403: errorResponse('A missing scope (`error.code` missing_scope), or a key of the wrong kind for this API.'),
      404: errorResponse('No such object (or model) for the caller.'),
      429: errorResponse(
        inference ? 'Rate limit (`rate_limit_exceeded`, with `retry-after`) or a budget or credit cap (`insufficient_quota`).' : 'Too many invalid keys from this address.',
      ),
      ...(inference ? { 500: errorResponse('The upstream failed after retries and fallbacks.'), 503: errorResponse('No healthy deployment, or limits cannot be checked.') } : {}),
    },
  };
}

/** A route of the account and session API: a session cookie (and, for writes, its CSRF token) or nothing. */
function accountObject(route: AccountRoute): Json {
  const write = route.method !== 'GET';
  const csrf = route.session && write ? [{ name: 'X-CSRF-Token', in: 'header', required: true, schema: { type: 'string' }, description: 'The csrf_token of the session (sign-in answer, GET /v1/me, or the tollgate_csrf cookie).' }] : [];
  const query = route.query ? queryOf(route.query) : [];
  const bodyType = route.formPost ? 'application/x-www-form-urlencoded' : 'application/json';
  const answer = route.redirect
    ? { 303: { description: route.returns, headers: { Location: { schema: { type: 'string' } } } } }
    : { [route.status ?? 200]: { description: route.returns, content: { 'application/json': { schema: { type: 'object' } } } } };
  return {
    operationId: route.id,
    summary: route.summary,
    tags: ['Accounts and sessions'],
    security: route.session ? [{ SessionCookie: [] }] : [],
    parameters: [...pathParameters(route.path), ...query, ...csrf],
    ...(route.body ? { requestBody: { required: true, content: { [bodyType]: { schema: jsonSchema(route.body) } } } } : {}),
    responses: {
      ...answer,
      ...(route.errors
        ? Object.fromEntries(Object.entries(route.errors).map(([status, description]) => [status, errorResponse(description)]))
        : {
            400: errorResponse('Invalid input; `error.param` names the parameter (`weak_password`, `invalid_token` for a used or expired link).'),
            401: errorResponse(route.session ? 'Not signed in, or the session ended (`not_signed_in`).' : 'Wrong email or password (`invalid_credentials`), the same for an unknown address.'),
            403: errorResponse('A cross-site request, or a write without the CSRF token (`csrf_token_invalid`); a disabled account.'),
            429: errorResponse('Too many failed sign-ins, mails or codes; `retry-after` says when to try again.'),
          }),
    },
  };
}

export function openApiDocument(accountRoutes: readonly AccountRoute[] = []): Json {
  const paths: Record<string, Json> = {};
  for (const route of accountRoutes) {
    const path = toOpenApiPath(route.path);
    paths[path] = { ...(paths[path] ?? {}), [route.method.toLowerCase()]: accountObject(route) };
  }
  for (const operation of OPERATIONS) {
    const path = toOpenApiPath(`${PREFIX}${operation.path}`);
    paths[path] = { ...(paths[path] ?? {}), [operation.method.toLowerCase()]: operationObject(operation) };
  }
  for (const [route, endpoint] of Object.entries(ROUTE_ENDPOINTS)) {
    const doc = ROUTE_DOCS[route];
    if (!doc) continue;
    const [method, routePath] = route.split(' ') as [string, string];
    const path = toOpenApiPath(routePath);
    paths[path] = { ...(paths[path] ?? {}), [method.toLowerCase()]: routeObject(route, endpoint as Endpoint, doc) };
  }
  for (const operation of OPERATOR_OPERATIONS) {
    const path = toOpenApiPath(`/v1/operator${operation.path}`);
    paths[path] = {
      ...(paths[path] ?? {}),
      [operation.method.toLowerCase()]: {
        operationId: operation.id,
        summary: operation.summary,
        tags: ['Operator API'],
        security: [{ OperatorAuth: [] }, { SessionCookie: [] }],
        parameters: [...pathParameters(operation.path), ...(operation.query ? queryOf(operation.query) : [])],
        ...(operation.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(operation.body) } } } } : {}),
        responses: {
          200: { description: operation.returns, content: { 'application/json': { schema: { type: 'object' } } } },
          400: errorResponse('Invalid input; `error.param` names the parameter.'),
          401: errorResponse('No key or session, or an invalid one.'),
          403: errorResponse('Not the operator (an operator session, or an admin key with the operator\'s authority).'),
          404: errorResponse('No such organization or account.'),
        },
      },
    };
  }
  paths['/v1/leaks'] = {
    post: {
      operationId: 'reportLeaks',
      summary: 'Report strings found by a secret scanner; live Tollgate keys among them are revoked at once. No key needed.',
      tags: ['Tollgate admin API extensions'],
      security: [],
      requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(leakBody) } } },
      responses: {
        200: { description: 'One result per string: `status` revoked | inactive | unknown | not_a_key, `live`, and the redacted value (never the secret).' },
        400: errorResponse('Invalid input.'),
        429: errorResponse('Too many reports that found nothing live from this address.'),
      },
    },
  };
  Object.assign(paths, BILLING_PUBLIC_PATHS);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tollgate API',
      version: '1',
      description: 'The OpenAI-compatible inference API under /v1 (project keys), the admin API under /v1/organization (admin keys), the account and session API under /v1/auth and /v1/me (session cookies), plus Tollgate extensions.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      securitySchemes: {
        AdminApiKeyAuth: { type: 'http', scheme: 'bearer', description: 'An admin key (sk-admin-...).' },
        ProjectApiKeyAuth: { type: 'http', scheme: 'bearer', description: 'A project or service account key (sk-proj-..., sk-svcacct-...).' },
        OperatorAuth: { type: 'http', scheme: 'bearer', description: "An admin key with the operator's authority (the first start's admin key, or one an operator made in the operator organization)." },
        SessionCookie: { type: 'apiKey', in: 'cookie', name: 'tollgate_session', description: 'A signed-in session (POST /v1/auth/signin). Writes also need the X-CSRF-Token header.' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['message', 'type', 'param', 'code'],
              properties: { message: { type: 'string' }, type: { type: 'string' }, param: { type: ['string', 'null'] }, code: { type: ['string', 'null'] } },
            },
          },
        },
      },
    },
  };
}
