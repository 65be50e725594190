import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../common/clock.js';
import { TollgateError } from '../common/errors.js';
import { picosToUsdNumber, type Picos } from '../common/money.js';
import { parseRequest } from '../contract/index.js';
import type { ModelPrice, PriceCatalogue } from './catalogue.js';
import { MONTH_DESCRIPTION, compare, estimate, EstimateError, exactUsd, wholeTokens, type ModelEstimate, type TokenAverage, type Workload } from './estimator.js';
import { countSampleItems, type SampleCounts } from './sample.js';

export interface PricingDeps {
  prices: PriceCatalogue;
  clock: Clock;
}

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const estimateBody = z
  .object({
    model: z.string().min(1).optional(),
    compare: z.boolean().optional(),
    requests_per_day: count,
    input_tokens: count.optional(),
    cached_input_tokens: count.optional(),
    output_tokens: count.optional(),
    sample: z.array(z.unknown()).min(1).max(10_000).optional(),
  })
  .strict();

type EstimateBody = z.infer<typeof estimateBody>;

/** Micro-dollars per 1M tokens as exact decimal text: 200000 -> "0.20". */
const perMillion = (micros: bigint): string => exactUsd(micros * 1_000_000n);

function priceObject(price: ModelPrice) {
  return {
    object: 'model.price',
    model: price.model,
    currency: 'usd',
    unit: '1M tokens',
    input: perMillion(price.inputMicros),
    cached_input: perMillion(price.cachedInputMicros),
    cache_write: perMillion(price.cacheWriteMicros),
    output: perMillion(price.outputMicros),
    per_request: perMillion(price.perRequestMicros),
    effective_from: price.effectiveFrom > 0 ? new Date(price.effectiveFrom).toISOString().slice(0, 10) : null,
  };
}

const amount = (picos: Picos) => ({ value: picosToUsdNumber(picos), value_exact: exactUsd(picos), currency: 'usd' });

function estimateObject(e: ModelEstimate) {
  return {
    object: 'pricing.estimate.model',
    model: e.model,
    price: priceObject(e.price),
    per_request: amount(e.perRequestPicos),
    daily: amount(e.dailyPicos),
    monthly: amount(e.monthlyPicos),
  };
}

const average = (avg: TokenAverage): number => Number(avg.total) / Number(avg.count);

function badInput(err: EstimateError): TollgateError {
  if (err.param === 'model') return new TollgateError('model_not_found', { param: 'model', message: err.message });
  return new TollgateError('invalid_value', { param: err.param, message: `Invalid '${err.param}': ${err.message}.` });
}

function workloadOf(body: EstimateBody, sample: SampleCounts | null): Workload {
  if (sample && body.input_tokens !== undefined) {
    throw new TollgateError('invalid_request', { param: 'input_tokens', message: "Give either 'input_tokens' or 'sample', not both: the sample's prompts set the input average." });
  }
  const input = sample?.input ?? (body.input_tokens !== undefined ? wholeTokens(body.input_tokens) : null);
  if (!input) throw new TollgateError('missing_required_parameter', { param: 'input_tokens', message: "Missing required parameter: 'input_tokens' (or give a 'sample')." });
  const output = body.output_tokens !== undefined ? wholeTokens(body.output_tokens) : sample?.output;
  if (!output) {
    throw new TollgateError('missing_required_parameter', { param: 'output_tokens', message: "Missing required parameter: 'output_tokens' (the sample carries no replies)." });
  }
  return { requestsPerDay: BigInt(body.requests_per_day), input, cachedInput: wholeTokens(body.cached_input_tokens ?? 0), output };
}

function runEstimate(deps: PricingDeps, raw: unknown) {
  const body = parseRequest(estimateBody, raw);
  if (!body.model && !body.compare) throw new TollgateError('missing_required_parameter', { param: 'model', message: "Missing required parameter: 'model' (or set 'compare': true)." });
  const now = deps.clock.now();
  try {
    const sample = body.sample ? countSampleItems(body.sample, body.model ?? 'gpt-5.4') : null;
    const workload = workloadOf(body, sample);
    const result = body.compare ? compare(deps.prices, workload, now) : { estimates: [estimate(deps.prices, body.model!, workload, now)], skipped: [] };
    return {
      object: 'pricing.estimate',
      days_per_month: MONTH_DESCRIPTION,
      workload: {
        requests_per_day: body.requests_per_day,
        input_tokens: average(workload.input),
        cached_input_tokens: average(workload.cachedInput),
        output_tokens: average(workload.output),
        sample_size: sample?.requests ?? null,
        tokenizer: sample?.encoding ?? null,
      },
      data: result.estimates.map(estimateObject),
      skipped_models: result.skipped,
    };
  } catch (err) {
    if (err instanceof EstimateError) throw badInput(err);
    throw err;
  }
}

/**
 * GET /v1/pricing (the price catalogue) and POST /v1/pricing/estimate (the
 * cost estimator), mounted in the /v1 plugin: any valid key may ask.
 */
export function pricingRoutes(deps: PricingDeps): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.get('/pricing', async () => ({
      object: 'list',
      data: deps.prices
        .current(deps.clock.now())
        .sort((a, b) => a.model.localeCompare(b.model))
        .map(priceObject),
    }));
    app.post('/pricing/estimate', async (request) => runEstimate(deps, request.body));
  };
}
