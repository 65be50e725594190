import { TollgateError } from '../../common/errors.js';
import type { ChatChunk, FinishReason } from '../../contract/index.js';
import { finishReason } from './finish-reason.js';
import { toLogprobs } from './logprobs.js';
import { candidateOutput, responseId, type ResponseContext } from './response.js';
import { toUsage } from './usage.js';
import type { GeminiResponse, GeminiUsage } from './wire-types.js';

interface ChoiceState {
  toolCount: number;
  finished: boolean;
}

export interface GeminiStreamTranslator {
  /** The chunks one streamed GenerateContentResponse becomes. */
  push(response: GeminiResponse): ChatChunk[];
  /** The closing usage chunk once the upstream stream closed; a stream cut before every candidate finished throws. */
  end(): ChatChunk[];
}

/**
 * Gemini's SSE stream (each event a GenerateContentResponse holding only new
 * parts) -> OpenAI chunks: a role chunk the first time a candidate appears,
 * text deltas, one whole tool call delta per function call (Gemini sends
 * calls whole) with a generated id, a finish chunk, and at the end a usage
 * chunk with `choices: []` from the last (cumulative) usage metadata.
 */
export function createStreamTranslator(ctx: ResponseContext, fallbackId: () => string): GeminiStreamTranslator {
  let id: string | null = null;
  let model = ctx.model;
  let usage: GeminiUsage | null = null;
  const choices = new Map<number, ChoiceState>();

  const chunk = (index: number, delta: ChatChunk['choices'][number]['delta'], finish: FinishReason | null = null): ChatChunk => ({
    id: id!,
    object: 'chat.completion.chunk',
    created: ctx.created,
    model,
    choices: [{ index, delta, logprobs: null, finish_reason: finish }],
  });

  function open(index: number, out: ChatChunk[]): ChoiceState {
    let state = choices.get(index);
    if (!state) {
      state = { toolCount: 0, finished: false };
      choices.set(index, state);
      out.push(chunk(index, { role: 'assistant', content: '' }));
    }
    return state;
  }

  return {
    push(response) {
      id ??= responseId(response, fallbackId);
      if (response.modelVersion) model = response.modelVersion;
      if (response.usageMetadata) usage = response.usageMetadata;
      const out: ChatChunk[] = [];
      const candidates = response.candidates ?? [];
      if (candidates.length === 0 && response.promptFeedback?.blockReason) {
        const state = open(0, out);
        state.finished = true;
        out.push(chunk(0, {}, 'content_filter'));
      }
      candidates.forEach((candidate, i) => {
        const index = candidate.index ?? i;
        const state = open(index, out);
        const { text, toolCalls } = candidateOutput(candidate, ctx.newCallId);
        if (text !== '') {
          const textChunk = chunk(index, { content: text });
          const logprobs = toLogprobs(candidate.logprobsResult);
          if (logprobs) textChunk.choices[0]!.logprobs = logprobs;
          out.push(textChunk);
        }
        for (const call of toolCalls) out.push(chunk(index, { tool_calls: [{ index: state.toolCount++, ...call }] }));
        if (candidate.finishReason) {
          state.finished = true;
          out.push(chunk(index, {}, finishReason(candidate.finishReason, state.toolCount > 0)));
        }
      });
      return out;
    },
    end() {
      if (choices.size === 0 || [...choices.values()].some((state) => !state.finished)) {
        throw new TollgateError('upstream_error', { message: `The upstream provider ${ctx.provider} ended the stream before it was complete.` });
      }
      return [{ id: id!, object: 'chat.completion.chunk', created: ctx.created, model, choices: [], usage: toUsage(usage) }];
    },
  };
}
