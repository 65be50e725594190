import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { configLeaves, describeNode } from './introspect.js';
import { configSchema, type Config } from './schema.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface LoadConfigOptions {
  /** Explicit config file (--config). Else TOLLGATE_CONFIG, else ./tollgate.yaml when present. */
  file?: string;
  env?: Record<string, string | undefined>;
  /** Highest precedence: command-line flags. */
  overrides?: Record<string, unknown>;
  cwd?: string;
}

export interface LoadedConfig {
  config: Config;
  /** The file that was read, if any. */
  file?: string;
  /** Where each value not left at its default came from, by dotted path: the file, a TOLLGATE_* variable, or `command line`. */
  sources: Record<string, string>;
}

/** The dotted paths of a tree's leaves (a list is one leaf). */
function leafPaths(tree: Tree, prefix: string[] = []): string[] {
  return Object.entries(tree).flatMap(([key, value]) => (isPlainObject(value) && Object.keys(value).length > 0 ? leafPaths(value, [...prefix, key]) : [[...prefix, key].join('.')]));
}

type Tree = Record<string, unknown>;

function isPlainObject(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepMerge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(over)) {
    out[key] = isPlainObject(value) && isPlainObject(out[key]) ? deepMerge(out[key] as Tree, value) : value;
  }
  return out;
}

function setPath(tree: Tree, path: string[], value: unknown): void {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    if (!isPlainObject(node[key])) node[key] = {};
    node = node[key] as Tree;
  }
  node[path[path.length - 1]!] = value;
}

/** Environment strings become the leaf's type; what cannot be converted is left for zod to reject by name. */
function coerce(raw: string, kind: string, env: string): unknown {
  switch (kind) {
    case 'number':
    case 'int': {
      const n = Number(raw);
      return raw.trim() === '' || Number.isNaN(n) ? raw : n;
    }
    case 'boolean': {
      const v = raw.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(v)) return true;
      if (['false', '0', 'no', 'off'].includes(v)) return false;
      return raw;
    }
    case 'record':
    case 'array':
    case 'object':
      try {
        return JSON.parse(raw);
      } catch {
        throw new ConfigError(`Invalid configuration: ${env} must be JSON (${kind}).`);
      }
    default:
      return raw;
  }
}

function readFile(file: string): Tree {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read config file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`Config file ${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (parsed == null) return {};
  if (!isPlainObject(parsed)) throw new ConfigError(`Config file ${file} must hold a mapping of settings at its top level.`);
  return parsed;
}

function received(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function formatIssues(error: z.ZodError, sources: Map<string, string>, input: Tree): string {
  const lines = error.issues.map((issue) => {
    const path = issue.path.map(String).join('.') || '(root)';
    let value: unknown = input;
    for (const key of issue.path) value = isPlainObject(value) || Array.isArray(value) ? (value as Tree)[String(key)] : undefined;
    const where = sources.get(path) ?? sources.get(issue.path.slice(0, 1).map(String).join('.'));
    const problem = issue.code === 'unrecognized_keys' ? `unknown setting(s) ${issue.keys.join(', ')}` : `${issue.message}; got ${received(value)}`;
    return `  - ${path}: ${problem}${where ? ` (from ${where})` : ''}`;
  });
  return `Invalid configuration:\n${lines.join('\n')}`;
}

/** defaults < file < TOLLGATE_* environment < overrides; parsed once, frozen. */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const sources = new Map<string, string>();
  const leafSources: Record<string, string> = {};

  let file = options.file ?? env.TOLLGATE_CONFIG;
  if (!file && existsSync(resolve(cwd, 'tollgate.yaml'))) file = 'tollgate.yaml';
  let input: Tree = {};
  if (file) {
    file = resolve(cwd, file);
    input = readFile(file);
    for (const key of Object.keys(input)) sources.set(key, file);
    for (const path of leafPaths(input)) leafSources[path] = file;
  }

  const fromEnv: Tree = {};
  for (const leaf of configLeaves(configSchema)) {
    const raw = env[leaf.env];
    if (raw === undefined || raw === '') continue;
    setPath(fromEnv, leaf.path, coerce(raw, leaf.node.kind, leaf.env));
    sources.set(leaf.path.join('.'), leaf.env);
    leafSources[leaf.path.join('.')] = leaf.env;
  }
  input = deepMerge(input, fromEnv);
  if (options.overrides) {
    input = deepMerge(input, options.overrides);
    for (const key of Object.keys(options.overrides)) sources.set(key, 'command line');
    for (const path of leafPaths(options.overrides)) leafSources[path] = 'command line';
  }

  const result = configSchema.safeParse(input);
  if (!result.success) throw new ConfigError(formatIssues(result.error, sources, input));
  return { config: deepFreeze(result.data), file, sources: leafSources };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

const REDACTED = '[redacted]';

function redactUrlPassword(value: string): string {
  try {
    const url = new URL(value);
    if (!url.password) return value;
    url.password = 'redacted';
    return url.toString();
  } catch {
    return REDACTED;
  }
}

/** A copy of `value` with every secret leaf of `schema` replaced, for printing. */
export function redactConfig(value: unknown, schema: z.ZodType = configSchema): unknown {
  const node = describeNode(schema);
  if (value === undefined || value === null) return value;
  if (node.secret) return typeof value === 'string' && /^[a-z]+:\/\//.test(value) ? redactUrlPassword(value) : REDACTED;
  if (node.kind === 'object' && isPlainObject(value)) {
    const shape = (node.inner as z.ZodObject).shape as Record<string, z.ZodType>;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape[k] ? redactConfig(v, shape[k]) : v]));
  }
  if (node.kind === 'record' && isPlainObject(value)) {
    const valueSchema = (node.inner._zod.def as unknown as { valueType: z.ZodType }).valueType;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactConfig(v, valueSchema)]));
  }
  if (node.kind === 'array' && Array.isArray(value)) {
    const element = (node.inner._zod.def as unknown as { element: z.ZodType }).element;
    return value.map((v) => redactConfig(v, element));
  }
  return value;
}
