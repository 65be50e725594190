import { TollgateError } from '../common/errors.js';
import type { Picos } from '../common/money.js';
import { usdText } from '../billing/index.js';
import type { KeyPrincipal } from '../control/index.js';
import { goDuration, retryAfterSeconds } from './duration.js';
import type { BucketSpec, BucketView, CapSpec } from './types.js';

const METRIC = { requests: 'requests per min (RPM)', tokens: 'tokens per min (TPM)' } as const;

/** The x-ratelimit-* headers: for each kind, the bucket with the least left. */
export function rateLimitHeaders(buckets: BucketSpec[], views: BucketView[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const kind of ['requests', 'tokens'] as const) {
    let best = -1;
    buckets.forEach((b, i) => {
      if (b.kind === kind && (best < 0 || views[i]!.remaining < views[best]!.remaining)) best = i;
    });
    if (best < 0) continue;
    headers[`x-ratelimit-limit-${kind}`] = String(buckets[best]!.limit);
    headers[`x-ratelimit-remaining-${kind}`] = String(views[best]!.remaining);
    headers[`x-ratelimit-reset-${kind}`] = goDuration(views[best]!.resetMs);
  }
  return headers;
}

function where(bucket: BucketSpec, principal: KeyPrincipal): string {
  const org = `organization ${principal.organizationId}`;
  if (bucket.level === 'organization') return org;
  if (bucket.level === 'project') return `project ${bucket.scopeId} ${org}`;
  return `API key ${bucket.scopeId} of ${principal.projectId ? `project ${principal.projectId} ` : ''}${org}`;
}

function howToRaise(bucket: BucketSpec, principal: KeyPrincipal, model: string): string {
  if (bucket.level === 'organization') return 'To raise it, an organization admin can move the organization to a higher usage tier (POST /v1/organization/limits/tier).';
  if (bucket.level === 'project') return `To raise it, an organization admin can change the project's limit (POST /v1/organization/projects/${bucket.scopeId}/rate_limits/rl-${model}).`;
  return `To raise it, an organization admin can change the key's limits (POST /v1/organization/projects/${principal.projectId ?? '-'}/api_keys/${bucket.scopeId}/limits).`;
}

/** OpenAI's 429 wording, so clients that parse "Please try again in" keep working. */
export function rateLimited(bucket: BucketSpec, view: BucketView, principal: KeyPrincipal, model: string, headers: Record<string, string>): TollgateError {
  const message =
    `Rate limit reached for ${model} in ${where(bucket, principal)} on ${METRIC[bucket.kind]}: ` +
    `Limit ${bucket.limit}, Used ${view.used}, Requested ${bucket.amount}. Please try again in ${goDuration(view.retryAfterMs)}. ${howToRaise(bucket, principal, model)}`;
  return new TollgateError('rate_limit_exceeded', {
    message,
    type: bucket.kind,
    headers: { ...headers, 'retry-after': String(retryAfterSeconds(view.retryAfterMs)), 'retry-after-ms': String(view.retryAfterMs), 'x-should-retry': 'true' },
    context: { bucket: bucket.key },
  });
}

/** A request that could never fit the minute's tokens: retrying cannot help. */
export function requestTooLarge(bucket: BucketSpec, principal: KeyPrincipal, model: string): TollgateError {
  return new TollgateError('rate_limit_exceeded', {
    message:
      `Request too large for ${model} in ${where(bucket, principal)} on ${METRIC[bucket.kind]}: Limit ${bucket.limit}, Requested ${bucket.amount}. ` +
      `The input or output tokens must be reduced in order to run successfully (max_tokens counts in full). ${howToRaise(bucket, principal, model)}`,
    type: bucket.kind,
    headers: { 'x-should-retry': 'false' },
  });
}

const usd = (picos: Picos) => `$${usdText(picos < 0n ? 0n : picos)}`;

function capText(cap: CapSpec, principal: KeyPrincipal, used: Picos): string {
  const left = usd(cap.limit! - used);
  const source = cap.source;
  if (source.kind === 'balance') {
    return `organization ${source.organizationId} has ${left} of credit left. To continue, the organization's Owner can buy credit (POST /v1/organization/billing/purchases) or turn on auto-recharge (POST /v1/organization/billing/auto_recharge).`;
  }
  const of = `${left} left of its ${usd(cap.limit!)} monthly budget for ${source.period} (UTC)`;
  if (source.level === 'organization') return `organization ${source.id} has ${of}. To raise it, an organization admin can set a higher budget (POST /v1/organization/budget).`;
  if (source.level === 'project') return `project ${source.id} has ${of}. To raise it, an organization admin can set a higher budget (POST /v1/organization/projects/${source.id}/budget).`;
  return `API key ${source.id} has ${of}. To raise it, an organization admin can change the key's limits (POST /v1/organization/projects/${principal.projectId ?? '-'}/api_keys/${source.id}/limits).`;
}

export function quotaExceeded(cap: CapSpec, used: Picos, worst: Picos, principal: KeyPrincipal): TollgateError {
  return new TollgateError('insufficient_quota', {
    message: `You exceeded your current quota, please check your plan and billing details. This request may cost up to ${usd(worst)}, and ${capText(cap, principal, used)}`,
    headers: { 'x-should-retry': 'false' },
    context: { cap: cap.key },
  });
}
