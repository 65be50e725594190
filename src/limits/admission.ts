import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../common/clock.js';
import { TollgateError } from '../common/errors.js';
import { newId } from '../common/ids.js';
import type { Picos } from '../common/money.js';
import { monthOf, readAccount, readSpent, type TierTable } from '../billing/index.js';
import type { Usage } from '../contract/index.js';
import type { Admission, AdmitInput, CallOutcome, Ticket } from '../gateway/index.js';
import type { Deployment } from '../providers/index.js';
import type { UsageEvent, UsageRecorder } from '../metering/index.js';
import { costOf, type PriceCatalogue, type TokenCounts } from '../pricing/index.js';
import type { Database } from '../store/index.js';
import { planBuckets, planCaps, worstCost } from './plan.js';
import type { PolicyCache } from './policy.js';
import { quotaExceeded, rateLimited, rateLimitHeaders, requestTooLarge } from './refusals.js';
import type { AdmitPlan, AdmitResult, BucketSpec, CapSpec, LimitStore } from './types.js';

export interface LimitAdmissionDeps {
  store: LimitStore;
  policies: PolicyCache;
  tiers: TierTable;
  db: Kysely<Database>;
  prices: PriceCatalogue;
  recorder: UsageRecorder;
  clock: Clock;
  logger: Logger;
  prepaid: boolean;
  reservationTtlMs: number;
  sweepIntervalMs: number;
}

export interface LimitAdmission extends Admission {
  /** Waits for settlements in flight and stops the sweeper (before the recorder's final flush). */
  close(): Promise<void>;
}

async function committedFromStore(db: Kysely<Database>, cap: CapSpec): Promise<Picos> {
  const source = cap.source;
  if (source.kind === 'balance') return (await readAccount(db, source.organizationId)).debited;
  return readSpent(db, source.level, source.id, source.period);
}

/**
 * The real Admission: one atomic admit per request against the LimitStore
 * (every rate bucket and every spend cap), a ticket whose settle turns the
 * reservation into the real cost and queues the usage event.
 */
