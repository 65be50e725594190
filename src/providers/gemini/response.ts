import { TollgateError } from '../../common/errors.js';
import type { ChatCompletion, ToolCall } from '../../contract/index.js';
import { finishReason } from './finish-reason.js';
import { toLogprobs } from './logprobs.js';
import { toUsage } from './usage.js';
import type { GeminiCandidate, GeminiResponse } from './wire-types.js';

export interface ResponseContext {
  /** Unix seconds, from the injectable clock. */
  created: number;
  /** The deployment's model, when the upstream names no version. */
  model: string;
  /** Gemini function calls have no id; OpenAI clients need one to answer them. */
  newCallId: () => string;
  provider: string;
}

export interface CandidateOutput {
  text: string;
  hasText: boolean;
  toolCalls: ToolCall[];
}

/** The answer text and function calls of a candidate; thought summaries are not the answer. */
export function candidateOutput(candidate: GeminiCandidate, newCallId: () => string): CandidateOutput {
  const out: CandidateOutput = { text: '', hasText: false, toolCalls: [] };
  for (const part of candidate.content?.parts ?? []) {
    if (part.functionCall) {
      // Gemini names a call only sometimes; OpenAI clients always need an id to answer it.
      const id = part.functionCall.id || newCallId();
      out.toolCalls.push({ id, type: 'function', function: { name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args ?? {}) } });
    } else if (typeof part.text === 'string' && !part.thought) {
      out.text += part.text;
      out.hasText ||= part.text !== '';
    }
  }
  return out;
}

export function responseId(response: GeminiResponse, fallback: () => string): string {
  return response.responseId ? `chatcmpl-${response.responseId}` : fallback();
}

/**
 * Gemini generateContent response -> OpenAI chat completion: one choice per
 * candidate; a prompt Gemini blocked (no candidates, `promptFeedback.blockReason`)
 * is one empty choice finished by `content_filter`.
 */
export function toChatCompletion(response: GeminiResponse, ctx: ResponseContext, fallbackId: () => string): ChatCompletion {
  const candidates = [...(response.candidates ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  const base = { id: responseId(response, fallbackId), object: 'chat.completion' as const, created: ctx.created, model: response.modelVersion ?? ctx.model, usage: toUsage(response.usageMetadata) };
  if (candidates.length === 0) {
    if (!response.promptFeedback?.blockReason) {
      throw new TollgateError('upstream_error', { message: `The upstream provider ${ctx.provider} returned no candidates.`, retryable: true });
    }
    return { ...base, choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: null }, logprobs: null, finish_reason: 'content_filter' }] };
  }
  const choices = candidates.map((candidate, i) => {
    const out = candidateOutput(candidate, ctx.newCallId);
    const message: ChatCompletion['choices'][number]['message'] = { role: 'assistant', content: out.hasText ? out.text : null, refusal: null };
    if (out.toolCalls.length > 0) message.tool_calls = out.toolCalls;
    return { index: candidate.index ?? i, message, logprobs: toLogprobs(candidate.logprobsResult), finish_reason: finishReason(candidate.finishReason, out.toolCalls.length > 0) };
  });
  return { ...base, choices };
}
