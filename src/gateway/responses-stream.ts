import { unixSeconds } from '../common/clock.js';
import { newObjectId } from '../common/ids.js';
import { toOpenAIError } from '../common/openai-error.js';
import { encodeEvent } from '../common/sse.js';
import type { ChatChunk, ResponseObject, ResponseOutputItem, ResponsesRequest, Usage } from '../contract/index.js';
import { incompleteReason, responseShell, responsesUsage } from './responses-translate.js';
import type { WireFormat } from './stream.js';

interface TextItem {
  outputIndex: number;
  id: string;
  text: string;
}

interface CallItem {
  outputIndex: number;
  id: string;
  callId: string;
  name: string;
  arguments: string;
}

export interface ResponsesWireOptions {
  body: ResponsesRequest;
  requestId: string;
  now: () => number;
  /** Usage counted by Tollgate when the upstream sent none. */
  countUsage(completionText: string): Usage;
  /** The finished output items, for later item references. */
  onOutput?(output: ResponseOutputItem[]): void;
}

const textPart = (text: string) => ({ type: 'output_text' as const, text, annotations: [], logprobs: [] });

/**
 * Chat chunks as Responses API events: `event:` lines, increasing
 * `sequence_number`, response.created first and response.completed (or
 * .incomplete / .failed) last, no [DONE]. Only the first choice is used: the
 * Responses API has no `n`.
 */
export function responsesWire(options: ResponsesWireOptions): WireFormat {
  const id = newObjectId('resp_');
  let sequence = 0;
  let shell: ResponseObject | null = null;
  let text: TextItem | null = null;
  const output: ResponseOutputItem[] = [];
  const calls = new Map<number, CallItem>();
  let nextIndex = 0;
  let finish: string | null = null;
  let usage: Usage | null = null;
  let produced = '';

  const event = (type: string, payload: Record<string, unknown>) => encodeEvent(type, { type, sequence_number: sequence++, ...payload });

  function start(model: string, created: number): string[] {
    if (shell) return [];
    shell = responseShell(id, options.body, model, created);
    return [event('response.created', { response: shell }), event('response.in_progress', { response: shell })];
  }

  function openText(): string[] {
    text = { outputIndex: nextIndex++, id: newObjectId('msg_'), text: '' };
    const item = { id: text.id, type: 'message', status: 'in_progress', role: 'assistant', content: [] };
    return [
      event('response.output_item.added', { output_index: text.outputIndex, item }),
      event('response.content_part.added', { item_id: text.id, output_index: text.outputIndex, content_index: 0, part: textPart('') }),
    ];
  }

  function closeText(): string[] {
    if (!text) return [];
    const { id: itemId, outputIndex, text: full } = text;
    const item: ResponseOutputItem = { id: itemId, type: 'message', status: 'completed', role: 'assistant', content: [textPart(full)] };
    output[outputIndex] = item;
    text = null;
    return [
      event('response.output_text.done', { item_id: itemId, output_index: outputIndex, content_index: 0, text: full, logprobs: [] }),
      event('response.content_part.done', { item_id: itemId, output_index: outputIndex, content_index: 0, part: textPart(full) }),
      event('response.output_item.done', { output_index: outputIndex, item }),
    ];
  }

  function toolDelta(delta: NonNullable<ChatChunk['choices'][number]['delta']['tool_calls']>[number]): string[] {
    const frames: string[] = [];
    let call = calls.get(delta.index);
    if (!call) {
      frames.push(...closeText());
      call = { outputIndex: nextIndex++, id: newObjectId('fc_'), callId: delta.id ?? newObjectId('call_'), name: delta.function?.name ?? '', arguments: '' };
      calls.set(delta.index, call);
      const item = { id: call.id, type: 'function_call', status: 'in_progress', call_id: call.callId, name: call.name, arguments: '' };
      frames.push(event('response.output_item.added', { output_index: call.outputIndex, item }));
    }
    const fragment = delta.function?.arguments ?? '';
    if (fragment) {
      call.arguments += fragment;
      frames.push(event('response.function_call_arguments.delta', { item_id: call.id, output_index: call.outputIndex, delta: fragment }));
    }
    return frames;
  }

  function closeCalls(): string[] {
    const frames: string[] = [];
    for (const call of calls.values()) {
      const item: ResponseOutputItem = { id: call.id, type: 'function_call', status: 'completed', call_id: call.callId, name: call.name, arguments: call.arguments };
      output[call.outputIndex] = item;
      frames.push(
        event('response.function_call_arguments.done', { item_id: call.id, output_index: call.outputIndex, name: call.name, arguments: call.arguments }),
        event('response.output_item.done', { output_index: call.outputIndex, item }),
      );
    }
    calls.clear();
    return frames;
  }

  return {
    chunk(chunk) {
      const frames = start(chunk.model, chunk.created);
      if (chunk.usage) usage = chunk.usage;
      for (const choice of chunk.choices) {
        if (choice.index !== 0) continue;
        const content = (choice.delta.content ?? '') + (choice.delta.refusal ?? '');
        if (content) {
          if (!text) frames.push(...openText());
          text!.text += content;
          produced += content;
          frames.push(event('response.output_text.delta', { item_id: text!.id, output_index: text!.outputIndex, content_index: 0, delta: content, logprobs: [] }));
        }
        for (const call of choice.delta.tool_calls ?? []) {
          produced += (call.function?.name ?? '') + (call.function?.arguments ?? '');
          frames.push(...toolDelta(call));
        }
        if (choice.finish_reason) finish = choice.finish_reason;
      }
      return frames;
    },
    done() {
      const frames = start('', unixSeconds(options.now()));
      if (nextIndex === 0) frames.push(...openText());
      frames.push(...closeText(), ...closeCalls());
      const incomplete = incompleteReason(finish);
      const final: ResponseObject = {
        ...shell!,
        status: incomplete ? 'incomplete' : 'completed',
        completed_at: unixSeconds(options.now()),
        incomplete_details: incomplete,
        output,
        usage: responsesUsage(usage ?? options.countUsage(produced)),
      };
      frames.push(event(incomplete ? 'response.incomplete' : 'response.completed', { response: final }));
      options.onOutput?.(output);
      return frames;
    },
    error(err) {
      const frames = start('', unixSeconds(options.now()));
      const { error } = toOpenAIError(err, options.requestId).body;
      frames.push(event('error', { error }));
      const failed: ResponseObject = { ...shell!, status: 'failed', output: output.filter(Boolean), error: { code: error.code ?? error.type, message: error.message } };
      frames.push(event('response.failed', { response: failed }));
      return frames;
    },
  };
}
