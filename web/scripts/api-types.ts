/**
 * Generates web/src/api/schema.gen.ts, the dashboard's API types, from the
 * server's OpenAPI document (the same object GET /openapi.json serves), in
 * the shape openapi-fetch reads (`paths[path][method]` with `parameters`,
 * `requestBody` and `responses`). Run `npm run web:api-types` after changing
 * a route; a test fails while the file is out of date.
 *
 * Only the JSON Schema that zod's `toJSONSchema` writes is translated:
 * objects, arrays, unions, enums, consts, nullables and $refs into
 * `components.schemas`.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openApiDocument } from '../../src/admin/index.js';

type Json = Record<string, any>;

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

const key = (name: string): string => (IDENT.test(name) ? name : JSON.stringify(name));
const pad = (depth: number): string => '  '.repeat(depth);

export function tsType(schema: Json | boolean | undefined, depth: number): string {
  if (schema === undefined || schema === true) return 'unknown';
  if (schema === false) return 'never';
  if (typeof schema.$ref === 'string') return `components['schemas'][${JSON.stringify(schema.$ref.split('/').pop())}]`;
  if ('const' in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) return schema.enum.map((v: unknown) => JSON.stringify(v)).join(' | ');
  const variants = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(variants)) return variants.map((v: Json) => tsType(v, depth)).join(' | ');
  if (Array.isArray(schema.allOf)) return schema.allOf.map((v: Json) => `(${tsType(v, depth)})`).join(' & ');
  const types: string[] = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length === 0) return schema.properties ? objectType(schema, depth) : 'unknown';
  return types.map((t) => single(schema, t, depth)).join(' | ');
}

function single(schema: Json, type: string, depth: number): string {
  switch (type) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array':
      if (Array.isArray(schema.prefixItems)) return `[${schema.prefixItems.map((i: Json) => tsType(i, depth)).join(', ')}]`;
      return `Array<${tsType(schema.items, depth)}>`;
    case 'object':
      return objectType(schema, depth);
    default:
      return 'unknown';
  }
}

function objectType(schema: Json, depth: number): string {
  const properties: Record<string, Json> = schema.properties ?? {};
  const required = new Set<string>(schema.required ?? []);
  const lines = Object.entries(properties).map(([name, property]) => {
    const doc = typeof property.description === 'string' ? `${pad(depth + 1)}/** ${property.description.replace(/\*\//g, '*\\/')} */\n` : '';
    return `${doc}${pad(depth + 1)}${key(name)}${required.has(name) ? '' : '?'}: ${tsType(property, depth + 1)};`;
  });
  const extra = schema.additionalProperties;
  if (extra !== undefined && extra !== false) lines.push(`${pad(depth + 1)}[key: string]: unknown;`);
  if (lines.length === 0) return extra === false ? 'Record<string, never>' : 'Record<string, unknown>';
  return `{\n${lines.join('\n')}\n${pad(depth)}}`;
}

function parametersType(parameters: Json[], depth: number): string {
  const groups: Record<string, Json[]> = { query: [], path: [] };
  for (const p of parameters) groups[p.in]?.push(p);
  const lines = Object.entries(groups).map(([where, list]) => {
    if (list.length === 0) return `${pad(depth + 1)}${where}?: never;`;
    const anyRequired = list.some((p) => p.required);
    const fields = list.map((p) => `${pad(depth + 2)}${key(p.name)}${p.required ? '' : '?'}: ${tsType(p.schema, depth + 2)};`);
    return `${pad(depth + 1)}${where}${anyRequired ? '' : '?'}: {\n${fields.join('\n')}\n${pad(depth + 1)}};`;
  });
  return `{\n${lines.join('\n')}\n${pad(depth)}}`;
}

function contentType(content: Json | undefined, depth: number): string {
  if (!content) return 'never';
  const lines = Object.entries(content).map(([media, body]) => `${pad(depth + 1)}${JSON.stringify(media)}: ${tsType((body as Json).schema, depth + 1)};`);
  return `{\n${lines.join('\n')}\n${pad(depth)}}`;
}

function operationType(operation: Json, depth: number): string {
  const lines: string[] = [];
  if (operation.summary) lines.push(`${pad(depth + 1)}/** ${operation.operationId}: ${String(operation.summary).replace(/\*\//g, '*\\/')} */`);
  lines.push(`${pad(depth + 1)}parameters: ${parametersType(operation.parameters ?? [], depth + 1)};`);
  const body = operation.requestBody;
  lines.push(body ? `${pad(depth + 1)}requestBody${body.required ? '' : '?'}: {\n${pad(depth + 2)}content: ${contentType(body.content, depth + 2)};\n${pad(depth + 1)}};` : `${pad(depth + 1)}requestBody?: never;`);
  const responses = Object.entries(operation.responses ?? {}).map(
    ([status, response]) => `${pad(depth + 2)}${status}: {\n${pad(depth + 3)}headers: { [name: string]: unknown };\n${pad(depth + 3)}content: ${contentType((response as Json).content, depth + 3)};\n${pad(depth + 2)}};`,
  );
  lines.push(`${pad(depth + 1)}responses: {\n${responses.join('\n')}\n${pad(depth + 1)}};`);
  return `{\n${lines.join('\n')}\n${pad(depth)}}`;
}

export function generateApiTypes(doc: Json): string {
  const paths = Object.entries(doc.paths as Record<string, Json>)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([path, item]) => {
      const methods = METHODS.map((m) => (item[m] ? `    ${m}: ${operationType(item[m], 2)};` : `    ${m}?: never;`));
      return `  ${JSON.stringify(path)}: {\n    parameters: { query?: never; header?: never; path?: never; cookie?: never };\n${methods.join('\n')}\n  };`;
    });
  const schemas = Object.entries((doc.components?.schemas ?? {}) as Record<string, Json>).map(([name, schema]) => `    ${key(name)}: ${tsType(schema, 2)};`);
  return [
    '// Generated by web/scripts/api-types.ts from the server\'s OpenAPI document. Do not edit: run `npm run web:api-types`.',
    '/* eslint-disable */',
    '',
    `export interface paths {\n${paths.join('\n')}\n}`,
    '',
    `export interface components {\n  schemas: {\n${schemas.join('\n')}\n  };\n}`,
    '',
  ].join('\n');
}

export const API_TYPES_FILE = fileURLToPath(new URL('../src/api/schema.gen.ts', import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(API_TYPES_FILE, generateApiTypes(openApiDocument()));
  console.log(`wrote ${API_TYPES_FILE}`);
}
