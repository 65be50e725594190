import { z } from 'zod';

/**
 * The Gemini API (ai.google.dev/api/generate-content) as Tollgate reads it.
 * Objects are loose so new upstream fields never break parsing.
 */

const count = z.number().int().nonnegative().nullish();

export const usageMetadataSchema = z.looseObject({
  promptTokenCount: count,
  candidatesTokenCount: count,
  totalTokenCount: count,
  cachedContentTokenCount: count,
  thoughtsTokenCount: count,
  toolUsePromptTokenCount: count,
});
export type GeminiUsage = z.infer<typeof usageMetadataSchema>;

export const partSchema = z.looseObject({
  text: z.string().nullish(),
  /** A thought summary, not the answer. */
  thought: z.boolean().nullish(),
  thoughtSignature: z.string().nullish(),
  functionCall: z.looseObject({ id: z.string().nullish(), name: z.string(), args: z.record(z.string(), z.unknown()).nullish() }).nullish(),
});

const logprobCandidate = z.looseObject({ token: z.string().nullish(), logProbability: z.number().nullish() });
export const logprobsResultSchema = z.looseObject({
  topCandidates: z.array(z.looseObject({ candidates: z.array(logprobCandidate).nullish() })).nullish(),
  chosenCandidates: z.array(logprobCandidate).nullish(),
});
export type GeminiLogprobs = z.infer<typeof logprobsResultSchema>;

export const candidateSchema = z.looseObject({
  logprobsResult: logprobsResultSchema.nullish(),
  content: z.looseObject({ role: z.string().nullish(), parts: z.array(partSchema).nullish() }).nullish(),
  finishReason: z.string().nullish(),
  index: z.number().int().nonnegative().nullish(),
});
export type GeminiCandidate = z.infer<typeof candidateSchema>;

export const generateResponseSchema = z.looseObject({
  candidates: z.array(candidateSchema).nullish(),
  promptFeedback: z.looseObject({ blockReason: z.string().nullish() }).nullish(),
  usageMetadata: usageMetadataSchema.nullish(),
  modelVersion: z.string().nullish(),
  responseId: z.string().nullish(),
});
export type GeminiResponse = z.infer<typeof generateResponseSchema>;

export const errorBodySchema = z.looseObject({
  error: z.looseObject({
    code: z.number().int().nullish(),
    message: z.string().nullish(),
    status: z.string().nullish(),
    details: z.array(z.looseObject({ '@type': z.string().nullish(), retryDelay: z.string().nullish(), reason: z.string().nullish() })).nullish(),
  }),
});

export const batchEmbedResponseSchema = z.looseObject({
  embeddings: z.array(z.looseObject({ values: z.array(z.number()) })),
});

/** What Tollgate sends. */
export type GeminiRequestPart =
  | { text: string }
  | { inlineData: { mimeType: string; data: string } }
  | { fileData: { mimeType: string; fileUri: string } }
  | { functionCall: { name: string; args: Record<string, unknown> }; thoughtSignature?: string }
  | { functionResponse: { name: string; response: Record<string, unknown> } };

export interface GeminiContent {
  role: 'user' | 'model';
  parts: GeminiRequestPart[];
}

export interface GeminiGenerationConfig {
  temperature?: number;
  topP?: number;
  maxOutputTokens?: number;
  stopSequences?: string[];
  candidateCount?: number;
  responseMimeType?: string;
  responseJsonSchema?: Record<string, unknown>;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  responseLogprobs?: boolean;
  logprobs?: number;
  thinkingConfig?: { thinkingBudget: number } | { thinkingLevel: string };
}

export interface GeminiRequest {
  contents: GeminiContent[];
  systemInstruction?: { parts: { text: string }[] };
  generationConfig?: GeminiGenerationConfig;
  tools?: { functionDeclarations: { name: string; description?: string; parametersJsonSchema?: Record<string, unknown> }[] }[];
  toolConfig?: { functionCallingConfig: { mode: 'AUTO' | 'ANY' | 'NONE'; allowedFunctionNames?: string[] } };
}
