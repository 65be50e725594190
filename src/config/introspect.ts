import { z } from 'zod';

/** What the loader, the redactor and the docs need to know about one schema node. */
export interface SchemaNode {
  /** The node with default/optional/prefault wrappers removed. */
  inner: z.ZodType;
  kind: string;
  description?: string;
  secret: boolean;
  defaultValue?: unknown;
}

const WRAPPERS = new Set(['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch']);

export function describeNode(schema: z.ZodType): SchemaNode {
  let node = schema;
  let description: string | undefined;
  let secret = false;
  let defaultValue: unknown;
  for (;;) {
    const meta = z.globalRegistry.get(node) as { description?: string; secret?: boolean } | undefined;
    description ??= meta?.description ?? node.description;
    secret ||= meta?.secret === true;
    const def = node._zod.def as { type: string; innerType?: z.ZodType; defaultValue?: unknown };
    if (!WRAPPERS.has(def.type) || !def.innerType) break;
    if (def.type === 'default' && defaultValue === undefined) defaultValue = def.defaultValue;
    node = def.innerType;
  }
  return { inner: node, kind: (node._zod.def as { type: string }).type, description, secret, defaultValue };
}

export interface ConfigLeaf {
  path: string[];
  env: string;
  node: SchemaNode;
}

/** Every settable leaf of an object schema (nested objects are walked, records and arrays are leaves). */
export function configLeaves(schema: z.ZodType, prefix: string[] = []): ConfigLeaf[] {
  const node = describeNode(schema);
  if (node.kind === 'object') {
    const shape = (node.inner as z.ZodObject).shape as Record<string, z.ZodType>;
    return Object.entries(shape).flatMap(([key, child]) => configLeaves(child, [...prefix, key]));
  }
  return [{ path: prefix, env: envName(prefix), node }];
}

export function envName(path: string[]): string {
  return `TOLLGATE_${path.join('_').toUpperCase()}`;
}
