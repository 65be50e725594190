import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { z } from 'zod';
import type { keyStandingSchema } from '../admin/response-schemas.js';
import { unixSeconds, type Clock } from '../common/clock.js';
import { TollgateError } from '../common/errors.js';
import { formatUsdExact, type Picos } from '../common/money.js';
import { monthOf, readAccount, readSpent } from '../billing/index.js';
import type { KeyPrincipal } from '../control/index.js';
import type { Database } from '../store/index.js';
import type { Kysely } from 'kysely';
import { planCaps } from './plan.js';
import type { PolicyCache } from './policy.js';
import type { CapSpec, LimitStore } from './types.js';

type Standing = z.infer<typeof keyStandingSchema>;

export interface StandingDeps {
  db: Kysely<Database>;
  store: LimitStore;
  policies: PolicyCache;
  clock: Clock;
  mode: 'prepaid' | 'postpaid';
}

const clampZero = (v: Picos) => (v > 0n ? v : 0n);

/** When the month of `now` ends (UTC): budgets start again then. */
function monthEnd(now: number): number {
  const date = new Date(now);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
}

/**
 * A key's own standing, as admission sees it: the same caps it reserves
 * against (`planCaps`), read from the shared counters (every instance's
 * settled and in-flight requests), else from the store.
 */
export async function keyStanding(deps: StandingDeps, principal: KeyPrincipal): Promise<Standing> {
  const now = deps.clock.now();
  const period = monthOf(now);
  const orgId = principal.organizationId;
  const [org, project, account] = await Promise.all([deps.policies.organization(orgId), principal.projectId ? deps.policies.project(principal.projectId) : null, readAccount(deps.db, orgId)]);
  // The balance cap is planned even when postpaid: the credit is shown either way.
  const caps = planCaps(principal, { ...org, credited: account.credited }, project, period, true);
  const states = await Promise.all(caps.map((cap) => capNow(deps, cap)));
  const at = (kind: string) => caps.findIndex((c) => c.source.kind === 'month' && c.source.level === kind);

  const budget = (index: number): Standing['budgets']['key'] => {
    const cap = caps[index]!;
    const { committed, reserved } = states[index]!;
    return {
      scope_id: cap.source.kind === 'month' ? cap.source.id : orgId,
      monthly_limit_usd: cap.limit === null ? null : formatUsdExact(cap.limit),
      spent_usd: formatUsdExact(committed),
      reserved_usd: formatUsdExact(reserved),
      remaining_usd: cap.limit === null ? null : formatUsdExact(clampZero(cap.limit - committed - reserved)),
    };
  };
  const balance = states[0]!;
  const projectIndex = at('project');
  return {
    object: 'key.standing',
    key: { id: principal.keyId, name: principal.name, kind: principal.kind, project_id: principal.projectId },
    organization_id: orgId,
    period,
    period_resets_at: unixSeconds(monthEnd(now)),
    billing_mode: deps.mode,
    credit: {
      balance_usd: formatUsdExact(account.credited - balance.committed),
      reserved_usd: formatUsdExact(balance.reserved),
      available_usd: formatUsdExact(clampZero(account.credited - balance.committed - balance.reserved)),
    },
    budgets: { key: budget(at('key')), project: projectIndex < 0 ? null : budget(projectIndex), organization: budget(at('organization')) },
    tier: { name: org.tier, max_requests_per_1_minute: org.rateLimits?.rpm ?? null, max_tokens_per_1_minute: org.rateLimits?.tpm ?? null },
    rate_limits: {
      organization: { max_requests_per_1_minute: org.rateLimits?.rpm ?? null, max_tokens_per_1_minute: org.rateLimits?.tpm ?? null },
      project: [...(project?.rateLimits.values() ?? [])]
        .sort((a, b) => a.model.localeCompare(b.model))
        .map((l) => ({ model: l.model, max_requests_per_1_minute: l.rpm, max_tokens_per_1_minute: l.tpm })),
      key: { max_requests_per_1_minute: principal.limits.rpm, max_tokens_per_1_minute: principal.limits.tpm },
    },
  };
}

/** A cap's committed and reserved spend: the shared counters when they hold it, else the store (nothing in flight known). */
async function capNow(deps: StandingDeps, cap: CapSpec): Promise<{ committed: Picos; reserved: Picos }> {
  const live = await deps.store.capState(cap.key);
  if (live) return live;
  const source = cap.source;
  if (source.kind === 'balance') return { committed: (await readAccount(deps.db, source.organizationId)).debited, reserved: 0n };
  return { committed: await readSpent(deps.db, source.level, source.id, source.period), reserved: 0n };
}

/** GET /v1/key: any valid key reads its own standing (as OpenRouter's key endpoint). */
export function standingRoutes(deps: StandingDeps): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.get('/key', async (request) => {
      if (!request.principal) throw new TollgateError('missing_api_key');
      return keyStanding(deps, request.principal);
    });
  };
}
