/**
 * Anthropic requires `max_tokens`. When the caller sets no cap, Tollgate
 * sends the model's own output limit, which is what an OpenAI caller gets by
 * default: no cap but the model's. Limits from docs.claude.com models overview.
 */
const LIMITS: [RegExp, number][] = [
  [/^claude-opus-4(-0|-1)?(-\d{8})?$/, 32_000],
  [/^claude-(opus|sonnet|haiku)-\d/, 64_000],
  [/^claude-3-7-sonnet/, 64_000],
  [/^claude-3-5-(sonnet|haiku)/, 8_192],
  [/^claude-3-/, 4_096],
];

/** Unknown names (proxies, new families) get a cap every Claude model accepts. */
export const FALLBACK_MAX_TOKENS = 4_096;

export function defaultMaxTokens(model: string): number {
  for (const [pattern, limit] of LIMITS) if (pattern.test(model)) return limit;
  return FALLBACK_MAX_TOKENS;
}

/** `claude-sonnet-4-5-20250929` -> [4, 5]; `claude-opus-4-20250514` -> [4, 0]; other names -> null. */
function familyVersion(model: string): [number, number] | null {
  const match = /^claude-[a-z]+-(\d+)(?:-(\d{1,2}))?(?:-|$)/.exec(model);
  return match ? [Number(match[1]), Number(match[2] ?? 0)] : null;
}

/**
 * Structured outputs (`output_config.format`, `strict` tools) are generally
 * available from the Claude 4.5 models on. Other names (older models,
 * proxies) get the forced-tool form, which every Claude model accepts.
 */
export function supportsStructuredOutputs(model: string): boolean {
  const version = familyVersion(model);
  return version !== null && (version[0] > 4 || (version[0] === 4 && version[1] >= 5));
}
