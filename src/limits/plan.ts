import type { Picos } from '../common/money.js';
import type { KeyPrincipal } from '../control/index.js';
import type { AdmitInput } from '../gateway/index.js';
import { costOf, type PriceCatalogue } from '../pricing/index.js';
import type { OrganizationPolicy, ProjectPolicy } from './policy.js';
import type { BucketSpec, CapSpec } from './types.js';

/** The rate buckets a request takes from: the organization's tier, the project's override, the key's own limits. */
export function planBuckets(input: AdmitInput, org: OrganizationPolicy, project: ProjectPolicy | null): BucketSpec[] {
  const { principal } = input;
  const model = input.model.name;
  const tokens = input.promptTokens + input.maxOutputTokens;
  const buckets: BucketSpec[] = [];
  const add = (level: BucketSpec['level'], scopeId: string, key: string, rpm: number | null, tpm: number | null) => {
    if (rpm !== null) buckets.push({ key: `${key}:r`, limit: rpm, amount: 1, kind: 'requests', level, scopeId });
    if (tpm !== null) buckets.push({ key: `${key}:t`, limit: tpm, amount: tokens, kind: 'tokens', level, scopeId });
  };
  if (org.rateLimits) add('organization', principal.organizationId, `o:${principal.organizationId}:${model}`, org.rateLimits.rpm, org.rateLimits.tpm);
  const override = project?.rateLimits.get(model);
  if (override && principal.projectId) add('project', principal.projectId, `p:${principal.projectId}:${model}`, override.rpm, override.tpm);
  add('key', principal.keyId, `k:${principal.keyId}`, principal.limits.rpm, principal.limits.tpm);
  return buckets;
}

/** Every cap the worst case is reserved against. Month caps are counted even without a limit, so setting one later starts from the truth. */
export function planCaps(principal: KeyPrincipal, org: OrganizationPolicy, project: ProjectPolicy | null, period: string, prepaid: boolean): CapSpec[] {
  const caps: CapSpec[] = [];
  const orgId = principal.organizationId;
  if (prepaid) caps.push({ key: `bal:${orgId}`, limit: org.credited, source: { kind: 'balance', organizationId: orgId } });
  caps.push({ key: `m:${period}:o:${orgId}`, limit: org.monthlyBudget, source: { kind: 'month', level: 'organization', id: orgId, period } });
  if (principal.projectId) {
    caps.push({ key: `m:${period}:p:${principal.projectId}`, limit: project?.monthlyBudget ?? null, source: { kind: 'month', level: 'project', id: principal.projectId, period } });
  }
  caps.push({ key: `m:${period}:k:${principal.keyId}`, limit: principal.limits.monthlyBudgetPicos, source: { kind: 'month', level: 'key', id: principal.keyId, period } });
  return caps;
}

/** The most the request can cost: prompt + max output at the dearest deployment's price (0 when no price is known). */
export function worstCost(input: AdmitInput, prices: PriceCatalogue, at: number): Picos {
  let worst = 0n;
  for (const deployment of input.model.deployments) {
    const price = prices.priceAt([deployment.model, input.model.name], at);
    if (!price) continue;
    const cost = costOf({ promptTokens: input.promptTokens, cachedTokens: 0, cacheWriteTokens: 0, completionTokens: input.maxOutputTokens }, price);
    if (cost > worst) worst = cost;
  }
  return worst;
}
