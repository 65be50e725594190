import { createHash } from 'node:crypto';
import { TollgateError } from '../../common/errors.js';
import type { Clock } from '../../common/clock.js';
import { unixSeconds } from '../../common/clock.js';
import { newObjectId } from '../../common/ids.js';
import type { SimulatorConfig } from '../../config/index.js';
import {
  requestedMaxTokens,
  stopSequences,
  type ChatChunk,
  type ChatCompletion,
  type ChatRequest,
  type FinishReason,
  type ToolCall,
  type Usage,
} from '../../contract/index.js';
import { countChatPromptTokens, getEncoding } from '../../tokens/index.js';
import type { CallContext, Deployment, Provider } from '../types.js';
import { faultError, hang, readDirectives, sleep, type Directives } from './directives.js';
import { simulateEmbeddings } from './embed.js';
import { formatReply, replyText, toolCalls } from './generate.js';

export const SIMULATOR_PROVIDER_ID = 'simulator';
export const SIM_CHAT_MODEL = 'tollgate-sim';
export const SIM_EMBED_MODEL = 'tollgate-sim-embed';

const FINGERPRINT = 'fp_tollgate_sim';
const encoding = getEncoding('o200k_base');

interface PlannedChoice {
  index: number;
  tokens: number[];
  toolCalls: ToolCall[] | null;
  finish: FinishReason;
  completionTokens: number;
}

/** Same request, same answer: everything but transport options feeds the seed. */
function requestSeed(request: ChatRequest): string {
  const { stream: _s, stream_options: _o, max_tokens: _m, max_completion_tokens: _c, n: _n, stop: _t, ...rest } = request;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex');
}

function planChoices(request: ChatRequest): PlannedChoice[] {
  const seed = requestSeed(request);
  const max = requestedMaxTokens(request);
  const stops = stopSequences(request);
  const calls = toolCalls(request, seed);
  const choices: PlannedChoice[] = [];
  for (let index = 0; index < (request.n ?? 1); index++) {
    if (calls) {
      const completionTokens = calls.reduce((sum, c) => sum + encoding.count(c.function.name) + encoding.count(c.function.arguments), 0);
      choices.push({ index, tokens: [], toolCalls: calls, finish: 'tool_calls', completionTokens });
      continue;
    }
    let text = formatReply(request, replyText(request, index, seed));
    let finish: FinishReason = 'stop';
    const cut = Math.min(...stops.map((s) => text.indexOf(s)).filter((i) => i >= 0));
    if (Number.isFinite(cut)) text = text.slice(0, cut);
    let tokens = encoding.encode(text);
    if (max !== undefined && tokens.length > max) {
      tokens = tokens.slice(0, max);
      finish = 'length';
    }
    choices.push({ index, tokens, toolCalls: null, finish, completionTokens: tokens.length });
  }
  return choices;
}

