import { z } from 'zod';
import { op, parseBody, parseQuery, type Operation, type OperationContext } from '../admin/operation.js';
import { effectiveBudget, monthOf, readBudget, readSpent, writeBudget, type BudgetScope } from '../billing/budgets.js';
import { TollgateError } from '../common/errors.js';
import { newId } from '../common/ids.js';
import { formatUsd, PICOS_PER_USD, type Picos } from '../common/money.js';
import { recordAudit } from '../control/index.js';

/**
 * OpenAI's hard spend limit and spend alerts, served on Tollgate's monthly
 * budgets (`spend_budgets`) and dollar alerts (`spend_alerts`), for the
 * organization and each project. Amounts are whole cents; the interval is the
 * calendar month (UTC) the budgets use; an alert mails its recipients once
 * per month when the spend reaches it (`notices/crossings.ts`).
 */
const PICOS_PER_CENT = PICOS_PER_USD / 100n;
const MAX_CENTS = 100_000_000_000; // $1bn
export const MAX_ALERTS = 20;

const money = { currency: z.literal('USD'), interval: z.literal('month') };
export const spendLimitBody = z.object({ threshold_amount: z.number().int().min(1).max(MAX_CENTS), ...money }).strict();
export const spendAlertBody = z
  .object({
    threshold_amount: z.number().int().min(0).max(MAX_CENTS),
    ...money,
    notification_channel: z
      .object({ type: z.literal('email'), recipients: z.array(z.email().max(320)).min(1).max(20), subject_prefix: z.string().max(100).nullable().optional() })
      .strict(),
  })
  .strict();
export const spendAlertListQuery = z
  .object({ limit: z.coerce.number().int().min(0).max(100).default(20), order: z.enum(['asc', 'desc']).default('asc'), after: z.string().max(100).optional(), before: z.string().max(100).optional() })
  .strict();

const limitObject = (kind: 'organization' | 'project') =>
  z.object({ object: z.literal(`${kind}.spend_limit`), threshold_amount: z.number().int(), currency: z.literal('USD'), interval: z.literal('month'), enforcement: z.object({ status: z.enum(['inactive', 'enforcing']) }) });
const alertObject = (kind: 'organization' | 'project') =>
  z.object({
    id: z.string(),
    object: z.literal(`${kind}.spend_alert`),
    threshold_amount: z.number().int(),
    currency: z.literal('USD'),
    interval: z.literal('month'),
    notification_channel: z.object({ type: z.literal('email'), recipients: z.array(z.string()), subject_prefix: z.string().nullable() }),
  });
const listSchema = (kind: 'organization' | 'project') => z.object({ object: z.literal('list'), data: z.array(alertObject(kind)), first_id: z.string().nullable(), last_id: z.string().nullable(), has_more: z.boolean() });

const cents = (picos: Picos) => Number(picos / PICOS_PER_CENT);

interface Scope {
  kind: 'organization' | 'project';
  budget: BudgetScope;
  id: string;
}

function scopeOf(ctx: OperationContext, params: Record<string, string>): Scope {
  return params.project_id === undefined ? { kind: 'organization', budget: 'organization', id: ctx.actor.organizationId } : { kind: 'project', budget: 'project', id: params.project_id };
}

function noLimit(scope: Scope): TollgateError {
  return new TollgateError('not_found', { message: `No spend limit is set for this ${scope.kind}.` });
}

async function currentLimit(ctx: OperationContext, scope: Scope): Promise<{ limit: Picos | null; thresholds: number[] }> {
  const defaults = ctx.deps.notices?.budgetDefaults ?? { organization: null, project: null, thresholds: [] };
  const { monthlyLimit, thresholds } = effectiveBudget(await readBudget(ctx.deps.db, scope.budget, scope.id), scope.budget, defaults);
  return { limit: monthlyLimit, thresholds };
}

async function limitAnswer(ctx: OperationContext, scope: Scope) {
  const { limit } = await currentLimit(ctx, scope);
  if (limit === null) throw noLimit(scope);
  const spent = await readSpent(ctx.deps.db, scope.budget, scope.id, monthOf(ctx.deps.clock.now()));
  return { object: `${scope.kind}.spend_limit`, threshold_amount: cents(limit), currency: 'USD', interval: 'month', enforcement: { status: spent >= limit ? 'enforcing' : 'inactive' } };
}

