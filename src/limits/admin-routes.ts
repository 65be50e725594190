import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { callerOf, monthOf, ownKey, ownProject, readBudget, readSpent, thresholdsInput, usdInput, usdText, writeBudget } from '../billing/index.js';
import type { Clock } from '../common/clock.js';
import { TollgateError } from '../common/errors.js';
import { parseRequest } from '../contract/index.js';
import { recordAudit, updateKey, type ControlDeps } from '../control/index.js';
import { actorOf } from '../admin/index.js';
import type { Catalogue } from '../routing/index.js';
import { toNumber, type Database } from '../store/index.js';
import type { PolicyCache } from './policy.js';
import type { TierTable } from '../billing/index.js';
import { readProjectRateLimits, writeProjectRateLimit } from './overrides.js';

export interface LimitsAdminDeps {
  db: Kysely<Database>;
  clock: Clock;
  catalogue: Catalogue;
  /** Key changes go through the key lifecycle: audited, and every instance's key cache is told. */
  control: ControlDeps;
  limits: { policies: PolicyCache; tiers: TierTable };
}

// Bucket arithmetic is exact for limits below 1.5e11 per minute (bucket.ts).
const perMinute = z.number().int().positive().max(100_000_000_000).nullable().optional();
export const rateLimitBody = z.object({ max_requests_per_1_minute: perMinute, max_tokens_per_1_minute: perMinute }).passthrough();
const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(100), after: z.string().optional(), before: z.string().optional() }).passthrough();
export const keyLimitsBody = z
  .object({ max_requests_per_1_minute: perMinute, max_tokens_per_1_minute: perMinute, monthly_budget_usd: usdInput.nullable().optional(), thresholds: thresholdsInput.optional() })
  .strict();

/**
 * OpenAI's per-project rate limits (`project.rate_limit`, id `rl-<model>`) and
 * Tollgate's per-key limits, for projects of the admin key's organization.
 */
