import { compileErrors, validate } from '@readme/openapi-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS } from '../src/admin/index.js';
import { client } from './helpers/admin.js';
import { startTestTollgate, type TestTollgate } from './helpers/tollgate.js';

describe('GET /openapi.json', () => {
  let tg: TestTollgate;
  beforeAll(async () => {
    tg = await startTestTollgate();
  });
  afterAll(() => tg.stop());

  it('documents every route, inference and admin, with its key, scopes and input schemas', async () => {
    const answer = await client(tg.url, null)('GET', '/openapi.json');
    expect(answer.status).toBe(200);
    const doc = answer.body;
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path.replace(/\{([A-Za-z_]+)\}/g, ':$1')}`),
    );
    const managementRoutes = OPERATIONS.map((o) => `${o.method} /v1/organization${o.path}`);
    expect(managementRoutes.filter((r) => !tg.app.routeList.includes(r))).toEqual([]);
    expect(managementRoutes.filter((r) => !documented.includes(r))).toEqual([]);
    expect(documented).toContain('POST /v1/leaks');
    const create = doc.paths['/v1/organization/projects/{project_id}/api_keys'].post;
    expect(create['x-tollgate-scopes']).toEqual(['api.organization.api_keys.write']);
    expect(Object.keys(create.requestBody.content['application/json'].schema.properties)).toEqual(
      expect.arrayContaining(['name', 'permissions', 'allowed_ips', 'expires_at', 'rpm_limit', 'tpm_limit', 'monthly_usage_limit_usd']),
    );
    // Every route the server has, but health, metrics, this document and the dashboard's pages, is documented.
    const undocumented = tg.app.routeList.filter((r) => !documented.includes(r) && !['GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /openapi.json', 'GET /*'].includes(r));
    expect(undocumented).toEqual([]);
    const chat = doc.paths['/v1/chat/completions'].post;
    expect(chat.security).toEqual([{ ProjectApiKeyAuth: [] }]);
    expect(chat['x-tollgate-scopes']).toEqual(['model.request', 'api.chat.completions.write']);
    expect(chat.requestBody.content['application/json'].schema.required).toEqual(expect.arrayContaining(['model', 'messages']));
    expect(Object.keys(chat.responses[200].content)).toEqual(['application/json', 'text/event-stream']);
    const costs = doc.paths['/v1/organization/costs'].get;
    expect(costs.security).toEqual([{ AdminApiKeyAuth: [] }]);
    expect(costs.parameters.map((p: any) => p.name)).toEqual(expect.arrayContaining(['start_time', 'bucket_width', 'group_by[]', 'page']));
    expect(Object.keys(doc.paths['/v1/organization/budget'].post.requestBody.content['application/json'].schema.properties)).toEqual(['monthly_limit_usd', 'thresholds']);
    const audit = doc.paths['/v1/organization/audit_logs'].get;
    expect(audit.parameters.map((p: any) => p.name)).toEqual(expect.arrayContaining(['limit', 'after', 'before', 'event_types[]', 'project_ids[]']));
  });

  it('is a valid OpenAPI document: a maintained validator accepts it, every path template is well-formed and declares its parameters', async () => {
    const doc = (await client(tg.url, null)('GET', '/openapi.json')).body;
    // @readme/openapi-parser checks the document against the OpenAPI 3.1 schema, resolves every $ref and
    // checks that each {name} of a path has its path parameter and each path parameter its {name}.
    const result = await validate(structuredClone(doc));
    expect(result.valid ? 'valid' : compileErrors(result)).toBe('valid');
    // ...and it does refuse a template broken as `{project}Id` once was.
    const broken = structuredClone(doc);
    broken.paths['/v1/organization/projects/{project}Id/budget'] = broken.paths['/v1/organization/projects/{projectId}/budget'];
    expect((await validate(broken)).valid).toBe(false);
    const malformed = Object.keys(doc.paths).filter((path) => !/^(\/([a-z0-9_.-]+|\{[A-Za-z_]+\}))+$/.test(path));
    expect(malformed).toEqual([]);
    for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, { parameters?: { in: string; name: string }[] }>>)) {
      const templated = [...path.matchAll(/\{([A-Za-z_]+)\}/g)].map((m) => m[1]).sort();
      for (const [method, operation] of Object.entries(methods)) {
        const declared = (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name).sort();
        expect({ route: `${method} ${path}`, declared }).toEqual({ route: `${method} ${path}`, declared: templated });
      }
    }
  });
});
