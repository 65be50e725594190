import { z } from 'zod';
import { permissionsSchema } from '../control/index.js';

/**
 * What the routes answer, as zod schemas: the OpenAPI document's 200
 * responses are generated from them, the dashboard's API types are generated
 * from that document, and the presenters are typed by them (a field added to
 * a presenter and not here fails the type check; a test checks real answers
 * against them).
 */

const unixSeconds = z.number().int();
const usd = z.string().describe('Exact decimal USD, e.g. "1.50".');

export const listOf = <T extends z.ZodType>(item: T) =>
  z.object({ object: z.literal('list'), data: z.array(item), first_id: z.string().nullable(), last_id: z.string().nullable(), has_more: z.boolean() });

export const deletedObjectSchema = z.object({ object: z.string(), id: z.string(), deleted: z.literal(true) });

export const projectSchema = z.object({
  id: z.string(),
  object: z.literal('organization.project'),
  name: z.string(),
  created_at: unixSeconds,
  archived_at: unixSeconds.nullable(),
  status: z.enum(['active', 'archived']),
});

export const serviceAccountSchema = z.object({
  object: z.literal('organization.project.service_account'),
  id: z.string(),
  name: z.string(),
  role: z.string(),
  created_at: unixSeconds,
});

const keyDetails = {
  kind: z.enum(['project', 'service_account', 'admin']),
  status: z.enum(['active', 'revoked', 'expired']),
  created_by: z.string().nullable(),
  expires_at: unixSeconds.nullable(),
  permissions: permissionsSchema,
  allowed_ips: z.array(z.string()).nullable(),
  rpm_limit: z.number().int().nullable(),
  tpm_limit: z.number().int().nullable(),
  monthly_usage_limit_usd: usd.nullable(),
  rotated_from: z.string().nullable(),
  rotated_to: z.string().nullable(),
  revokes_at: unixSeconds.nullable().describe('End of the rotation grace period: the key stops working then.'),
  revoked_at: unixSeconds.nullable(),
  revoked_reason: z.string().nullable(),
  rotation_due: z.boolean().describe('Older than 90 days: due for rotation.'),
};

export const projectKeySchema = z.object({
  object: z.literal('organization.project.api_key'),
  id: z.string(),
  name: z.string(),
  redacted_value: z.string(),
  created_at: unixSeconds,
  last_used_at: unixSeconds.nullable(),
  owner: z.union([
    z.object({
      type: z.literal('user'),
      user: z
        .object({ object: z.literal('organization.user'), id: z.string(), email: z.string(), name: z.string(), created_at: unixSeconds, role: z.string().describe("The person's role in the key's project.") })
        .optional()
        .describe('The person who created the key; absent for keys made with an admin key or from the shell.'),
    }),
    z.object({ type: z.literal('service_account'), service_account: z.union([serviceAccountSchema, z.object({ id: z.string() })]) }),
  ]),
  owner_project_access: z.enum(['active', 'inactive']).describe("Whether the key's owner still reaches the project (a member, or an Owner of the organization, with an active account)."),
  project_id: z.string().nullable(),
  ...keyDetails,
});

export const adminKeySchema = z.object({
  object: z.literal('organization.admin_api_key'),
  id: z.string(),
  name: z.string(),
  redacted_value: z.string(),
  created_at: unixSeconds,
  last_used_at: unixSeconds.nullable(),
  owner: z.object({ type: z.literal('organization'), id: z.string() }),
  ...keyDetails,
});

const withSecret = { value: z.string().describe('The secret: returned only in this answer, never again.') };
export const newProjectKeySchema = projectKeySchema.extend(withSecret);
export const newAdminKeySchema = adminKeySchema.extend(withSecret);
export const rotatedKeySchema = newProjectKeySchema.extend({ previous: projectKeySchema });

export const createdServiceAccountSchema = serviceAccountSchema.extend({
  api_key: z.object({ object: z.literal('organization.project.service_account.api_key'), value: z.string(), name: z.string(), created_at: unixSeconds, id: z.string() }),
});

export const auditLogSchema = z
  .object({
    object: z.literal('organization.audit_log'),
    id: z.string(),
    type: z.string(),
    effective_at: unixSeconds,
    project: z.object({ id: z.string() }).optional().describe('The project the event concerns; absent for organization-wide events.'),
    actor: z
      .object({ type: z.string().describe('`api_key`, `session` (a signed-in person), `cli` or `system`'), id: z.string().optional(), ip_address: z.string().nullable(), user_agent: z.string().nullable() })
      .passthrough(),
  })
  .catchall(z.unknown())
  .describe('The event payload sits under a key named after `type`.');

const bucketOf = <T extends z.ZodType>(result: T) =>
  z.object({ object: z.literal('bucket'), start_time: unixSeconds, end_time: unixSeconds, results: z.array(result) });
