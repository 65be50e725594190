import { TollgateError } from '../../common/errors.js';
import type { ChatRequest } from '../../contract/index.js';
import { UPSTREAM } from './messages.js';

export type ThinkingConfig = { thinkingBudget: number } | { thinkingLevel: 'minimal' | 'low' | 'medium' | 'high' };

/**
 * Budgets Google's own OpenAI-compatible endpoint uses for Gemini 2.5
 * (ai.google.dev/gemini-api/docs/openai): low 1K, medium 8K, high 24K, none 0.
 */
const BUDGETS: Record<string, number> = { none: 0, low: 1024, medium: 8192, high: 24_576 };
const LEVELS = new Set(['minimal', 'low', 'medium', 'high']);

/**
 * `reasoning_effort` -> `thinkingConfig`: a thinking budget on Gemini 2.5,
 * a thinking level on Gemini 3 and later. Efforts a model family has no
 * setting for are rejected rather than approximated.
 */
export function thinkingConfig(request: ChatRequest, model: string): ThinkingConfig | undefined {
  const effort = request.reasoning_effort;
  if (effort == null) return undefined;
  const legacy = /^(models\/)?gemini-2\./.test(model);
  if (legacy && effort in BUDGETS) return { thinkingBudget: BUDGETS[effort]! };
  if (!legacy && LEVELS.has(effort)) return { thinkingLevel: effort as 'minimal' | 'low' | 'medium' | 'high' };
  throw new TollgateError('unsupported_value', {
    param: 'reasoning_effort',
    message: `Unsupported value: 'reasoning_effort' '${effort}' is not supported with this model (served by ${UPSTREAM}; supported: ${legacy ? 'none, low, medium, high' : 'minimal, low, medium, high'}).`,
  });
}
