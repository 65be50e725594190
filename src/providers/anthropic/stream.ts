import { TollgateError } from '../../common/errors.js';
import type { ChatChunk, FinishReason, ToolCallDelta } from '../../contract/index.js';
import { mapErrorEvent } from './errors.js';
import { finishReason } from './finish-reason.js';
import { isTextBlock, isToolUseBlock, type ResponseContext } from './response.js';
import { mergeUsage, toUsage } from './usage.js';
import type { AnthropicStreamEvent, AnthropicUsage } from './wire-types.js';

/** What a content block index carries through its deltas. */
type BlockRole = { kind: 'text' } | { kind: 'json' } | { kind: 'tool'; index: number; sentArguments: boolean } | { kind: 'ignored' };

type Delta = ChatChunk['choices'][number]['delta'];

export interface AnthropicStreamTranslator {
  /** The chunks one upstream event becomes (often none). Throws on an `error` event. */
  push(event: AnthropicStreamEvent): ChatChunk[];
  /** Call when the upstream stream closes: a stream cut before `message_stop` is an error, not a short answer. */
  end(): void;
}

/**
 * Anthropic's event sequence -> OpenAI chunks: a role chunk at
 * message_start, text and tool-call deltas (id, type and name first, then
 * argument fragments, keyed by a running tool index), a finish chunk at
 * message_delta, and a usage chunk with `choices: []` at message_stop.
 */
export function createStreamTranslator(ctx: ResponseContext, provider: string): AnthropicStreamTranslator {
  let id = '';
  let model = '';
  let usage: AnthropicUsage = {};
  let finish: FinishReason | null = null;
  let stopped = false;
  let toolCount = 0;
  const blocks = new Map<number, BlockRole>();

  const chunk = (choices: ChatChunk['choices'], extra: Partial<ChatChunk> = {}): ChatChunk => ({
    id,
    object: 'chat.completion.chunk',
    created: ctx.created,
    model,
    choices,
    ...extra,
  });
  const delta = (d: Delta, finishReason: FinishReason | null = null): ChatChunk => chunk([{ index: 0, delta: d, logprobs: null, finish_reason: finishReason }]);
  const toolDelta = (call: ToolCallDelta): ChatChunk => delta({ tool_calls: [call] });

  function startBlock(index: number, block: Extract<AnthropicStreamEvent, { type: 'content_block_start' }>['content_block']): ChatChunk[] {
    if (isTextBlock(block)) {
      blocks.set(index, { kind: 'text' });
      return block.text ? [delta({ content: block.text })] : [];
    }
    if (isToolUseBlock(block)) {
      if (ctx.jsonTool !== null && block.name === ctx.jsonTool) {
        blocks.set(index, { kind: 'json' });
        return [];
      }
      const role = { kind: 'tool' as const, index: toolCount++, sentArguments: false };
      blocks.set(index, role);
      return [toolDelta({ index: role.index, id: block.id, type: 'function', function: { name: block.name, arguments: '' } })];
    }
    // thinking, redacted_thinking and server tools (run by Anthropic) are not chat output.
    blocks.set(index, { kind: 'ignored' });
    return [];
  }

  function blockDelta(event: Extract<AnthropicStreamEvent, { type: 'content_block_delta' }>): ChatChunk[] {
    const role = blocks.get(event.index);
    const d = event.delta as { type: string; text?: unknown; partial_json?: unknown };
    if (!role || role.kind === 'ignored') return [];
    if (d.type === 'text_delta' && typeof d.text === 'string' && role.kind === 'text') return d.text ? [delta({ content: d.text })] : [];
    if (d.type !== 'input_json_delta' || typeof d.partial_json !== 'string' || d.partial_json === '') return [];
    if (role.kind === 'json') return [delta({ content: d.partial_json })];
    if (role.kind === 'tool') {
      role.sentArguments = true;
      return [toolDelta({ index: role.index, function: { arguments: d.partial_json } })];
    }
    return [];
  }

  function stopBlock(index: number): ChatChunk[] {
    const role = blocks.get(index);
    // A call without arguments streams none; clients JSON.parse the arguments, so send an empty object.
    if (role?.kind === 'tool' && !role.sentArguments) return [toolDelta({ index: role.index, function: { arguments: '{}' } })];
    return [];
  }

  return {
    push(event) {
      switch (event.type) {
        case 'message_start':
          id = `chatcmpl-${event.message.id}`;
          model = event.message.model;
          usage = mergeUsage(usage, event.message.usage);
          return [delta({ role: 'assistant', content: '' })];
        case 'content_block_start':
          return startBlock(event.index, event.content_block);
        case 'content_block_delta':
          return blockDelta(event);
        case 'content_block_stop':
          return stopBlock(event.index);
        case 'message_delta':
          usage = mergeUsage(usage, event.usage);
          if (!event.delta.stop_reason) return [];
          finish = finishReason(event.delta.stop_reason, ctx.jsonTool !== null);
          return [delta({}, finish)];
        case 'message_stop':
          stopped = true;
          return [
            ...(finish === null ? [delta({}, 'stop')] : []),
            chunk([], { usage: toUsage(usage) }),
          ];
        case 'ping':
          return [];
        case 'error':
          throw mapErrorEvent(event.error, provider);
      }
    },
    end() {
      if (!stopped) throw new TollgateError('upstream_error', { message: `The upstream provider ${provider} ended the stream before it was complete.` });
    },
  };
}
