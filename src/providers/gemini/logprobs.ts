import type { GeminiLogprobs } from './wire-types.js';

export interface TokenLogprob {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs: { token: string; logprob: number; bytes: number[] }[];
}

export interface ChoiceLogprobs {
  content: TokenLogprob[];
  refusal: null;
}

const utf8 = (token: string): number[] => [...Buffer.from(token, 'utf8')];

/**
 * Gemini `logprobsResult` -> OpenAI `logprobs`: one entry per decoding step,
 * the chosen token with its log probability and, when asked for, the top
 * alternatives of that step.
 */
export function toLogprobs(result: GeminiLogprobs | null | undefined): ChoiceLogprobs | null {
  if (!result) return null;
  const chosen = result.chosenCandidates ?? [];
  const top = result.topCandidates ?? [];
  const content = chosen.map((candidate, step) => {
    const token = candidate.token ?? '';
    return {
      token,
      logprob: candidate.logProbability ?? 0,
      bytes: utf8(token),
      top_logprobs: (top[step]?.candidates ?? []).map((alt) => ({ token: alt.token ?? '', logprob: alt.logProbability ?? 0, bytes: utf8(alt.token ?? '') })),
    };
  });
  return { content, refusal: null };
}
