import type { ChatCompletion, ToolCall } from '../../contract/index.js';
import { finishReason } from './finish-reason.js';
import { toUsage } from './usage.js';
import type { AnthropicContentBlock, AnthropicMessage } from './wire-types.js';

export interface ResponseContext {
  /** Unix seconds, from the injectable clock. */
  created: number;
  /** The forced tool serving response_format, if any (see request.ts). */
  jsonTool: string | null;
}

export function isTextBlock(block: AnthropicContentBlock): block is { type: 'text'; text: string } {
  return block.type === 'text' && typeof (block as { text?: unknown }).text === 'string';
}

export function isToolUseBlock(block: AnthropicContentBlock): block is { type: 'tool_use'; id: string; name: string; input: unknown } {
  return block.type === 'tool_use' && typeof (block as { id?: unknown }).id === 'string';
}

/**
 * Anthropic message -> OpenAI chat completion. Text blocks join into
 * `content`; `tool_use` blocks become `tool_calls` with their input as a
 * JSON string; thinking and server-tool blocks have no place in the chat
 * contract and are left out (thinking is still counted in usage).
 */
export function toChatCompletion(message: AnthropicMessage, ctx: ResponseContext): ChatCompletion {
  let text = '';
  let hasText = false;
  const toolCalls: ToolCall[] = [];
  for (const block of message.content) {
    if (isTextBlock(block)) {
      text += block.text;
      hasText = true;
    } else if (isToolUseBlock(block)) {
      const args = JSON.stringify(block.input ?? {});
      if (ctx.jsonTool !== null && block.name === ctx.jsonTool) {
        text += args;
        hasText = true;
      } else {
        toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: args } });
      }
    }
  }
  const reply: ChatCompletion['choices'][number]['message'] = { role: 'assistant', content: hasText ? text : null, refusal: null };
  if (toolCalls.length > 0) reply.tool_calls = toolCalls;
  return {
    id: `chatcmpl-${message.id}`,
    object: 'chat.completion',
    created: ctx.created,
    model: message.model,
    choices: [{ index: 0, message: reply, logprobs: null, finish_reason: finishReason(message.stop_reason, ctx.jsonTool !== null) }],
    usage: toUsage(message.usage),
  };
}
