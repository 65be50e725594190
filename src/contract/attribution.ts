import { z } from 'zod';

/**
 * What a request says about who and what it is for, recorded on its usage
 * event: OpenAI's `user` (the caller's end user) and `metadata` (at most 16
 * pairs, keys up to 64 characters, values up to 512, as OpenAI bounds them).
 */
export const MAX_METADATA_PAIRS = 16;
export const MAX_END_USER_LENGTH = 256;

export const endUserSchema = z.string().max(MAX_END_USER_LENGTH);

export const metadataSchema = z
  .record(z.string().max(64), z.string().max(512))
  .refine((pairs) => Object.keys(pairs).length <= MAX_METADATA_PAIRS, { message: `Invalid 'metadata': at most ${MAX_METADATA_PAIRS} key-value pairs are allowed.` });

export interface Attribution {
  endUser: string | null;
  metadata: Record<string, string> | null;
}

export function attributionOf(body: { user?: string | undefined; metadata?: Record<string, string> | null | undefined }): Attribution {
  const metadata = body.metadata && Object.keys(body.metadata).length > 0 ? body.metadata : null;
  return { endUser: body.user || null, metadata };
}