async function setLimit(ctx: OperationContext, scope: Scope, limit: Picos | null): Promise<void> {
  const { thresholds } = await currentLimit(ctx, scope);
  await writeBudget(ctx.deps.db, { scope: scope.budget, scopeId: scope.id, monthlyLimit: limit, thresholds }, ctx.deps.clock.now());
  await recordAudit(ctx.deps.db, ctx.deps.clock, ctx.actor, {
    type: 'budget.updated',
    projectId: scope.kind === 'project' ? scope.id : null,
    resourceId: scope.id,
    details: { scope: scope.kind, monthly_limit_usd: limit === null ? null : formatUsd(limit, 2) },
  });
  ctx.deps.notices?.invalidatePolicies(scope.id);
}

interface AlertRow {
  id: string;
  threshold_picos: bigint;
  recipients: string;
  subject_prefix: string | null;
}

function alertAnswer(kind: Scope['kind'], row: AlertRow) {
  return {
    id: row.id,
    object: `${kind}.spend_alert`,
    threshold_amount: cents(row.threshold_picos),
    currency: 'USD',
    interval: 'month',
    notification_channel: { type: 'email', recipients: JSON.parse(row.recipients) as string[], subject_prefix: row.subject_prefix },
  };
}

async function alertRow(ctx: OperationContext, scope: Scope, id: string): Promise<AlertRow> {
  const row = await ctx.deps.db
    .selectFrom('spend_alerts')
    .selectAll()
    .where('id', '=', id)
    .where('organization_id', '=', ctx.actor.organizationId)
    .where('scope', '=', scope.kind)
    .where('scope_id', '=', scope.id)
    .executeTakeFirst();
  if (!row) throw new TollgateError('not_found', { param: 'alert_id', message: `No spend alert found with id '${id.slice(0, 100)}'.` });
  return row;
}

function alertValues(input: z.infer<typeof spendAlertBody>) {
  return {
    threshold_picos: BigInt(input.threshold_amount) * PICOS_PER_CENT,
    recipients: JSON.stringify([...new Set(input.notification_channel.recipients.map((r) => r.toLowerCase()))]),
    subject_prefix: input.notification_channel.subject_prefix ?? null,
  };
}

