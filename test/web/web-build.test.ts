import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/admin/index.js';
import { API_TYPES_FILE, generateApiTypes } from '../../web/scripts/api-types.js';

describe('the dashboard source', () => {
  it('has API types generated from the current OpenAPI document (npm run web:api-types)', () => {
    expect(readFileSync(API_TYPES_FILE, 'utf8') === generateApiTypes(openApiDocument())).toBe(true);
  });

  it('type-checks in strict mode against those types', { timeout: 120_000 }, () => {
    // tsc exits non-zero and prints the errors when the pages use a route, a parameter or a field the API does not have.
    const run = () => execFileSync('npx', ['tsc', '--noEmit', '-p', 'web'], { encoding: 'utf8', stdio: 'pipe', timeout: 120_000 });
    expect(run).not.toThrow();
  });

  it('translates the JSON Schema zod writes into TypeScript', async () => {
    const { tsType } = await import('../../web/scripts/api-types.js');
    expect(tsType({ type: ['string', 'null'] }, 0)).toBe('string | null');
    expect(tsType({ type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'integer' }] } }, 0)).toBe('Array<string | number>');
    expect(tsType({ enum: ['all', 'read_only'] }, 0)).toBe('"all" | "read_only"');
    expect(tsType({ type: 'object', properties: { a: { const: 'x' }, b: { type: 'boolean' } }, required: ['a'], additionalProperties: false }, 0)).toBe('{\n  a: "x";\n  b?: boolean;\n}');
    expect(tsType({ type: 'object', additionalProperties: {} }, 0)).toBe('{\n  [key: string]: unknown;\n}');
    expect(tsType({ $ref: '#/components/schemas/Error' }, 0)).toBe("components['schemas'][\"Error\"]");
  });
});
