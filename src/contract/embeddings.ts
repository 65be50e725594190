import { z } from 'zod';
import { endUserSchema } from './attribution.js';

export const embeddingsRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([
    z.string().min(1),
    z.array(z.string().min(1)).min(1).max(2048),
    z.array(z.number().int().min(0)).min(1),
    z.array(z.array(z.number().int().min(0)).min(1)).min(1).max(2048),
  ]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().min(1).optional(),
  user: endUserSchema.optional(),
});

export type EmbeddingsRequest = z.infer<typeof embeddingsRequestSchema>;

/** The inputs as a list: strings or token arrays. */
export function embeddingInputs(input: EmbeddingsRequest['input']): (string | number[])[] {
  if (typeof input === 'string') return [input];
  if (input.length > 0 && typeof input[0] === 'number') return [input as number[]];
  return input as (string | number[])[];
}

/** `base64` is the raw little-endian float32 array, as the openai SDK decodes it. */
export function encodeEmbedding(vector: number[], format: EmbeddingsRequest['encoding_format']): number[] | string {
  if (format !== 'base64') return vector;
  const bytes = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i]!, i * 4);
  return bytes.toString('base64');
}