export function limitsAdminRoutes(deps: LimitsAdminDeps): FastifyPluginAsync {
  const { db, clock } = deps;

  async function projectRateLimits(organizationId: string, projectId: string) {
    const [tierName, overrides] = await Promise.all([deps.limits.policies.organization(organizationId), readProjectRateLimits(db, projectId)]);
    const byModel = new Map(overrides.map((o) => [o.model, o]));
    return deps.catalogue.list().map((model) => {
      const own = byModel.get(model.name);
      return {
        object: 'project.rate_limit',
        id: `rl-${model.name}`,
        model: model.name,
        // The project's own limit, else the organization's tier (null: the unlimited tier).
        max_requests_per_1_minute: own?.rpm ?? tierName.rateLimits?.rpm ?? null,
        max_tokens_per_1_minute: own?.tpm ?? tierName.rateLimits?.tpm ?? null,
      };
    });
  }

  async function keyLimits(keyId: string) {
    const [row, budget, spent] = await Promise.all([
      db.selectFrom('api_keys').select(['rpm_limit', 'tpm_limit', 'monthly_budget_picos']).where('id', '=', keyId).executeTakeFirstOrThrow(),
      readBudget(db, 'key', keyId),
      readSpent(db, 'key', keyId, monthOf(clock.now())),
    ]);
    return {
      object: 'organization.project.api_key.limits',
      id: keyId,
      max_requests_per_1_minute: toNumber(row.rpm_limit),
      max_tokens_per_1_minute: toNumber(row.tpm_limit),
      monthly_budget_usd: row.monthly_budget_picos === null ? null : usdText(row.monthly_budget_picos),
      spent_this_month_usd: usdText(spent),
      thresholds: budget?.thresholds ?? null,
    };
  }

  return async (app: FastifyInstance) => {
    app.get('/projects/:projectId/rate_limits', async (request) => {
      const { organizationId } = callerOf(request.principal);
      const { projectId } = request.params as { projectId: string };
      await ownProject(db, organizationId, projectId);
      const { limit, after } = parseRequest(listQuery, request.query ?? {});
      const all = await projectRateLimits(organizationId, projectId);
      const start = after ? all.findIndex((r) => r.id === after) + 1 : 0;
      const data = all.slice(start, start + limit);
      return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: start + limit < all.length };
    });

    app.get('/projects/:projectId/rate_limits/:rateLimitId', async (request) => {
      const { organizationId } = callerOf(request.principal);
      const { projectId, rateLimitId } = request.params as { projectId: string; rateLimitId: string };
      await ownProject(db, organizationId, projectId);
      const found = (await projectRateLimits(organizationId, projectId)).find((r) => r.id === rateLimitId);
      if (!found) throw new TollgateError('not_found', { message: `No such rate limit: ${rateLimitId.slice(0, 200)}` });
      return found;
    });

    app.post('/projects/:projectId/rate_limits/:rateLimitId', async (request) => {
      const { organizationId } = callerOf(request.principal);
      const { projectId, rateLimitId } = request.params as { projectId: string; rateLimitId: string };
      await ownProject(db, organizationId, projectId);
      const model = rateLimitId.startsWith('rl-') ? deps.catalogue.list().find((m) => m.name === rateLimitId.slice(3)) : undefined;
      if (!model) throw new TollgateError('not_found', { message: `No such rate limit: ${rateLimitId.slice(0, 200)}` });
      const input = parseRequest(rateLimitBody, request.body);
      const current = (await readProjectRateLimits(db, projectId)).find((o) => o.model === model.name);
      const rpm = input.max_requests_per_1_minute === undefined ? (current?.rpm ?? null) : input.max_requests_per_1_minute;
      const tpm = input.max_tokens_per_1_minute === undefined ? (current?.tpm ?? null) : input.max_tokens_per_1_minute;
      await writeProjectRateLimit(db, projectId, { model: model.name, rpm, tpm }, clock.now());
      await recordAudit(db, clock, actorOf(request.principal!, request), {
        type: 'rate_limit.updated',
        projectId,
        resourceId: rateLimitId,
        details: { model: model.name, changes: { max_requests_per_1_minute: { from: current?.rpm ?? null, to: rpm }, max_tokens_per_1_minute: { from: current?.tpm ?? null, to: tpm } } },
      });
      deps.limits.policies.invalidate(projectId);
      return (await projectRateLimits(organizationId, projectId)).find((r) => r.model === model.name);
    });

    app.get('/projects/:projectId/api_keys/:keyId/limits', async (request) => {
      const { organizationId } = callerOf(request.principal);
      const { projectId, keyId } = request.params as { projectId: string; keyId: string };
      await ownKey(db, organizationId, projectId, keyId);
      return keyLimits(keyId);
    });

    app.post('/projects/:projectId/api_keys/:keyId/limits', async (request) => {
      const { organizationId } = callerOf(request.principal);
      const { projectId, keyId } = request.params as { projectId: string; keyId: string };
      await ownKey(db, organizationId, projectId, keyId);
      const input = parseRequest(keyLimitsBody, request.body);
      const limits: { rpm?: number | null; tpm?: number | null; monthlyBudgetPicos?: bigint | null } = {};
      if (input.max_requests_per_1_minute !== undefined) limits.rpm = input.max_requests_per_1_minute;
      if (input.max_tokens_per_1_minute !== undefined) limits.tpm = input.max_tokens_per_1_minute;
      if (input.monthly_budget_usd !== undefined) limits.monthlyBudgetPicos = input.monthly_budget_usd;
      if (Object.keys(limits).length > 0) await updateKey(deps.control, actorOf(request.principal!, request), { projectId }, keyId, { limits });
      // The key's cap is on its record; its thresholds sit with the other budgets.
      if (input.thresholds) await writeBudget(db, { scope: 'key', scopeId: keyId, monthlyLimit: null, thresholds: input.thresholds }, clock.now());
      deps.limits.policies.invalidate(`key:${keyId}`);
      return keyLimits(keyId);
    });
  };
}
