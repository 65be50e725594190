import { createHash } from 'node:crypto';
import { embeddingInputs, encodeEmbedding, type EmbeddingsRequest, type EmbeddingsResult } from '../../contract/index.js';
import { getEncoding } from '../../tokens/index.js';
import { seededRandom } from './random.js';

const encoding = getEncoding('cl100k_base');

/** A deterministic unit vector for a text: the same input always maps to the same point. */
export function unitVector(input: string | number[], dimensions: number): number[] {
  const key = typeof input === 'string' ? `s:${input}` : `t:${input.join(',')}`;
  const random = seededRandom(createHash('sha256').update(`${dimensions}/${key}`).digest('hex'));
  const vector = new Array<number>(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    // Box-Muller: normally distributed components give a uniformly random direction.
    const u = 1 - random();
    const v = random();
    vector[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    norm += vector[i]! * vector[i]!;
  }
  norm = Math.sqrt(norm);
  // Rounded through float32, as upstreams serve them, so float and base64 agree exactly.
  return vector.map((x) => Math.fround(x / norm));
}

export function simulateEmbeddings(request: EmbeddingsRequest, model: string, defaultDimensions: number): EmbeddingsResult {
  const dimensions = request.dimensions ?? defaultDimensions;
  const inputs = embeddingInputs(request.input);
  let tokens = 0;
  const data = inputs.map((input, index) => {
    tokens += typeof input === 'string' ? encoding.count(input) : input.length;
    return { object: 'embedding' as const, index, embedding: encodeEmbedding(unitVector(input, dimensions), request.encoding_format) };
  });
  return { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}