function usageOf(request: ChatRequest, choices: PlannedChoice[]): Usage {
  const prompt = countChatPromptTokens(request.messages, encoding, request.tools);
  const completion = choices.reduce((sum, c) => sum + c.completionTokens, 0);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

/** Splits tokens into text pieces without cutting a multi-byte character in two. */
function* textPieces(tokens: number[]): Generator<string> {
  let pending: number[] = [];
  for (const token of tokens) {
    pending.push(token);
    const text = encoding.decode(pending);
    if (text.endsWith('\uFFFD') && pending.length < 4) continue;
    pending = [];
    yield text;
  }
  if (pending.length > 0) yield encoding.decode(pending);
}

/** What the simulator cannot produce is refused by name instead of silently ignored. */
function refuseUnsupported(request: ChatRequest, model: string): void {
  const refuse = (param: string, what: string) => {
    throw new TollgateError('unsupported_parameter', { param, message: `Unsupported parameter: '${param}' is not supported with the model ${model} (${what}).` });
  };
  if (request.logprobs) refuse('logprobs', 'it produces no log probabilities');
  if (request.modalities?.includes('audio') || request.audio) refuse(request.audio ? 'audio' : 'modalities', 'it produces text only');
  if (request.web_search_options) refuse('web_search_options', 'it cannot search the web');
}

async function beforeAnswer(directives: Directives, ctx: CallContext): Promise<void> {
  if (directives.fault?.kind === 'timeout') await hang(ctx.signal);
  if (directives.fault && directives.fault.kind !== 'disconnect') throw faultError(directives.fault);
  await sleep(directives.ttftMs, ctx.signal);
}

export function createSimulatorProvider(config: SimulatorConfig, clock: Clock): Provider {
  async function chat(request: ChatRequest, deployment: Deployment, ctx: CallContext): Promise<ChatCompletion> {
    refuseUnsupported(request, deployment.model);
    const directives = readDirectives(config, ctx);
    await beforeAnswer(directives, ctx);
    if (directives.fault?.kind === 'disconnect') throw faultError(directives.fault);
    const choices = planChoices(request);
    const longest = Math.max(...choices.map((c) => c.completionTokens));
    await sleep(directives.tokenDelayMs * longest, ctx.signal);
    return {
      id: newObjectId('chatcmpl-'),
      object: 'chat.completion',
      created: unixSeconds(clock.now()),
      model: deployment.model,
      choices: choices.map((c) => ({
        index: c.index,
        message: {
          role: 'assistant',
          content: c.toolCalls ? null : encoding.decode(c.tokens),
          refusal: null,
          ...(c.toolCalls ? { tool_calls: c.toolCalls } : {}),
          annotations: [],
        },
        logprobs: null,
        finish_reason: c.finish,
      })),
      usage: usageOf(request, choices),
      system_fingerprint: FINGERPRINT,
      service_tier: 'default',
    };
  }

  async function chatStream(request: ChatRequest, deployment: Deployment, ctx: CallContext): Promise<AsyncIterable<ChatChunk>> {
    refuseUnsupported(request, deployment.model);
    const directives = readDirectives(config, ctx);
    await beforeAnswer(directives, ctx);
    const choices = planChoices(request);
    const base = { id: newObjectId('chatcmpl-'), object: 'chat.completion.chunk' as const, created: unixSeconds(clock.now()), model: deployment.model, system_fingerprint: FINGERPRINT };
    const chunk = (choice: ChatChunk['choices'][number]): ChatChunk => ({ ...base, choices: [choice] });

    async function* generate(): AsyncGenerator<ChatChunk> {
      const pieces = choices.map((c) => [...textPieces(c.tokens)]);
      for (const c of choices) {
        yield chunk({ index: c.index, delta: { role: 'assistant', content: c.toolCalls ? null : '', refusal: null }, logprobs: null, finish_reason: null });
        for (const [i, call] of (c.toolCalls ?? []).entries()) {
          yield chunk({ index: c.index, delta: { tool_calls: [{ index: i, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }, logprobs: null, finish_reason: null });
          yield chunk({ index: c.index, delta: { tool_calls: [{ index: i, function: { arguments: call.function.arguments } }] }, logprobs: null, finish_reason: null });
        }
      }
      const longest = Math.max(...pieces.map((p) => p.length));
      let sent = 0;
      for (let step = 0; step < longest; step++) {
        if (step > 0) await sleep(directives.tokenDelayMs, ctx.signal);
        if (directives.fault?.kind === 'disconnect' && sent >= directives.fault.after) throw faultError(directives.fault);
        for (const c of choices) {
          const piece = pieces[c.index]![step];
          if (piece !== undefined) yield chunk({ index: c.index, delta: { content: piece }, logprobs: null, finish_reason: null });
        }
        sent++;
      }
      if (directives.fault?.kind === 'disconnect') throw faultError(directives.fault);
      for (const c of choices) yield chunk({ index: c.index, delta: {}, logprobs: null, finish_reason: c.finish });
      yield { ...base, choices: [], usage: usageOf(request, choices) };
    }
    return generate();
  }

  return {
    id: SIMULATOR_PROVIDER_ID,
    kind: 'simulator',
    chat,
    chatStream,
    countPromptTokens: (request) => countChatPromptTokens(request.messages, encoding, request.tools),
    async embeddings(request, deployment, ctx) {
      const directives = readDirectives(config, ctx);
      await beforeAnswer(directives, ctx);
      if (directives.fault?.kind === 'disconnect') throw faultError(directives.fault);
      return simulateEmbeddings(request, deployment.model, config.embedding_dimensions);
    },
  };
}
