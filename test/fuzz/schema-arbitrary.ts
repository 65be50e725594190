import fc from 'fast-check';

/** The subset of JSON Schema the server's OpenAPI document uses for bodies and parameters. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  format?: string;
  pattern?: string;
  additionalProperties?: boolean | JsonSchema;
  $ref?: string;
}

/** Any JSON value, small: what a careless or hostile client sends in place of the right one. */
export const anyJson = fc.jsonValue({ maxDepth: 3 });

/** Strings that go wrong in interesting ways: empty, long, control characters, NUL, quotes, unicode, numbers. */
export const nastyString = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom('', ' ', 'a\u0000b', '\u0000', '%00', '../../etc/passwd', "'; drop table users; --", '"', '\\', '\ud83d\ude00', 'null', '-1', '1e309', 'NaN', '0x10', '{}', '[]', '<script>', 'ｆｕｌｌ'),
  fc.integer({ min: 200, max: 5000 }).map((n) => 'x'.repeat(n)),
);

function pick(schema: JsonSchema): string | undefined {
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (type) return type;
  if (schema.properties) return 'object';
  if (schema.items) return 'array';
  return undefined;
}

/** Mostly-valid values for `schema`: what a well-meaning client sends, with the edges of every range. */
export function valid(schema: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const choices = schema.oneOf ?? schema.anyOf;
  if (choices && choices.length > 0) return fc.oneof(...choices.map((c) => valid(c, depth + 1)));
  if (schema.allOf && schema.allOf.length > 0) return valid(schema.allOf[0]!, depth + 1);
  const nullable = Array.isArray(schema.type) && schema.type.includes('null');
  const base = validOfType(schema, depth);
  return nullable ? fc.oneof(base, fc.constant(null)) : base;
}

function validOfType(schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  switch (pick(schema)) {
    case 'string': {
      if (schema.format === 'email') return fc.emailAddress();
      if (schema.format === 'uri') return fc.webUrl();
      const minLength = schema.minLength ?? 0;
      const maxLength = Math.min(schema.maxLength ?? 40, minLength + 40);
      return fc.oneof(fc.string({ minLength, maxLength }), fc.constant('x'.repeat(minLength)));
    }
    case 'integer': {
      const min = schema.minimum ?? -10;
      const max = schema.maximum ?? Math.max(min + 1000, 1000);
      return fc.oneof(fc.integer({ min: Math.max(min, -1e9), max: Math.min(max, 1e9) }), fc.constantFrom(min, max));
    }
    case 'number': {
      const min = schema.minimum ?? -10;
      const max = schema.maximum ?? 1000;
      return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
    }
    case 'boolean':
      return fc.boolean();
    case 'array': {
      if (depth > 4) return fc.constant([]);
      const items = schema.items ? valid(schema.items, depth + 1) : anyJson;
      return fc.array(items, { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 4, (schema.minItems ?? 0) + 4) });
    }
    case 'object': {
      if (depth > 4) return fc.constant({});
      const properties = schema.properties ?? {};
      const required = (schema.required ?? []).filter((k) => k in properties);
      const model = Object.fromEntries(Object.entries(properties).map(([k, s]) => [k, valid(s, depth + 1)]));
      return fc.record(model, { requiredKeys: required });
    }
    default:
      return anyJson;
  }
}

/**
 * Values for `schema`: valid ones, valid ones with one field wrong (a random
 * value, a nasty string, missing, or an extra unknown field), or anything.
 */
export function fuzzed(schema: JsonSchema | undefined): fc.Arbitrary<unknown> {
  if (!schema) return fc.oneof(anyJson, fc.constant(undefined));
  const good = valid(schema);
  const broken = fc.tuple(good, fc.oneof(anyJson, nastyString, fc.constant(undefined)), fc.nat(), fc.boolean()).map(([value, wrong, index, extra]) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return wrong;
    const keys = Object.keys(schema.properties ?? {});
    if (extra || keys.length === 0) return { ...value, unknown_field: wrong };
    const copy: Record<string, unknown> = { ...value };
    const key = keys[index % keys.length]!;
    if (wrong === undefined) delete copy[key];
    else copy[key] = wrong;
    return copy;
  });
  return fc.oneof({ arbitrary: good, weight: 3 }, { arbitrary: broken, weight: 3 }, { arbitrary: anyJson, weight: 1 });
}
