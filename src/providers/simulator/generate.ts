import type { ChatMessage, ChatRequest, ToolCall } from '../../contract/index.js';
import { seededRandom } from './random.js';

const WORDS = (
  'the a system request model gateway token stream answer reply simulated deterministic offline test ' +
  'quick latency budget project key route provider upstream fallback retry limit usage cost window ' +
  'result value example message context prompt output input careful steady clear simple useful ready'
).split(' ');

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (p && typeof p === 'object' && 'text' in p ? String(p.text) : '')).join('');
  return '';
}

export function lastMessage(request: ChatRequest): ChatMessage {
  return request.messages[request.messages.length - 1]!;
}

function lastUserText(request: ChatRequest): string {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const m = request.messages[i]!;
    if (m.role === 'user') return contentText(m.content);
  }
  return '';
}

/** What the simulator says, before stop sequences and the token cap apply. */
export function replyText(request: ChatRequest, choice: number, seed: string): string {
  const last = lastMessage(request);
  if (last.role === 'tool') {
    const call = request.messages
      .flatMap((m) => (m.role === 'assistant' ? (m.tool_calls ?? []) : []))
      .find((c) => c.id === last.tool_call_id);
    const output = contentText(last.content);
    return `The ${call?.function.name ?? 'tool'} tool returned: ${output.length > 200 ? `${output.slice(0, 200)}...` : output}`;
  }
  const userText = lastUserText(request);
  // "echo: <text>" makes the reply exactly <text>: handy for tests of stop sequences and token caps.
  const echo = /^\s*echo:\s?([\s\S]*)$/i.exec(userText);
  if (echo) return echo[1]!;
  const random = seededRandom(`${seed}/${choice}`);
  const topic = userText.trim().split(/\s+/).slice(0, 8).join(' ');
  const count = 12 + Math.floor(random() * 36);
  const words: string[] = [];
  for (let i = 0; i < count; i++) words.push(WORDS[Math.floor(random() * WORDS.length)]!);
  const body = words.join(' ');
  return `This is a simulated reply${topic ? ` to "${topic}"` : ''}: ${body.charAt(0).toUpperCase()}${body.slice(1)}.`;
}

type JsonSchema = { type?: string | string[]; properties?: Record<string, JsonSchema>; items?: JsonSchema; enum?: unknown[]; minimum?: number; const?: unknown; anyOf?: JsonSchema[] };

/** A deterministic value that satisfies a (simple) JSON schema; string fields take `name=value` hints from the prompt. */
export function sampleFromSchema(schema: JsonSchema | undefined, hints: string, name = 'value', depth = 0): unknown {
  if (!schema || depth > 8) return {};
  if (schema.const !== undefined) return schema.const;
  if (schema.enum && schema.enum.length > 0) return schema.enum[0];
  if (schema.anyOf && schema.anyOf.length > 0) return sampleFromSchema(schema.anyOf[0], hints, name, depth + 1);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type ?? (schema.properties ? 'object' : 'string')) {
    case 'object':
      return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, v]) => [k, sampleFromSchema(v, hints, k, depth + 1)]));
    case 'array':
      return [sampleFromSchema(schema.items, hints, name, depth + 1)];
    case 'integer':
      return Math.max(schema.minimum ?? 42, 42);
    case 'number':
      return Math.max(schema.minimum ?? 4.2, 4.2);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default: {
      const hint = new RegExp(`\\b${name.replace(/[^a-zA-Z0-9_]/g, '')}\\s*[=:]\\s*"?([^",\\n]+)"?`, 'i').exec(hints);
      return hint ? hint[1]!.trim() : `sample ${name}`;
    }
  }
}

/** Tool calls the simulator makes, or null when it answers with text. */
export function toolCalls(request: ChatRequest, seed: string): ToolCall[] | null {
  const tools = (request.tools ?? []).filter((t) => t.type === 'function');
  if (tools.length === 0 || request.tool_choice === 'none' || lastMessage(request).role !== 'user') return null;
  const userText = lastUserText(request);
  let chosen = tools.filter((t) => new RegExp(`\\b${t.function.name}\\b`).test(userText));
  const choice = request.tool_choice;
  if (choice && typeof choice === 'object' && choice.type === 'function') {
    chosen = tools.filter((t) => t.function.name === choice.function.name);
  } else if (chosen.length === 0 && choice === 'required') {
    chosen = [tools[0]!];
  }
  if (chosen.length === 0) return null;
  if (request.parallel_tool_calls === false) chosen = chosen.slice(0, 1);
  return chosen.map((tool, i) => ({
    id: `call_${seededRandom(`${seed}/call/${i}`)().toString(36).slice(2, 14).padEnd(12, '0')}${i}`,
    type: 'function' as const,
    function: {
      name: tool.function.name,
      arguments: JSON.stringify(sampleFromSchema(tool.function.parameters as JsonSchema | undefined, userText)),
    },
  }));
}

/** Applies response_format: JSON mode wraps the reply, json_schema produces a conforming object. */
export function formatReply(request: ChatRequest, text: string): string {
  const format = request.response_format;
  if (!format || format.type === 'text') return text;
  if (format.type === 'json_object') return JSON.stringify({ reply: text });
  return JSON.stringify(sampleFromSchema(format.json_schema.schema as JsonSchema | undefined, lastUserText(request)));
}
