import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { actorOf } from '../admin/plugin.js';
import type { budgetSchema, creditBalanceSchema, ledgerEntrySchema, usageTierSchema } from '../admin/response-schemas.js';
import { unixSeconds, type Clock } from '../common/clock.js';
import { newId } from '../common/ids.js';
import { parseUsd } from '../common/money.js';
import { TollgateError } from '../common/errors.js';
import type { Config } from '../config/index.js';
import { parseRequest } from '../contract/index.js';
import { listPage, recordAudit, type Actor, type KeyService } from '../control/index.js';
import type { Database } from '../store/index.js';
import { callerOf, ownProject, signedUsdInput, thresholdsInput, usdInput, usdText } from './admin-common.js';
import type { BillingAuthority } from './authority.js';
import { budgetDefaults, effectiveBudget, monthOf, readBudget, readSpent, writeBudget, type BudgetScope } from './budgets.js';
import { LedgerConflictError, listEntries, postEntry, readAccount, type CreditAccount, type LedgerEntry } from './ledger.js';
import { nextRung, readTier, setTier, tierRules, type TierTable } from './tiers.js';

export interface BillingAdminDeps {
  db: Kysely<Database>;
  clock: Clock;
  keys: KeyService;
  config: Config;
  authority: BillingAuthority;
  /** Admission's view of tiers and policies; invalidated after a change. */
  limits: { tiers: TierTable; policies: { invalidate(id: string): void } };
}

export const grantBody = z.object({ amount_usd: usdInput, description: z.string().max(500).optional() }).strict();
export const adjustmentBody = z
  .object({ amount_usd: signedUsdInput, description: z.string().min(1).max(500) })
  .strict();
export const budgetBody = z.object({ monthly_limit_usd: usdInput.nullable().optional(), thresholds: thresholdsInput.optional() }).strict();
export const tierBody = z.object({ tier: z.string().min(1).max(100) }).strict();
export const ledgerQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    after: z.string().max(100).optional(),
    kind: z.enum(['purchase', 'grant', 'usage', 'refund', 'adjustment', 'expiry']).optional(),
  })
  .strict();

/** The organization's credit balance in the API's shape. */
export function balanceObject(account: CreditAccount, billing: Config['billing']): z.infer<typeof creditBalanceSchema> {
  return {
    object: 'organization.credit_balance',
    organization_id: account.organizationId,
    billing_mode: billing.mode,
    balance_usd: usdText(account.balance),
    granted_usd: usdText(account.credited - account.paid),
    paid_usd: usdText(account.paid),
    used_usd: usdText(account.debited),
    purchases: { payment_provider: billing.payment_provider, min_usd: usdText(parseUsd(billing.purchase_min_usd)), max_usd: usdText(parseUsd(billing.purchase_max_usd)) },
  };
}

export function entryObject(entry: LedgerEntry): z.infer<typeof ledgerEntrySchema> {
  return {
    object: 'organization.ledger_entry',
    id: entry.id,
    seq: entry.seq,
    kind: entry.kind,
    amount_usd: usdText(entry.amount),
    balance_after_usd: usdText(entry.balanceAfter),
    description: entry.description,
    reference_id: entry.referenceId,
    event_count: entry.eventCount,
    effective_at: unixSeconds(entry.effectiveAt),
    created_at: unixSeconds(entry.createdAt),
  };
}

/** An `Idempotency-Key` header: printable, at most 255 characters (as Stripe takes them). */
export function idempotencyKeyOf(headers: Record<string, unknown>): string | undefined {
  const value = headers['idempotency-key'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(value)) {
    throw new TollgateError('invalid_value', { param: 'Idempotency-Key', message: 'The Idempotency-Key header must be 1 to 255 printable ASCII characters.' });
  }
  return value;
}

/**
 * Admin endpoints for credits, the ledger, the usage tier and budgets. Each
 * acts on the organization the caller acts in (the operator names any one in
 * `OpenAI-Organization`); grants, adjustments and tier overrides are the
 * operator's alone (`authority.ts`).
 */
