/**
 * Default list prices, USD per 1M tokens as decimal text (exact), with the date
 * from which they apply. Operators override or extend them in config
 * (`pricing.models`). Cached input is the price of prompt tokens served from
 * the provider's prompt cache; cache_write the price of writing it (Anthropic).
 */
export interface DefaultPrice {
  input: string;
  cached_input?: string;
  cache_write?: string;
  output: string;
  effective_from?: string;
}

export const DEFAULT_PRICES: Record<string, DefaultPrice> = {
  // OpenAI
  'gpt-5.4': { input: '2.50', cached_input: '0.25', output: '10.00' },
  'gpt-5.4-mini': { input: '0.40', cached_input: '0.04', output: '1.60' },
  'gpt-5.4-nano': { input: '0.20', cached_input: '0.02', output: '1.25' },
  'gpt-5': { input: '1.25', cached_input: '0.125', output: '10.00' },
  'gpt-5-mini': { input: '0.25', cached_input: '0.025', output: '2.00' },
  'gpt-5-nano': { input: '0.05', cached_input: '0.005', output: '0.40' },
  o3: { input: '2.00', cached_input: '0.50', output: '8.00' },
  'o4-mini': { input: '1.10', cached_input: '0.275', output: '4.40' },
  'o3-mini': { input: '0.50', cached_input: '0.25', output: '2.00' },
  'gpt-4.1': { input: '2.00', cached_input: '0.50', output: '8.00' },
  'gpt-4.1-mini': { input: '0.40', cached_input: '0.10', output: '1.60' },
  'gpt-4.1-nano': { input: '0.10', cached_input: '0.025', output: '0.40' },
  'gpt-4o': { input: '2.50', cached_input: '1.25', output: '10.00' },
  'gpt-4o-mini': { input: '0.15', cached_input: '0.075', output: '0.60' },
  'text-embedding-3-small': { input: '0.02', output: '0' },
  'text-embedding-3-large': { input: '0.13', output: '0' },
  // Anthropic (cache reads at 0.1x, 5-minute cache writes at 1.25x the input price)
  'claude-opus-4-5': { input: '5.00', cached_input: '0.50', cache_write: '6.25', output: '25.00' },
  'claude-opus-4-1': { input: '15.00', cached_input: '1.50', cache_write: '18.75', output: '75.00' },
  'claude-sonnet-4-5': { input: '3.00', cached_input: '0.30', cache_write: '3.75', output: '15.00' },
  'claude-haiku-4-5': { input: '1.00', cached_input: '0.10', cache_write: '1.25', output: '5.00' },
  // Google Gemini
  'gemini-2.5-pro': { input: '1.25', cached_input: '0.125', output: '10.00' },
  'gemini-2.5-flash': { input: '0.30', cached_input: '0.03', output: '2.50' },
  'gemini-2.5-flash-lite': { input: '0.10', cached_input: '0.01', output: '0.40' },
  // DeepSeek
  'deepseek-chat': { input: '0.28', cached_input: '0.028', output: '0.42' },
  'deepseek-reasoner': { input: '0.28', cached_input: '0.028', output: '0.42' },
  // The built-in simulator costs what gpt-5.4-nano / text-embedding-3-small cost, so
  // budgets and billing can be tried with no upstream at all.
  'tollgate-sim': { input: '0.20', cached_input: '0.02', output: '1.25' },
  'tollgate-sim-embed': { input: '0.02', output: '0' },
};
