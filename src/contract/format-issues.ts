import type { z } from 'zod';
import { TollgateError } from '../common/errors.js';

/** `messages[0].content` from a zod path. */
export function paramPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  return out;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal number';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'boolean') return 'a boolean';
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let node = input;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text && text.length > 80 ? `${text.slice(0, 77)}...` : String(text);
}

/** Turns the first zod issue into OpenAI's 400 with `param` set, in OpenAI's wording. */
export function issueToError(issue: z.core.$ZodIssue, input: unknown): TollgateError {
  const path = issue.path as PropertyKey[];
  const param = paramPath(path) || null;
  const value = valueAt(input, path);
  const name = param ?? 'body';
  switch (issue.code) {
    case 'invalid_type': {
      if (value === undefined) {
        return new TollgateError('missing_required_parameter', { param, message: `Missing required parameter: '${name}'.` });
      }
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      return new TollgateError('invalid_type', {
        param,
        message: `Invalid type for '${name}': expected ${expected}, but got ${kindOf(value)} instead.`,
      });
    }
    case 'unrecognized_keys': {
      const key = issue.keys[0]!;
      const full = param ? `${param}.${key}` : key;
      return new TollgateError('unknown_parameter', { param: full, message: `Unknown parameter: '${full}'.` });
    }
    case 'too_big':
    case 'too_small': {
      const bound = issue.code === 'too_big' ? `<= ${String(issue.maximum)}` : `>= ${String(issue.minimum)}`;
      const what = issue.origin === 'array' || issue.origin === 'string' ? `a length ${bound}` : `a value ${bound}`;
      const got = issue.origin === 'array' || issue.origin === 'string' ? `a length of ${(value as { length: number }).length}` : quote(value);
      return new TollgateError('invalid_value', { param, message: `Invalid '${name}': expected ${what}, but got ${got} instead.` });
    }
    case 'invalid_value': {
      const allowed = issue.values.map((v) => `'${String(v)}'`).join(', ');
      return new TollgateError('invalid_value', {
        param,
        message: `Invalid value for '${name}': ${quote(value)}. Supported values are: ${allowed}.`,
      });
    }
    case 'invalid_union': {
      if (value === undefined) {
        return new TollgateError('missing_required_parameter', { param, message: `Missing required parameter: '${name}'.` });
      }
      const discriminator = (issue as { note?: string }).note === 'No matching discriminator';
      if (discriminator) {
        return new TollgateError('invalid_value', { param, message: `Invalid value for '${name}': ${quote(value)} is not a supported kind.` });
      }
      // Report the most specific branch failure when there is one.
      const branches = (issue as unknown as { errors: z.core.$ZodIssue[][] }).errors ?? [];
      const deepest = branches.flat().sort((a, b) => b.path.length - a.path.length)[0];
      if (deepest && deepest.path.length > 0) {
        return issueToError({ ...deepest, path: [...path, ...deepest.path] } as z.core.$ZodIssue, input);
      }
      return new TollgateError('invalid_type', { param, message: `Invalid type for '${name}': got ${kindOf(value)}, which is not one of the accepted forms.` });
    }
    default:
      return new TollgateError('invalid_value', { param, message: `Invalid value for '${name}': ${issue.message}.` });
  }
}

/** Parses a request body or throws the OpenAI-shaped 400 for its first problem. */
export function parseRequest<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new TollgateError('invalid_request', { message: 'The request body must be a JSON object.' });
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw issueToError(result.error.issues[0]!, body);
}
