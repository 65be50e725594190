import type { FinishReason } from '../../contract/index.js';

/**
 * Anthropic `stop_reason` -> OpenAI `finish_reason`
 * (docs.claude.com/en/api/handling-stop-reasons). `pause_turn` is a server
 * tool turn the model paused: the text so far is a complete answer.
 */
const FINISH: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

/**
 * `jsonOutput`: the request's response_format was served by a forced tool,
 * so the tool call is the answer and the turn ended normally.
 */
export function finishReason(stopReason: string | null | undefined, jsonOutput: boolean): FinishReason {
  if (stopReason === 'tool_use' && jsonOutput) return 'stop';
  return (stopReason && FINISH[stopReason]) || 'stop';
}
