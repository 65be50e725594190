import type { Usage } from '../../contract/index.js';
import type { AnthropicUsage } from './wire-types.js';

/**
 * Anthropic reports three disjoint input groups (uncached, cache writes,
 * cache reads); OpenAI's `prompt_tokens` is their sum, with cache reads as
 * `cached_tokens` and cache writes as `cache_write_tokens` (priced apart).
 * Thinking tokens are inside `output_tokens`.
 */
export function toUsage(usage: AnthropicUsage): Usage {
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const prompt = (usage.input_tokens ?? 0) + cacheWrite + cacheRead;
  const completion = usage.output_tokens ?? 0;
  const out: Usage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cacheRead, cache_write_tokens: cacheWrite },
  };
  const thinking = usage.output_tokens_details?.thinking_tokens;
  if (typeof thinking === 'number') out.completion_tokens_details = { reasoning_tokens: thinking };
  return out;
}

/** Stream usage arrives in message_start and is updated (cumulatively) by message_delta. */
export function mergeUsage(base: AnthropicUsage, update: AnthropicUsage | null | undefined): AnthropicUsage {
  if (!update) return base;
  const merged: AnthropicUsage = { ...base };
  for (const [key, value] of Object.entries(update)) {
    if (value !== null && value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  return merged;
}
