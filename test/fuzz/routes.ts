import type { JsonSchema } from './schema-arbitrary.js';

export interface RouteCase {
  method: string;
  /** Fastify's pattern: `:name` parameters, `*` for the wildcard. */
  path: string;
  pathParams: string[];
  query: { name: string; schema: JsonSchema | undefined }[];
  body: JsonSchema | undefined;
  /** Security scheme names the document gives the route (empty: public or undocumented). */
  security: string[];
}

interface Operation {
  parameters?: { name: string; in: string; schema?: JsonSchema }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  security?: Record<string, unknown>[];
}

/**
 * Every route of the running server (its own list, so none is forgotten),
 * with what /openapi.json says about its parameters, body and callers. A
 * route the document does not describe is still fuzzed, with generic input.
 */
export function routeCases(routeList: string[], doc: { paths: Record<string, Record<string, unknown>> }): RouteCase[] {
  return routeList.map((entry) => {
    const [method, path] = entry.split(' ') as [string, string];
    const documented = path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const operation = (doc.paths[documented]?.[method.toLowerCase()] ?? {}) as Operation;
    const parameters = operation.parameters ?? [];
    return {
      method,
      path,
      pathParams: [...path.matchAll(/:([A-Za-z_]+)|\*/g)].map((m) => m[1] ?? '*'),
      query: parameters.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema })),
      body: operation.requestBody?.content?.['application/json']?.schema,
      security: (operation.security ?? []).flatMap((s) => Object.keys(s)),
    };
  });
}
