import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import type { ModelEstimate, SampleCounts, Workload } from '../src/pricing/index.js';

type LoadConfig = typeof import('../src/config/index.js').loadConfig;

// Loaded when the command runs, so other commands and --help stay light.
let pricing: typeof import('../src/pricing/index.js');

interface EstimateFlags {
  config?: string;
  model?: string;
  requestsPerDay?: string;
  inputTokens?: string;
  cachedInputTokens?: string;
  outputTokens?: string;
  sample?: string;
  compare?: boolean;
  json?: boolean;
}

/** A usage mistake: the message, exit code 2. */
class UsageError extends Error {}

function wholeNumber(value: string | undefined, flag: string): bigint | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim().replaceAll('_', '').replaceAll(',', ''))) throw new UsageError(`${flag} must be a whole number >= 0, got '${value}'`);
  return BigInt(value.trim().replaceAll('_', '').replaceAll(',', ''));
}

function readSample(file: string, model: string): SampleCounts {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read --sample ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return pricing.countSampleFile(file, text, model);
}

function workloadOf(flags: EstimateFlags, sample: SampleCounts | null): Workload {
  const requestsPerDay = wholeNumber(flags.requestsPerDay, '--requests-per-day');
  if (requestsPerDay === undefined) throw new UsageError('--requests-per-day is required');
  const inputTokens = wholeNumber(flags.inputTokens, '--input-tokens');
  if (sample && inputTokens !== undefined) throw new UsageError('give --input-tokens or --sample, not both (the sample sets the input average)');
  const input = sample?.input ?? (inputTokens !== undefined ? pricing.wholeTokens(inputTokens) : undefined);
  if (!input) throw new UsageError('--input-tokens (or --sample FILE) is required');
  const outputTokens = wholeNumber(flags.outputTokens, '--output-tokens');
  const output = outputTokens !== undefined ? pricing.wholeTokens(outputTokens) : sample?.output;
  if (!output) throw new UsageError(sample ? '--output-tokens is required: the sample carries no replies' : '--output-tokens is required');
  return { requestsPerDay, input, cachedInput: pricing.wholeTokens(wholeNumber(flags.cachedInputTokens, '--cached-input-tokens') ?? 0n), output };
}

function describeWorkload(w: Workload, sample: SampleCounts | null, file?: string): string {
  const lines = [
    `Workload: ${w.requestsPerDay.toLocaleString('en-US')} requests a day, ${pricing.displayTokens(w.input)} input tokens` +
      (w.cachedInput.total > 0n ? ` (${pricing.displayTokens(w.cachedInput)} cached)` : '') +
      ` and ${pricing.displayTokens(w.output)} output tokens per request`,
  ];
  if (sample && file) {
    const replies = sample.output ? `, ${sample.output.count} with replies` : '';
    lines.push(`Sample: ${sample.requests} prompt(s) from ${file}${replies}, counted with ${sample.encoding}`);
  }
  lines.push(`A month is ${pricing.MONTH_DESCRIPTION}.`);
  return lines.join('\n');
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

const row = (e: ModelEstimate) => [e.model, pricing.displayUsd(e.perRequestPicos), pricing.displayUsd(e.dailyPicos), pricing.displayUsd(e.monthlyPicos)];

function printEstimate(flags: EstimateFlags, loadConfig: LoadConfig): void {
  const { config } = loadConfig({ file: flags.config });
  const prices = pricing.createPriceCatalogue(config.pricing.models);
  const now = Date.now();
  if (!flags.compare && !flags.model) throw new UsageError('--model is required (or --compare for every model)');
  const sample = flags.sample ? readSample(flags.sample, flags.model ?? 'gpt-5.4') : null;
  const workload = workloadOf(flags, sample);
  const result = flags.compare ? pricing.compare(prices, workload, now) : { estimates: [pricing.estimate(prices, flags.model!, workload, now)], skipped: [] };
  if (flags.json) {
    const json = result.estimates.map((e) => ({ model: e.model, per_request_usd: pricing.exactUsd(e.perRequestPicos), daily_usd: pricing.exactUsd(e.dailyPicos), monthly_usd: pricing.exactUsd(e.monthlyPicos) }));
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    return;
  }
  const out = [describeWorkload(workload, sample, flags.sample), ''];
  out.push(table([['model', 'per request', 'per day', 'per month'], ...result.estimates.map(row)]));
  if (result.skipped.length > 0) out.push('', `Left out (no output price: embedding models): ${result.skipped.join(', ')}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

/** `tollgate estimate`: what a workload costs a day and a month, on one model or all of them. */
export function estimateCommand(): Command {
  return new Command('estimate')
    .description('Estimate what a workload costs a day and a month from the price catalogue.')
    .option('-c, --config <file>', 'config file with price overrides (default: ./tollgate.yaml when present)')
    .option('-m, --model <model>', 'model to price (also picks the tokenizer for --sample)')
    .option('--requests-per-day <n>', 'requests a day')
    .option('--input-tokens <n>', 'input (prompt) tokens per request')
    .option('--cached-input-tokens <n>', 'part of the input read from the prompt cache, per request')
    .option('--output-tokens <n>', 'output tokens per request')
    .option('--sample <file>', 'real prompts to count: text (one prompt per line) or JSONL of chat requests / message arrays')
    .option('--compare', 'estimate every model in the catalogue, cheapest first')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  $ tollgate estimate --model gpt-5.4-nano --requests-per-day 1000 --input-tokens 2000 --output-tokens 1000\n  $ tollgate estimate --compare --requests-per-day 1000 --input-tokens 2000 --output-tokens 1000\n  $ tollgate estimate --model gpt-5.4-mini --requests-per-day 5000 --sample prompts.jsonl --output-tokens 300',
    )
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .action(async (flags: EstimateFlags) => {
      try {
        pricing = await import('../src/pricing/index.js');
        printEstimate(flags, (await import('../src/config/index.js')).loadConfig);
      } catch (err) {
        if (err instanceof UsageError || (err instanceof Error && err.name === 'ConfigError') || (err instanceof Error && (err.name === 'EstimateError' || err.name === 'PriceError'))) {
          process.stderr.write(`tollgate estimate: ${err.message}\n`);
          process.exit(2);
        }
        throw err;
      }
    });
}
