import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Clock } from '../common/clock.js';
import { TollgateError } from '../common/errors.js';
import type { Config } from '../config/index.js';
import { parseRequest } from '../contract/index.js';
import { recordAudit, type Actor, type KeyService } from '../control/index.js';
import { actorOf } from '../admin/index.js';
import type { Database } from '../store/index.js';
import { callerOf, ownProject, thresholdsInput, usdInput, usdText } from './admin-common.js';
import { budgetDefaults, effectiveBudget, monthOf, readBudget, readSpent, writeBudget, type BudgetScope } from './budgets.js';
import { grantCredits, readAccount } from './ledger.js';
import { readTier, setTier, type TierTable } from './tiers.js';

export interface BillingAdminDeps {
  db: Kysely<Database>;
  clock: Clock;
  keys: KeyService;
  config: Config;
  /** Admission's view of tiers and policies; invalidated after a change. */
  limits: { tiers: TierTable; policies: { invalidate(id: string): void } };
}

export const grantBody = z.object({ amount_usd: usdInput, description: z.string().max(500).optional() }).strict();
export const budgetBody = z.object({ monthly_limit_usd: usdInput.nullable().optional(), thresholds: thresholdsInput.optional() }).strict();
export const tierBody = z.object({ tier: z.string().min(1).max(100) }).strict();

/**
 * Admin endpoints for credits, usage tier and budgets of the caller's
 * organization and its projects. Each answers only for the admin key's own
 * organization.
 */
export function billingAdminRoutes(deps: BillingAdminDeps): FastifyPluginAsync {
  const { db, clock } = deps;
  const defaults = budgetDefaults(deps.config.billing.budget_defaults);

  async function budgetObject(scope: BudgetScope, scopeId: string) {
    const period = monthOf(clock.now());
    const [budget, spent] = await Promise.all([readBudget(db, scope, scopeId), readSpent(db, scope, scopeId, period)]);
    const { monthlyLimit: limit, thresholds } = effectiveBudget(budget, scope, defaults);
    return {
      object: 'organization.budget',
      scope,
      scope_id: scopeId,
      period,
      monthly_limit_usd: limit === null ? null : usdText(limit),
      spent_usd: usdText(spent),
      remaining_usd: limit === null ? null : usdText(limit > spent ? limit - spent : 0n),
      thresholds,
    };
  }

  async function setBudget(scope: BudgetScope, scopeId: string, organizationId: string, body: unknown, who: Actor) {
    const input = parseRequest(budgetBody, body);
    const current = await readBudget(db, scope, scopeId);
    const effective = effectiveBudget(current, scope, defaults);
    await writeBudget(
      db,
      {
        scope,
        scopeId,
        monthlyLimit: input.monthly_limit_usd === undefined ? effective.monthlyLimit : input.monthly_limit_usd,
        thresholds: input.thresholds ?? effective.thresholds,
      },
      clock.now(),
    );
    await recordAudit(db, clock, who, {
      type: 'budget.updated',
      projectId: scope === 'project' ? scopeId : null,
      resourceId: scopeId,
      details: { scope, monthly_limit_usd: input.monthly_limit_usd === undefined ? undefined : input.monthly_limit_usd === null ? null : usdText(input.monthly_limit_usd), thresholds: input.thresholds },
    });
    deps.limits.policies.invalidate(scope === 'organization' ? organizationId : scopeId);
    return budgetObject(scope, scopeId);
  }

  return async (app: FastifyInstance) => {
    app.get('/credits', async (request) => {
      const { organizationId } = callerOf(request.principal);
      const account = await readAccount(db, organizationId);
      return {
        object: 'organization.credit_balance',
        organization_id: organizationId,
        billing_mode: deps.config.billing.mode,
        granted_usd: usdText(account.granted),
        used_usd: usdText(account.debited),
        balance_usd: usdText(account.balance),
      };
    });

    app.post('/credits/grants', async (request, reply) => {
      const { organizationId } = callerOf(request.principal);
      const input = parseRequest(grantBody, request.body);
      if (input.amount_usd <= 0n) throw new TollgateError('invalid_value', { param: 'amount_usd', message: 'amount_usd must be more than 0.' });
      const id = await grantCredits(db, organizationId, input.amount_usd, input.description ?? 'credit grant', clock.now());
      await recordAudit(db, clock, actorOf(request.principal!, request), { type: 'credits.granted', projectId: null, resourceId: id, details: { amount_usd: usdText(input.amount_usd), description: input.description ?? null } });
      deps.limits.policies.invalidate(organizationId);
      const account = await readAccount(db, organizationId);
      reply.code(201);
      return { object: 'organization.credit_grant', id, amount_usd: usdText(input.amount_usd), balance_usd: usdText(account.balance) };
    });

    app.get('/limits/tier', async (request) => {
      const { organizationId } = callerOf(request.principal);
      const tier = (await readTier(db, organizationId)) ?? deps.config.limits.new_organization_tier;
      const limits = deps.limits.tiers.limits(tier);
      return { object: 'organization.usage_tier', tier, max_requests_per_1_minute: limits?.rpm ?? null, max_tokens_per_1_minute: limits?.tpm ?? null, available: deps.limits.tiers.names() };
    });

    app.post('/limits/tier', async (request) => {
      const { organizationId } = callerOf(request.principal);
      const { tier } = parseRequest(tierBody, request.body);
      if (deps.limits.tiers.limits(tier) === undefined) {
        throw new TollgateError('invalid_value', { param: 'tier', message: `Unknown usage tier '${tier.slice(0, 100)}'. Known tiers: ${deps.limits.tiers.names().join(', ')}.` });
      }
      const before = (await readTier(db, organizationId)) ?? deps.config.limits.new_organization_tier;
      await setTier(db, organizationId, tier, clock.now());
      await recordAudit(db, clock, actorOf(request.principal!, request), { type: 'tier.updated', projectId: null, resourceId: organizationId, details: { changes: { tier: { from: before, to: tier } } } });
      deps.limits.policies.invalidate(organizationId);
      const limits = deps.limits.tiers.limits(tier);
      return { object: 'organization.usage_tier', tier, max_requests_per_1_minute: limits?.rpm ?? null, max_tokens_per_1_minute: limits?.tpm ?? null, available: deps.limits.tiers.names() };
    });

    app.get('/budget', async (request) => budgetObject('organization', callerOf(request.principal).organizationId));
    app.post('/budget', async (request) => {
      const { organizationId } = callerOf(request.principal);
      return setBudget('organization', organizationId, organizationId, request.body, actorOf(request.principal!, request));
    });

    app.get('/projects/:projectId/budget', async (request) => {
      const { organizationId } = callerOf(request.principal);
      const { projectId } = request.params as { projectId: string };
      await ownProject(db, organizationId, projectId);
      return budgetObject('project', projectId);
    });
    app.post('/projects/:projectId/budget', async (request) => {
      const { organizationId } = callerOf(request.principal);
      const { projectId } = request.params as { projectId: string };
      await ownProject(db, organizationId, projectId);
      return setBudget('project', projectId, organizationId, request.body, actorOf(request.principal!, request));
    });
  };
}