function spendOperations(kind: Scope['kind']): Operation[] {
  const base = kind === 'organization' ? '' : '/projects/:project_id';
  const Kind = kind === 'organization' ? 'Organization' : 'Project';
  const whose = kind === 'organization' ? "the organization's" : "a project's";
  return [
    op({
      id: `retrieve${Kind}SpendLimit`, method: 'GET', path: `${base}/spend_limit`, openai: true, summary: `Get ${whose} hard monthly spend limit (cents); enforcement \`enforcing\` once this month's spend reached it`, returns: `${kind}.spend_limit`, response: limitObject(kind),
      handler: async (ctx, { params }) => limitAnswer(ctx, scopeOf(ctx, params)),
    }),
    op({
      id: `update${Kind}SpendLimit`, method: 'POST', path: `${base}/spend_limit`, openai: true, summary: `Create or replace ${whose} hard monthly spend limit (Tollgate's monthly budget)`, returns: `${kind}.spend_limit`, response: limitObject(kind), body: spendLimitBody,
      async handler(ctx, { params, body }) {
        const input = parseBody(spendLimitBody, body);
        const scope = scopeOf(ctx, params);
        await setLimit(ctx, scope, BigInt(input.threshold_amount) * PICOS_PER_CENT);
        return limitAnswer(ctx, scope);
      },
    }),
    op({
      id: `delete${Kind}SpendLimit`, method: 'DELETE', path: `${base}/spend_limit`, openai: true, summary: `Delete ${whose} hard spend limit (no cap from now on)`, returns: `${kind}.spend_limit.deleted`, response: z.object({ object: z.literal(`${kind}.spend_limit.deleted`), deleted: z.literal(true) }),
      async handler(ctx, { params }) {
        const scope = scopeOf(ctx, params);
        if ((await currentLimit(ctx, scope)).limit === null) throw noLimit(scope);
        await setLimit(ctx, scope, null);
        return { object: `${kind}.spend_limit.deleted`, deleted: true };
      },
    }),
    op({
      id: `list${Kind}SpendAlerts`, method: 'GET', path: `${base}/spend_alerts`, openai: true, summary: `List ${whose} spend alerts`, returns: `list of ${kind}.spend_alert`, response: listSchema(kind), query: spendAlertListQuery,
      async handler(ctx, { params, query }) {
        const q = parseQuery(spendAlertListQuery, query);
        const scope = scopeOf(ctx, params);
        let select = ctx.deps.db.selectFrom('spend_alerts').selectAll().where('organization_id', '=', ctx.actor.organizationId).where('scope', '=', scope.kind).where('scope_id', '=', scope.id);
        if (q.after) select = select.where('id', q.order === 'asc' ? '>' : '<', q.after);
        if (q.before) select = select.where('id', q.order === 'asc' ? '<' : '>', q.before);
        const rows = await select.orderBy('id', q.order).limit(q.limit + 1).execute();
        const data = rows.slice(0, q.limit).map((r) => alertAnswer(kind, r));
        return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null, has_more: rows.length > q.limit };
      },
    }),
    op({
      id: `create${Kind}SpendAlert`, method: 'POST', path: `${base}/spend_alerts`, openai: true, summary: `Create ${whose} spend alert: its recipients are mailed once a month when the month's spend reaches threshold_amount (cents)`, returns: `${kind}.spend_alert`, response: alertObject(kind), body: spendAlertBody,
      async handler(ctx, { params, body }) {
        const input = parseBody(spendAlertBody, body);
        const scope = scopeOf(ctx, params);
        const count = await ctx.deps.db.selectFrom('spend_alerts').select((eb) => eb.fn.countAll<number>().as('n')).where('scope', '=', scope.kind).where('scope_id', '=', scope.id).executeTakeFirstOrThrow();
        if (Number(count.n) >= MAX_ALERTS) throw new TollgateError('invalid_request', { param: 'threshold_amount', message: `A ${scope.kind} can have at most ${MAX_ALERTS} spend alerts.` });
        const now = ctx.deps.clock.now();
        const row = { id: newId('alert', now), organization_id: ctx.actor.organizationId, scope: scope.kind, scope_id: scope.id, ...alertValues(input), created_at: now, updated_at: now };
        await ctx.deps.db.insertInto('spend_alerts').values(row).execute();
        await recordAudit(ctx.deps.db, ctx.deps.clock, ctx.actor, { type: 'spend_alert.created', projectId: kind === 'project' ? scope.id : null, resourceId: row.id, details: { threshold_amount: input.threshold_amount } });
        return alertAnswer(kind, row);
      },
    }),
    op({
      id: `retrieve${Kind}SpendAlert`, method: 'GET', path: `${base}/spend_alerts/:alert_id`, openai: true, summary: `Retrieve ${whose} spend alert`, returns: `${kind}.spend_alert`, response: alertObject(kind),
      handler: async (ctx, { params }) => alertAnswer(kind, await alertRow(ctx, scopeOf(ctx, params), params.alert_id!)),
    }),
    op({
      id: `update${Kind}SpendAlert`, method: 'POST', path: `${base}/spend_alerts/:alert_id`, openai: true, summary: `Update ${whose} spend alert`, returns: `${kind}.spend_alert`, response: alertObject(kind), body: spendAlertBody,
      async handler(ctx, { params, body }) {
        const input = parseBody(spendAlertBody, body);
        const scope = scopeOf(ctx, params);
        const id = (await alertRow(ctx, scope, params.alert_id!)).id;
        await ctx.deps.db.updateTable('spend_alerts').set({ ...alertValues(input), updated_at: ctx.deps.clock.now() }).where('id', '=', id).execute();
        await recordAudit(ctx.deps.db, ctx.deps.clock, ctx.actor, { type: 'spend_alert.updated', projectId: kind === 'project' ? scope.id : null, resourceId: id, details: { threshold_amount: input.threshold_amount } });
        return alertAnswer(kind, await alertRow(ctx, scope, id));
      },
    }),
    op({
      id: `delete${Kind}SpendAlert`, method: 'DELETE', path: `${base}/spend_alerts/:alert_id`, openai: true, summary: `Delete ${whose} spend alert`, returns: `${kind}.spend_alert.deleted`, response: z.object({ id: z.string(), object: z.literal(`${kind}.spend_alert.deleted`), deleted: z.literal(true) }),
      async handler(ctx, { params }) {
        const scope = scopeOf(ctx, params);
        const id = (await alertRow(ctx, scope, params.alert_id!)).id;
        await ctx.deps.db.deleteFrom('spend_alerts').where('id', '=', id).execute();
        await recordAudit(ctx.deps.db, ctx.deps.clock, ctx.actor, { type: 'spend_alert.deleted', projectId: kind === 'project' ? scope.id : null, resourceId: id, details: {} });
        return { id, object: `${kind}.spend_alert.deleted`, deleted: true };
      },
    }),
  ];
}

export const spendOperationsTable: Operation[] = [...spendOperations('organization'), ...spendOperations('project')];
