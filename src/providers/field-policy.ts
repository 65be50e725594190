import { TollgateError } from '../common/errors.js';
import { chatRequestSchema, type ChatRequest } from '../contract/index.js';

/**
 * How a translating provider treats a chat request field:
 * - `translated`: mapped to the upstream's equivalent;
 * - `accepted`: a hint with no upstream equivalent whose absence changes no
 *   output (documented per provider in docs/providers.md);
 * - a function: returns why the given value cannot be honoured (a sentence
 *   for the client), or null when it can.
 * A field without a rule is rejected whenever it is set.
 */
export type FieldRule = 'translated' | 'accepted' | ((value: unknown, request: ChatRequest) => string | null);

const KNOWN_FIELDS = new Set(Object.keys(chatRequestSchema.shape));

/** Only the value that changes nothing (`0` penalties, `false` flags, empty maps) can be honoured. */
export function onlyNeutral(neutral: unknown): FieldRule {
  return (value) => {
    if (value === neutral) return null;
    if (typeof value === 'object' && value !== null && Object.keys(value).length === 0) return null;
    return `only ${JSON.stringify(neutral)} is supported`;
  };
}

/**
 * Rejects what the upstream cannot honour, naming the field, instead of
 * dropping it: a caller who asks for logprobs must not silently get none.
 * `null` means "the default" in OpenAI's API and is always accepted.
 */
export function checkFields(request: ChatRequest, rules: Readonly<Record<string, FieldRule>>, upstream: string): void {
  for (const [field, value] of Object.entries(request)) {
    if (value === undefined || value === null) continue;
    if (!KNOWN_FIELDS.has(field)) {
      throw new TollgateError('unknown_parameter', { param: field, message: `Unknown parameter: '${field}'.` });
    }
    const rule = rules[field];
    if (rule === 'translated' || rule === 'accepted') continue;
    if (!rule) {
      throw new TollgateError('unsupported_parameter', {
        param: field,
        message: `Unsupported parameter: '${field}' is not supported with this model (served by ${upstream}).`,
      });
    }
    const problem = rule(value, request);
    if (problem !== null) {
      throw new TollgateError('unsupported_value', {
        param: field,
        message: `Unsupported value: '${field}' ${problem} with this model (served by ${upstream}).`,
      });
    }
  }
}
