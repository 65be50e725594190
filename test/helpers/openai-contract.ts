import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

/**
 * OpenAI's own OpenAPI document (test/fixtures/openai-openapi, MIT) as a
 * validator: an answer Tollgate gives on an OpenAI path must be one the
 * document allows. Two adaptations, both mechanical: OpenAPI 3.0's
 * `nullable: true` left in a few schemas becomes a `null` type, and local
 * `#/components/...` references point into the document registered as
 * `openai`, so any part of it compiles on its own. A union with a
 * `discriminator` becomes one if/then per tag, so a failure names the problems
 * of the member the answer claims to be, not of every other member.
 */
const ID = 'openai';
const doc = JSON.parse(readFileSync(new URL('../fixtures/openai-openapi/openapi.json', import.meta.url), 'utf8')) as Record<string, any>;

function resolve(ref: string): any {
  return ref.startsWith('#/') ? ref.slice(2).split('/').reduce<any>((node, key) => node?.[key], doc) : undefined;
}

/** The tags a union member carries in `property`, or undefined when it does not say. */
function tagsOf(member: any, property: string): unknown[] | undefined {
  const target = typeof member?.$ref === 'string' ? resolve(member.$ref) : member;
  const tag = target?.properties?.[property];
  if (tag?.const !== undefined) return [tag.const];
  return Array.isArray(tag?.enum) ? tag.enum : undefined;
}

function discriminated(node: Record<string, any>): Record<string, unknown> | undefined {
  const property = node.discriminator?.propertyName;
  const members = node.oneOf ?? node.anyOf;
  if (typeof property !== 'string' || !Array.isArray(members)) return undefined;
  const cases = members.map((member) => ({ tags: tagsOf(member, property), member }));
  if (cases.some((c) => !c.tags)) return undefined;
  const { oneOf: _o, anyOf: _a, discriminator: _d, ...rest } = node;
  return {
    ...rest,
    type: 'object',
    required: [property],
    properties: { [property]: { enum: cases.flatMap((c) => c.tags!) } },
    allOf: cases.map((c) => ({ if: { properties: { [property]: { enum: c.tags } } }, then: c.member })),
  };
}

function adapt(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(adapt);
  if (node === null || typeof node !== 'object') return node;
  const union = discriminated(node as Record<string, any>);
  if (union) node = union;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    out[key] = key === '$ref' && typeof value === 'string' && value.startsWith('#/') ? `${ID}${value}` : adapt(value);
  }
  if (out.nullable === true) {
    delete out.nullable;
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (Array.isArray(out.type)) out.type = out.type.includes('null') ? out.type : [...out.type, 'null'];
    else return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
addFormats(ajv);
// OpenAI's own format for Unix seconds.
ajv.addFormat('unixtime', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 });
const { paths, ...rest } = doc;
ajv.addSchema({ $id: ID, components: adapt(rest.components) });
const adaptedPaths = adapt(paths) as Record<string, Record<string, any>>;

const compiled = new Map<string, ValidateFunction>();
function validatorFor(key: string, schema: () => unknown): ValidateFunction {
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(schema() as object);
    compiled.set(key, validate);
  }
  return validate;
}

function problems(validate: ValidateFunction, value: unknown): string[] {
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''}`);
}

/** The document itself, unadapted (read-only). */
export function openaiDocument(): Record<string, any> {
  return doc;
}

/** Why `value` is not a `components.schemas[name]` of OpenAI's document (empty when it is). */
export function schemaProblems(name: string, value: unknown): string[] {
  if (!doc.components.schemas[name]) throw new Error(`OpenAI's document has no schema ${name}`);
  return problems(validatorFor(`schema:${name}`, () => ({ $ref: `${ID}#/components/schemas/${name}` })), value);
}

/** The OpenAI path template `/v1/...` answers for (`/organization/projects/{project_id}`), or undefined. */
export function openaiPath(path: string): string | undefined {
  const bare = path.split('?')[0]!.replace(/^\/v1/, '');
  const segments = bare.split('/');
  return Object.keys(adaptedPaths).find((template) => {
    const parts = template.split('/');
    return parts.length === segments.length && parts.every((part, i) => (part.startsWith('{') ? segments[i] !== '' : part === segments[i]));
  });
}

/**
 * Why a JSON answer of `method path` with `status` is not what OpenAI's
 * document says that operation answers (empty when it is). Error statuses
 * are checked against its `ErrorResponse`.
 */
export function answerProblems(method: string, path: string, status: number, body: unknown): string[] {
  if (status >= 400) return schemaProblems('ErrorResponse', body);
  const template = openaiPath(path);
  const operation = template ? adaptedPaths[template]?.[method.toLowerCase()] : undefined;
  if (!operation) throw new Error(`OpenAI's document has no operation ${method} ${path}`);
  const response = operation.responses?.[String(status)] ?? operation.responses?.default;
  const schema = response?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`OpenAI's document has no ${status} JSON answer for ${method} ${template}`);
  return problems(validatorFor(`${method} ${template} ${status}`, () => schema), body);
}
