import { z } from 'zod';

/**
 * The Anthropic Messages API as Tollgate reads it (docs.claude.com/en/api/messages
 * and /en/docs/build-with-claude/streaming). Objects are loose: new upstream
 * fields must not break parsing; only what the translators read is checked.
 */

export const usageSchema = z.looseObject({
  input_tokens: z.number().int().nonnegative().nullish(),
  output_tokens: z.number().int().nonnegative().nullish(),
  cache_creation_input_tokens: z.number().int().nonnegative().nullish(),
  cache_read_input_tokens: z.number().int().nonnegative().nullish(),
  output_tokens_details: z.looseObject({ thinking_tokens: z.number().int().nonnegative().nullish() }).nullish(),
});
export type AnthropicUsage = z.infer<typeof usageSchema>;

const textBlock = z.looseObject({ type: z.literal('text'), text: z.string() });
const toolUseBlock = z.looseObject({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.unknown() });
/** thinking, redacted_thinking, server_tool_use, web_search_tool_result, ...: not part of the chat contract. */
const otherBlock = z.looseObject({ type: z.string() });
export const contentBlockSchema = z.union([textBlock, toolUseBlock, otherBlock]);
export type AnthropicContentBlock = z.infer<typeof contentBlockSchema>;

export const stopReasonSchema = z.string().nullish();

export const messageSchema = z.looseObject({
  id: z.string(),
  type: z.literal('message'),
  role: z.literal('assistant'),
  model: z.string(),
  content: z.array(contentBlockSchema),
  stop_reason: stopReasonSchema,
  stop_sequence: z.string().nullish(),
  usage: usageSchema,
});
export type AnthropicMessage = z.infer<typeof messageSchema>;

const errorDetail = z.looseObject({ type: z.string(), message: z.string() });
export const errorBodySchema = z.looseObject({ type: z.literal('error'), error: errorDetail, request_id: z.string().nullish() });

const delta = z.union([
  z.looseObject({ type: z.literal('text_delta'), text: z.string() }),
  z.looseObject({ type: z.literal('input_json_delta'), partial_json: z.string() }),
  // thinking_delta, signature_delta, citations_delta, ...
  z.looseObject({ type: z.string() }),
]);

export const streamEventSchema = z.discriminatedUnion('type', [
  z.looseObject({
    type: z.literal('message_start'),
    message: z.looseObject({ id: z.string(), model: z.string(), usage: usageSchema.nullish() }),
  }),
  z.looseObject({ type: z.literal('content_block_start'), index: z.number().int(), content_block: contentBlockSchema }),
  z.looseObject({ type: z.literal('content_block_delta'), index: z.number().int(), delta }),
  z.looseObject({ type: z.literal('content_block_stop'), index: z.number().int() }),
  z.looseObject({
    type: z.literal('message_delta'),
    delta: z.looseObject({ stop_reason: stopReasonSchema, stop_sequence: z.string().nullish() }),
    usage: usageSchema.nullish(),
  }),
  z.looseObject({ type: z.literal('message_stop') }),
  z.looseObject({ type: z.literal('ping') }),
  z.looseObject({ type: z.literal('error'), error: errorDetail }),
]);
export type AnthropicStreamEvent = z.infer<typeof streamEventSchema>;

/** What Tollgate sends: the request body of POST /v1/messages. */
export type AnthropicRequestBlock =
  | { type: 'text'; text: string }
  | { type: 'image'; source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string } }
  | { type: 'document'; source: { type: 'base64'; media_type: string; data: string } }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | { type: 'tool_result'; tool_use_id: string; content: string | { type: 'text'; text: string }[] };

export interface AnthropicRequestMessage {
  role: 'user' | 'assistant';
  content: AnthropicRequestBlock[];
}

export type AnthropicToolChoice =
  | { type: 'auto' | 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

export interface AnthropicRequest {
  model: string;
  max_tokens: number;
  messages: AnthropicRequestMessage[];
  system?: { type: 'text'; text: string }[];
  temperature?: number;
  top_p?: number;
  stop_sequences?: string[];
  metadata?: { user_id: string };
  tools?: { name: string; description?: string; input_schema: Record<string, unknown>; strict?: boolean }[];
  output_config?: { format: { type: 'json_schema'; schema: Record<string, unknown> } };
  tool_choice?: AnthropicToolChoice;
  stream?: boolean;
}