const pageOf = <T extends z.ZodType>(result: T) =>
  z.object({ object: z.literal('page'), data: z.array(bucketOf(result)), has_more: z.boolean(), next_page: z.string().nullable() });

const attribution = {
  end_user: z.string().nullable().optional().describe('With group_by end_user: the requests\' `user`.'),
  metadata: z.record(z.string(), z.string().nullable()).optional().describe('With group_by metadata.<key>: that key and its value.'),
};
const grouping = { project_id: z.string().nullable(), api_key_id: z.string().nullable(), model: z.string().nullable(), ...attribution };
export const completionsUsageSchema = pageOf(
  z.object({
    object: z.literal('organization.usage.completions.result'),
    input_tokens: z.number().int(),
    output_tokens: z.number().int(),
    input_cached_tokens: z.number().int(),
    input_cache_write_tokens: z.number().int(),
    input_uncached_tokens: z.number().int(),
    input_audio_tokens: z.number().int(),
    output_audio_tokens: z.number().int(),
    output_reasoning_tokens: z.number().int(),
    num_model_requests: z.number().int(),
    user_id: z.null(),
    batch: z.null(),
    service_tier: z.null(),
    ...grouping,
  }),
);
export const embeddingsUsageSchema = pageOf(
  z.object({ object: z.literal('organization.usage.embeddings.result'), input_tokens: z.number().int(), num_model_requests: z.number().int(), user_id: z.null(), ...grouping }),
);

export const amountSchema = z.object({ value: z.number(), currency: z.literal('usd'), value_exact: usd });
export const costsSchema = pageOf(
  z.object({ object: z.literal('organization.costs.result'), amount: amountSchema, line_item: z.string().nullable(), project_id: z.string().nullable(), api_key_id: z.string().nullable(), ...attribution }),
);

export const requestLogSchema = listOf(
  z.object({
    object: z.literal('organization.usage.request'),
    id: z.string(),
    request_id: z.string(),
    created_at: unixSeconds,
    created_at_ms: z.number().int(),
    project_id: z.string().nullable(),
    api_key_id: z.string().nullable(),
    endpoint: z.string(),
    model: z.string(),
    input_tokens: z.number().int(),
    input_cached_tokens: z.number().int(),
    output_tokens: z.number().int(),
    output_reasoning_tokens: z.number().int(),
    usage_estimated: z.boolean().describe('Tokens counted by Tollgate: the upstream reported none, or the stream was cut.'),
    cost: amountSchema,
    latency_ms: z.number().int(),
    ttft_ms: z.number().int().nullable(),
    status: z.enum(['ok', 'error', 'aborted']),
    http_status: z.number().int(),
    error_code: z.string().nullable(),
    end_user: z.string().nullable().describe("The request's `user`."),
    metadata: z.record(z.string(), z.string()).nullable().describe("The request's `metadata`."),
  }),
);

export const creditBalanceSchema = z.object({
  object: z.literal('organization.credit_balance'),
  organization_id: z.string(),
  billing_mode: z.enum(['prepaid', 'postpaid']),
  balance_usd: usd.describe('The sum of the ledger: granted + paid - used.'),
  granted_usd: usd.describe('Credit not paid for: grants (the trial grant included), adjustments, expiries.'),
  paid_usd: usd.describe('Purchases less refunds: what usage tiers follow.'),
  used_usd: usd,
  purchases: z
    .object({
      payment_provider: z.enum(['test', 'stripe']).describe('Who takes card payments: `test` (Stripe\'s public test cards, no network) or `stripe`.'),
      min_usd: usd.describe('Smallest credit purchase.'),
      max_usd: usd.describe('Largest credit purchase.'),
    })
    .describe('How credit is bought here (the dashboard shows the minimum).'),
});

export const ledgerEntrySchema = z.object({
  object: z.literal('organization.ledger_entry'),
  id: z.string(),
  seq: z.number().int().describe('1, 2, 3, ... in the order entries were posted.'),
  kind: z.enum(['purchase', 'grant', 'usage', 'refund', 'adjustment', 'expiry']),
  amount_usd: usd.describe('Signed: money in is positive.'),
  balance_after_usd: usd,
  description: z.string(),
  reference_id: z.string().nullable().describe('The purchase of a purchase entry.'),
  event_count: z.number().int().describe('Usage debits: how many requests the entry covers.'),
  effective_at: unixSeconds,
  created_at: unixSeconds,
});

export const creditEntrySchema = ledgerEntrySchema.extend({
  object: z.enum(['organization.credit_grant', 'organization.credit_adjustment']),
  balance_usd: usd,
});

