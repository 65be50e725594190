import type { Usage } from '../../contract/index.js';
import type { GeminiUsage } from './wire-types.js';

/**
 * Gemini usage -> OpenAI usage. Prompt tokens include the tool-use prompt
 * (tool results Gemini read); completion tokens include thoughts, which
 * Gemini counts apart but bills as output; cached tokens are a subset of
 * the prompt, as in OpenAI's.
 */
export function toUsage(usage: GeminiUsage | null | undefined): Usage {
  const prompt = (usage?.promptTokenCount ?? 0) + (usage?.toolUsePromptTokenCount ?? 0);
  const thoughts = usage?.thoughtsTokenCount ?? 0;
  const completion = (usage?.candidatesTokenCount ?? 0) + thoughts;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: usage?.totalTokenCount ?? prompt + completion,
    prompt_tokens_details: { cached_tokens: usage?.cachedContentTokenCount ?? 0 },
    completion_tokens_details: { reasoning_tokens: thoughts },
  };
}