export function billingAdminRoutes(deps: BillingAdminDeps): FastifyPluginAsync {
  const { db, clock, authority } = deps;
  const defaults = budgetDefaults(deps.config.billing.budget_defaults);

  async function budgetObject(scope: BudgetScope, scopeId: string): Promise<z.infer<typeof budgetSchema>> {
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

  const rules = tierRules(deps.config.billing.tier_rules);

  /** The tier, its limits, what was paid and what the next rung of the ladder needs. */
  async function tierObject(organizationId: string): Promise<z.infer<typeof usageTierSchema>> {
    const [row, account] = await Promise.all([db.selectFrom('organization_tiers').select(['tier', 'set_by']).where('organization_id', '=', organizationId).executeTakeFirst(), readAccount(db, organizationId)]);
    const tier = row?.tier ?? deps.config.limits.new_organization_tier;
    const limits = deps.limits.tiers.limits(tier);
    const next = nextRung(rules, tier, account.paid, account.firstPaidAt, clock.now());
    return {
      object: 'organization.usage_tier',
      tier,
      max_requests_per_1_minute: limits?.rpm ?? null,
      max_tokens_per_1_minute: limits?.tpm ?? null,
      set_by: (row?.set_by ?? null) as 'operator' | 'purchases' | null,
      paid_usd: usdText(account.paid),
      first_payment_at: account.firstPaidAt === null ? null : unixSeconds(account.firstPaidAt),
      next_tier: next && { tier: next.tier, paid_usd_needed: usdText(next.paidNeeded), available_at: next.availableAt === null ? null : unixSeconds(next.availableAt) },
      available: deps.limits.tiers.names(),
    };
  }

  async function postCredit(request: FastifyRequest, reply: FastifyReply, kind: 'grant' | 'adjustment') {
    const input = parseRequest(kind === 'grant' ? grantBody : adjustmentBody, request.body);
    const organizationId = authority.authorize(request.principal, 'operate');
    if (kind === 'grant' && input.amount_usd <= 0n) throw new TollgateError('invalid_value', { param: 'amount_usd', message: 'amount_usd must be more than 0.' });
    if (input.amount_usd === 0n) throw new TollgateError('invalid_value', { param: 'amount_usd', message: 'amount_usd must not be 0.' });
    const key = idempotencyKeyOf(request.headers);
    const actor = actorOf(request.principal!, request);
    const now = clock.now();
    const { entry, created } = await db.transaction().execute(async (trx) => {
      const posted = await postEntry(trx, {
        organizationId,
        kind,
        amount: input.amount_usd,
        idempotencyKey: key ? `${kind}:${key}` : `${kind}:${newId('led', now)}`,
        description: input.description ?? 'credit grant',
        actor: actor.id,
        now,
      }).catch((err: unknown) => {
        if (err instanceof LedgerConflictError) throw new TollgateError('conflict', { param: 'Idempotency-Key', message: 'This Idempotency-Key was already used for a different amount.' });
        throw err;
      });
      if (posted.created) {
        const type = kind === 'grant' ? 'credits.granted' : 'credits.adjusted';
        await recordAudit(trx, clock, actor, { type, projectId: null, resourceId: posted.entry.id, details: { amount_usd: usdText(posted.entry.amount), description: posted.entry.description } });
      }
      return posted;
    });
    deps.limits.policies.invalidate(organizationId);
    reply.code(created ? 201 : 200);
    return { ...entryObject(entry), object: kind === 'grant' ? 'organization.credit_grant' : 'organization.credit_adjustment', balance_usd: usdText((await readAccount(db, organizationId)).balance) };
  }

  return async (app: FastifyInstance) => {
    app.get('/credits', async (request) => {
      const organizationId = authority.authorize(request.principal, 'view');
      return balanceObject(await readAccount(db, organizationId), deps.config.billing);
    });

    app.post('/credits/grants', (request, reply) => postCredit(request, reply, 'grant'));
    app.post('/credits/adjustments', (request, reply) => postCredit(request, reply, 'adjustment'));

    app.get('/credits/ledger', async (request) => {
      const query = parseRequest(ledgerQuery, request.query ?? {});
      const organizationId = authority.authorize(request.principal, 'view');
      let beforeSeq: number | undefined;
      if (query.after) {
        const row = await db.selectFrom('ledger_entries').select('seq').where('organization_id', '=', organizationId).where('id', '=', query.after).executeTakeFirst();
        if (!row) throw new TollgateError('invalid_value', { param: 'after', message: `No ledger entry ${query.after.slice(0, 100)} in this organization.` });
        beforeSeq = Number(row.seq);
      }
      const page = await listEntries(db, organizationId, { limit: query.limit, beforeSeq, kind: query.kind });
      return listPage(page.entries.map(entryObject), page.hasMore);
    });

    app.get('/limits/tier', async (request) => {
      return tierObject(authority.authorize(request.principal, 'view'));
    });

    app.post('/limits/tier', async (request) => {
      const input = parseRequest(tierBody, request.body);
      const organizationId = authority.authorize(request.principal, 'operate');
      const { tier } = input;
      if (deps.limits.tiers.limits(tier) === undefined) {
        throw new TollgateError('invalid_value', { param: 'tier', message: `Unknown usage tier '${tier.slice(0, 100)}'. Known tiers: ${deps.limits.tiers.names().join(', ')}.` });
      }
      const actor = actorOf(request.principal!, request);
      await db.transaction().execute(async (trx) => {
        const before = await readTier(trx, organizationId);
        await setTier(trx, organizationId, tier, clock.now(), 'operator');
        await recordAudit(trx, clock, actor, { type: 'tier.updated', projectId: null, resourceId: organizationId, details: { changes: { tier: { from: before, to: tier } } } });
      });
      deps.limits.policies.invalidate(organizationId);
      return tierObject(organizationId);
    });

    app.get('/budget', async (request) => budgetObject('organization', authority.authorize(request.principal, 'view')));
    app.post('/budget', async (request) => {
      const organizationId = authority.authorize(request.principal, 'manage');
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