export const usageTierSchema = z.object({
  object: z.literal('organization.usage_tier'),
  tier: z.string(),
  max_requests_per_1_minute: z.number().int().nullable(),
  max_tokens_per_1_minute: z.number().int().nullable(),
  set_by: z.enum(['operator', 'purchases']).nullable().describe('Who set the tier: an operator override, or a promotion by paid purchases (null: since the organization was created).'),
  paid_usd: usd,
  first_payment_at: unixSeconds.nullable(),
  next_tier: z
    .object({ tier: z.string(), paid_usd_needed: usd, available_at: unixSeconds.nullable().describe('When the days since the first payment allow it, if the ladder asks for days.') })
    .nullable()
    .describe('What the next tier of the ladder needs; null at the top or off the ladder.'),
  available: z.array(z.string()),
});

export const paymentMethodSchema = z.object({
  object: z.literal('billing.payment_method'),
  id: z.string(),
  type: z.literal('card'),
  provider: z.enum(['test', 'stripe']),
  card: z.object({ brand: z.string(), last4: z.string(), exp_month: z.number().int(), exp_year: z.number().int() }),
  created_at: unixSeconds,
});

export const cardSetupSchema = z.object({
  object: z.literal('billing.card_setup'),
  provider: z.literal('stripe'),
  setup_intent: z.string(),
  client_secret: z.string().describe('For Stripe.js: confirm the SetupIntent in the browser.'),
  publishable_key: z.string().nullable(),
});

export const purchaseSchema = z.object({
  object: z.literal('billing.purchase'),
  id: z.string(),
  source: z.enum(['manual', 'auto_recharge']),
  status: z.enum(['pending', 'requires_action', 'succeeded', 'failed']),
  amount_usd: usd,
  payment_method_id: z.string(),
  receipt_number: z.string().nullable(),
  attempts: z.number().int().describe('Failed charge attempts so far.'),
  failure: z.object({ code: z.string(), message: z.string().nullable() }).nullable(),
  client_secret: z.string().nullable().describe('Only while the customer must complete the payment (3-D Secure, with Stripe.js).'),
  next_attempt_at: unixSeconds.nullable(),
  created_at: unixSeconds,
  completed_at: unixSeconds.nullable(),
});

export const autoRechargeSchema = z.object({
  object: z.literal('billing.auto_recharge'),
  enabled: z.boolean(),
  threshold_usd: usd.nullable(),
  target_usd: usd.nullable(),
  payment_method_id: z.string().nullable(),
  consecutive_failures: z.number().int(),
  disabled_reason: z.string().nullable().describe('Why auto-recharge turned itself off after failed charges.'),
  last_purchase_id: z.string().nullable(),
});

export const budgetSchema = z.object({
  object: z.literal('organization.budget'),
  scope: z.enum(['organization', 'project', 'key']),
  scope_id: z.string(),
  period: z.string().describe('The calendar month (UTC), e.g. "2026-05".'),
  monthly_limit_usd: usd.nullable(),
  spent_usd: usd,
  remaining_usd: usd.nullable(),
  thresholds: z.array(z.number().int()).describe('Notification thresholds, percent of the budget.'),
});

const billingAddress = z.object({ line1: z.string().nullable().optional(), line2: z.string().nullable().optional(), city: z.string().nullable().optional(), postal_code: z.string().nullable().optional(), state: z.string().nullable().optional(), country: z.string().nullable().optional() });
const billedOrganization = z.object({ id: z.string(), name: z.string(), legal_name: z.string().nullable(), email: z.string().nullable(), address: billingAddress.nullable(), tax_id: z.string().nullable() });

export const billingProfileSchema = z.object({
  object: z.literal('billing.profile'),
  organization_id: z.string(),
  name: z.string().describe("The organization's name in Tollgate (receipts use legal_name when set)."),
  legal_name: z.string().nullable(),
  email: z.string().nullable(),
  address: billingAddress.nullable(),
  tax_id: z.string().nullable(),
});

export const receiptSchema = z.object({
  object: z.literal('billing.receipt'),
  number: z.string().describe('Sequential across the Tollgate: TG-000001, TG-000002, ...'),
  purchase_id: z.string(),
  issuer: z.string(),
  date: unixSeconds,
  description: z.string(),
  amount_usd: usd,
  currency: z.literal('usd'),
  payment_method: z.object({ brand: z.string(), last4: z.string() }),
  organization: billedOrganization,
});

