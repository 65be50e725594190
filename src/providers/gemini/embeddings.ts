import { TollgateError } from '../../common/errors.js';
import { embeddingInputs, encodeEmbedding, type EmbeddingsRequest, type EmbeddingsResult } from '../../contract/index.js';
import type { Encoding } from '../../tokens/index.js';
import { UPSTREAM } from './messages.js';
import type { batchEmbedResponseSchema } from './wire-types.js';
import type { z } from 'zod';

export interface GeminiEmbedRequest {
  requests: { model: string; content: { parts: { text: string }[] }; outputDimensionality?: number }[];
}

const KNOWN = new Set(['model', 'input', 'encoding_format', 'dimensions', 'user']);

/** OpenAI embeddings request -> Gemini batchEmbedContents body (one request per input). */
export function toBatchEmbedRequest(request: EmbeddingsRequest, model: string): GeminiEmbedRequest {
  for (const [field, value] of Object.entries(request)) {
    if (value !== undefined && !KNOWN.has(field)) throw new TollgateError('unknown_parameter', { param: field, message: `Unknown parameter: '${field}'.` });
  }
  const inputs = embeddingInputs(request.input);
  const requests = inputs.map((input, i) => {
    if (typeof input !== 'string') {
      throw new TollgateError('unsupported_value', {
        param: Array.isArray(request.input) && inputs.length > 1 ? `input[${i}]` : 'input',
        message: `Unsupported value: token arrays are not supported with this model (served by ${UPSTREAM}); send text.`,
      });
    }
    return { model: `models/${model}`, content: { parts: [{ text: input }] }, ...(request.dimensions ? { outputDimensionality: request.dimensions } : {}) };
  });
  return { requests };
}

/**
 * Gemini embeddings -> OpenAI's list. Gemini reports no token counts for
 * embeddings, so usage is counted locally (the same count admission used).
 */
export function toEmbeddingsResult(
  response: z.infer<typeof batchEmbedResponseSchema>,
  request: EmbeddingsRequest,
  model: string,
  encoding: Encoding,
): EmbeddingsResult {
  const prompt = embeddingInputs(request.input).reduce<number>((sum, input) => sum + (typeof input === 'string' ? encoding.count(input) : input.length), 0);
  return {
    object: 'list',
    data: response.embeddings.map((e, index) => ({ object: 'embedding', index, embedding: encodeEmbedding(e.values, request.encoding_format) })),
    model,
    usage: { prompt_tokens: prompt, total_tokens: prompt },
  };
}
