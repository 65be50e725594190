import type { FinishReason } from '../../contract/index.js';

/** Reasons a candidate was withheld or cut for its content (Gemini `FinishReason` enum). */
const FILTERED = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY', 'IMAGE_PROHIBITED_CONTENT', 'IMAGE_RECITATION']);

/**
 * Gemini `finishReason` -> OpenAI `finish_reason`. Gemini ends a turn that
 * calls functions with STOP; OpenAI clients expect `tool_calls` there.
 * MALFORMED_FUNCTION_CALL, LANGUAGE, OTHER, NO_IMAGE, ... end the turn: `stop`.
 */
export function finishReason(reason: string | null | undefined, hasFunctionCalls: boolean): FinishReason {
  if (reason === 'MAX_TOKENS') return 'length';
  if (reason && FILTERED.has(reason)) return 'content_filter';
  return hasFunctionCalls ? 'tool_calls' : 'stop';
}