const statementLine = z.object({ date: unixSeconds, kind: z.string(), description: z.string(), amount_usd: usd, receipt_number: z.string().nullable() });
export const statementSchema = z.object({
  object: z.literal('billing.statement'),
  issuer: z.string(),
  period: z.string().describe('The calendar month (UTC), e.g. "2026-05".'),
  period_start: unixSeconds,
  period_end: unixSeconds,
  organization: billedOrganization,
  opening_balance_usd: usd,
  purchases: z.array(statementLine),
  purchases_total_usd: usd,
  credits: z.array(statementLine).describe('Grants, refunds, adjustments and expiries.'),
  credits_total_usd: usd,
  usage: z.array(z.object({ project_id: z.string().nullable(), project_name: z.string().nullable(), model: z.string(), requests: z.number().int(), cost_usd: usd })),
  usage_total_usd: usd,
  closing_balance_usd: usd.describe('opening + purchases + credits - usage, to the picodollar.'),
});

const standingBudget = z.object({
  scope_id: z.string(),
  monthly_limit_usd: usd.nullable().describe('null: no budget at this level.'),
  spent_usd: usd.describe('Spent this month (settled requests).'),
  reserved_usd: usd.describe('Held by requests in flight (their worst case).'),
  remaining_usd: usd.nullable().describe('What a new request may still reserve: limit - spent - reserved, at least 0; null without a limit.'),
});
const standingRate = z.object({ max_requests_per_1_minute: z.number().int().nullable(), max_tokens_per_1_minute: z.number().int().nullable() });

export const keyStandingSchema = z.object({
  object: z.literal('key.standing'),
  key: z.object({ id: z.string(), name: z.string(), kind: z.string(), project_id: z.string().nullable() }),
  organization_id: z.string(),
  period: z.string().describe('The calendar month (UTC) the budgets count, e.g. "2026-05".'),
  period_resets_at: unixSeconds.describe('When the monthly budgets start again from 0 (the balance does not).'),
  billing_mode: z.enum(['prepaid', 'postpaid']),
  credit: z.object({
    balance_usd: usd.describe("The organization's credit balance: the sum of its ledger, settled requests included."),
    reserved_usd: usd.describe('Held by requests in flight.'),
    available_usd: usd.describe('What requests may still reserve (prepaid: balance - reserved, at least 0).'),
  }),
  budgets: z.object({ key: standingBudget, project: standingBudget.nullable().describe('null for a key without a project.'), organization: standingBudget }),
  tier: z.object({ name: z.string() }).extend(standingRate.shape).describe("The organization's usage tier: these limits apply per model."),
  rate_limits: z.object({
    organization: standingRate.describe('Per model, from the tier.'),
    project: z.array(z.object({ model: z.string() }).extend(standingRate.shape)).describe("The project's own limits for some models."),
    key: standingRate.describe("The key's own limits, across every model."),
  }),
});

export const priceSchema = z.object({
  object: z.literal('model.price'),
  model: z.string(),
  currency: z.literal('usd'),
  unit: z.literal('1M tokens'),
  input: usd,
  cached_input: usd,
  cache_write: usd,
  output: usd,
  per_request: usd,
  effective_from: z.string().nullable(),
});

export const priceListSchema = z.object({ object: z.literal('list'), data: z.array(priceSchema) });

export const estimateSchema = z.object({
  object: z.literal('pricing.estimate'),
  days_per_month: z.string(),
  workload: z.object({
    requests_per_day: z.number().int(),
    input_tokens: z.number(),
    cached_input_tokens: z.number(),
    output_tokens: z.number(),
    sample_size: z.number().int().nullable(),
    tokenizer: z.string().nullable(),
  }),
  data: z.array(z.object({ object: z.literal('pricing.estimate.model'), model: z.string(), price: priceSchema, per_request: amountSchema, daily: amountSchema, monthly: amountSchema })),
  skipped_models: z.array(z.string()).describe('Models left out: no output price for a workload with output tokens.'),
});

export const projectRateLimitSchema = z.object({
  object: z.literal('project.rate_limit'),
  id: z.string(),
  model: z.string(),
  max_requests_per_1_minute: z.number().int().nullable().describe('The project\'s own limit, else its tier\'s; null: no limit.'),
  max_tokens_per_1_minute: z.number().int().nullable(),
});
export const projectRateLimitsSchema = listOf(projectRateLimitSchema);

export const keyLimitsSchema = z.object({
  object: z.literal('organization.project.api_key.limits'),
  id: z.string(),
  max_requests_per_1_minute: z.number().int().nullable(),
  max_tokens_per_1_minute: z.number().int().nullable(),
  monthly_budget_usd: usd.nullable(),
  spent_this_month_usd: usd,
  thresholds: z.array(z.number().int()).nullable(),
});

export type ProjectObject = z.output<typeof projectSchema>;
export type ProjectKeyObject = z.output<typeof projectKeySchema>;
export type AdminKeyObject = z.output<typeof adminKeySchema>;
export type ServiceAccountObject = z.output<typeof serviceAccountSchema>;
export type AuditLogObject = z.output<typeof auditLogSchema>;
