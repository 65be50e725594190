import { z } from 'zod';
import { ENDPOINT_SCOPES, ROUTE_ENDPOINTS } from '../gateway/index.js';
import { OPERATIONS } from './operations.js';
import type { Operation } from './operation.js';
import { leakBody } from './schemas.js';

/**
 * The OpenAPI 3.1 document served at /openapi.json, generated from the same
 * operation table and zod schemas that the routes use, so it cannot drift.
 */
type Json = Record<string, unknown>;

const PREFIX = '/v1/organization';

function toOpenApiPath(path: string): string {
  return path.replace(/:([a-z_]+)/g, '{$1}');
}

function jsonSchema(schema: z.ZodType): Json {
  const out = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  delete out.$schema;
  return out;
}

function queryParameters(operation: Operation): Json[] {
  if (!operation.query) return [];
  const schema = jsonSchema(operation.query) as { properties?: Record<string, Json> };
  return Object.entries(schema.properties ?? {}).map(([name, property]) => {
    const many = operation.arrays?.includes(name);
    return { name: many ? `${name}[]` : name, in: 'query', required: false, schema: property, ...(many ? { style: 'form', explode: true } : {}) };
  });
}

function pathParameters(path: string): Json[] {
  return [...path.matchAll(/:([a-z_]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
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
      200: { description: operation.returns, content: { 'application/json': { schema: { type: 'object' } } } },
      400: errorResponse('Invalid input; `error.param` names the parameter.'),
      401: errorResponse('Missing, invalid, revoked or expired key, or a client address outside the key\'s ranges.'),
      403: errorResponse('Not an admin key, or a missing scope (`error.code` missing_scope).'),
      404: errorResponse('No such object in the caller\'s organization.'),
      429: errorResponse('Too many invalid keys from this address.'),
    },
  };
}

export function openApiDocument(): Json {
  const paths: Record<string, Json> = {};
  for (const operation of OPERATIONS) {
    const path = toOpenApiPath(`${PREFIX}${operation.path}`);
    paths[path] = { ...(paths[path] ?? {}), [operation.method.toLowerCase()]: operationObject(operation) };
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
  return {
    openapi: '3.1.0',
    info: { title: 'Tollgate API', version: '1', description: 'Admin API of Tollgate: OpenAI-compatible paths under /v1/organization plus Tollgate extensions.' },
    servers: [{ url: '/' }],
    paths,
    components: {
      securitySchemes: { AdminApiKeyAuth: { type: 'http', scheme: 'bearer', description: 'An admin key (sk-admin-...).' } },
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