export function createLimitAdmission(deps: LimitAdmissionDeps): LimitAdmission {
  const { store, db, clock, logger } = deps;
  const inFlight = new Set<Promise<void>>();
  const track = (work: Promise<void>) => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };

  async function admitWithCaps(plan: AdmitPlan): Promise<AdmitResult> {
    // Caps the fast state lacks are loaded from the store (the source of truth) and admitted again.
    for (let attempt = 0; ; attempt++) {
      const result = await store.admit(plan);
      if (result.ok || result.reason !== 'missing' || attempt === 3) return result;
      const caps = result.indexes.map((i) => plan.caps[i]!);
      const entries = await Promise.all(caps.map(async (cap) => ({ key: cap.key, committed: await committedFromStore(db, cap) })));
      await store.initCaps(entries, plan.now);
    }
  }

  /** The price in force when the request was admitted, of the deployment that served it. */
  function priceOf(input: AdmitInput, plan: AdmitPlan, usage: Usage | null, deployment: Deployment | null): Picos {
    const priced = deployment ?? input.model.deployments[0];
    const price = priced ? deps.prices.priceAt([priced.model, input.model.name], plan.now) : undefined;
    return usage && price ? costOf(tokensOf(usage), price) : 0n;
  }

  function settle(input: AdmitInput, plan: AdmitPlan, outcome: CallOutcome): Picos {
    const tokens = tokensOf(outcome.usage);
    // Failed calls carry no usage and cost nothing; aborted streams carry the tokens that were sent.
    const cost = priceOf(input, plan, outcome.usage, outcome.deployment);
    const delta = tokens.promptTokens + tokens.completionTokens - (input.promptTokens + input.maxOutputTokens);
    const corrections = delta === 0 ? [] : plan.buckets.filter((b) => b.kind === 'tokens').map((b) => ({ key: b.key, limit: b.limit, delta }));
    deps.recorder.record(usageEvent(input, plan, outcome, tokens, cost));
    const settlement = store.settle({ now: clock.now(), reservationId: plan.reservationId, capKeys: plan.caps.map((c) => c.key), worst: plan.worst, actual: cost, corrections });
    track(settlement.catch((err: unknown) => logger.error({ err, request_id: input.requestId }, 'settling a reservation failed: it expires by itself')));
    return cost;
  }

  const sweeper = setInterval(() => {
    store.sweep(clock.now()).then(
      (released) => released > 0 && logger.warn({ released }, 'released expired spend reservations'),
      (err: unknown) => logger.error({ err }, 'reservation sweep failed'),
    );
  }, deps.sweepIntervalMs);
  sweeper.unref();

  return {
    async admit(input: AdmitInput): Promise<Ticket> {
      const now = clock.now();
      const { principal } = input;
      const [org, project] = await Promise.all([deps.policies.organization(principal.organizationId), principal.projectId ? deps.policies.project(principal.projectId) : null]).catch(unavailable);
      const buckets = planBuckets(input, org, project);
      const tooLarge = buckets.find((b) => b.amount > b.limit);
      if (tooLarge) throw requestTooLarge(tooLarge, principal, input.model.name);
      const plan: AdmitPlan = {
        now,
        buckets,
        caps: planCaps(principal, org, project, monthOf(now), deps.prepaid),
        worst: worstCost(input, deps.prices, now),
        reservationId: newId('res', now),
        expiresAt: now + deps.reservationTtlMs,
      };
      const result = await admitWithCaps(plan).catch(unavailable);
      if (!result.ok) throw refusal(plan, result, input);
      const headers = rateLimitHeaders(buckets, result.buckets);
      let settled: Picos | null = null;
      return {
        headers,
        price: (usage, deployment) => priceOf(input, plan, usage, deployment),
        settle(outcome) {
          settled ??= settle(input, plan, outcome);
          return settled;
        },
      };
    },
    async close() {
      clearInterval(sweeper);
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}

/** Fail closed: without the counters (limit store) or the limits (store), nothing can be enforced, so nothing is forwarded. */
function unavailable(err: unknown): never {
  throw new TollgateError('overloaded', {
    message: 'Rate limits and budgets cannot be checked right now. Please retry shortly.',
    headers: { 'retry-after': '1' },
    cause: err,
    context: { reason: 'limit store or store unavailable' },
  });
}

function tokensOf(usage: Usage | null): TokenCounts {
  return {
    promptTokens: usage?.prompt_tokens ?? 0,
    cachedTokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
    cacheWriteTokens: usage?.prompt_tokens_details?.cache_write_tokens ?? 0,
    completionTokens: usage?.completion_tokens ?? 0,
  };
}

function usageEvent(input: AdmitInput, plan: AdmitPlan, outcome: CallOutcome, tokens: TokenCounts, cost: Picos): UsageEvent {
  const { principal } = input;
  return {
    id: newId('evt', plan.now),
    request_id: input.requestId,
    organization_id: principal.organizationId,
    project_id: principal.projectId,
    api_key_id: principal.keyId,
    endpoint: input.endpoint,
    model: input.model.name,
    provider: outcome.deployment?.provider ?? null,
    deployment_model: outcome.deployment?.model ?? null,
    prompt_tokens: tokens.promptTokens,
    cached_tokens: tokens.cachedTokens,
    cache_write_tokens: tokens.cacheWriteTokens,
    completion_tokens: tokens.completionTokens,
    reasoning_tokens: outcome.usage?.completion_tokens_details?.reasoning_tokens ?? 0,
    cost_picos: cost,
    usage_estimated: outcome.usageEstimated ? 1 : 0,
    latency_ms: Math.max(0, Math.round(outcome.latencyMs)),
    ttft_ms: outcome.timeToFirstTokenMs === null ? null : Math.max(0, Math.round(outcome.timeToFirstTokenMs)),
    status: outcome.status,
    http_status: outcome.httpStatus,
    error_code: outcome.errorCode,
    end_user: input.attribution?.endUser ?? null,
    metadata: input.attribution?.metadata ? JSON.stringify(input.attribution.metadata) : null,
    // The admit time: the month whose caps the request reserved against is the month it is counted in.
    created_at: plan.now,
  };
}

function refusal(plan: AdmitPlan, result: Exclude<AdmitResult, { ok: true }>, input: AdmitInput): TollgateError {
  const model = input.model.name;
  if (result.reason === 'rate') {
    const bucket: BucketSpec = plan.buckets[result.index]!;
    const headers = rateLimitHeaders([bucket], [result.bucket]);
    return rateLimited(bucket, result.bucket, input.principal, model, headers);
  }
  if (result.reason === 'quota') return quotaExceeded(plan.caps[result.index]!, result.used, plan.worst, input.principal);
  // The fast state kept losing the caps it was just given (e.g. a Redis evicting under memory pressure).
  return new TollgateError('overloaded', { message: 'Budgets cannot be checked right now. Please retry shortly.', context: { reason: 'spend caps not held by the limit store' } });
}
