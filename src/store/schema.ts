import type { ColumnType } from 'kysely';

/**
 * Row types of the store. Every integer column is BIGINT on both dialects and
 * is read back as a bigint (SQLite in safe-integer mode, pg with an int8
 * parser), so money never passes through a float; repositories convert
 * timestamps and counts to numbers at their boundary.
 */
export type Int = ColumnType<bigint, number | bigint, number | bigint>;
export type NullableInt = ColumnType<bigint | null, number | bigint | null, number | bigint | null>;

export interface MetaTable {
  key: string;
  value: string;
}

export interface OrganizationsTable {
  id: string;
  name: string;
  status: string;
  created_at: Int;
}

export interface ProjectsTable {
  id: string;
  organization_id: string;
  name: string;
  status: string;
  created_at: Int;
  archived_at: NullableInt;
  updated_at: NullableInt;
  /** JSON {"mode":"allow_list"|"deny_list","model_ids":[...]}; null = every model (migration 045). */
  model_permissions?: string | null;
}

export interface ApiKeysTable {
  id: string;
  /** project | service_account | admin */
  kind: string;
  organization_id: string;
  project_id: string | null;
  name: string;
  /** HMAC-SHA-256 of the whole secret with the server secret, hex. */
  hash: string;
  /** `sk-proj-...abcd`: all that is ever shown again. */
  redacted: string;
  /** active | revoked */
  status: string;
  /** JSON: {"mode":"all"} | {"mode":"read_only"} | {"mode":"restricted", ...}. */
  permissions: string;
  created_by: string | null;
  created_at: Int;
  expires_at: NullableInt;
  last_used_at: NullableInt;
  /** JSON array of CIDR ranges the key may be used from; null = anywhere. */
  allowed_ips: string | null;
  rpm_limit: NullableInt;
  tpm_limit: NullableInt;
  monthly_budget_picos: NullableInt;
  service_account_id: string | null;
  updated_at: NullableInt;
  revoked_at: NullableInt;
  /** manual | leak_report | rotation_grace_ended */
  revoked_reason: string | null;
  rotated_from_id: string | null;
  rotated_to_id: string | null;
  /** JSON {"mode":"allow_list"|"deny_list","model_ids":[...]}; null = every model the project allows (migration 045). */
  model_permissions?: string | null;
  /** End of a rotation grace period: the key stops working then. */
  revoke_at: NullableInt;
  rotation_notified_at: NullableInt;
  /** 1: an admin key with the operator's authority. */
  operator?: Int;
}

export interface ServiceAccountsTable {
  id: string;
  organization_id: string;
  project_id: string;
  name: string;
  role: string;
  created_by: string | null;
  created_at: Int;
  deleted_at: NullableInt;
}

export interface AuditLogsTable {
  id: string;
  organization_id: string;
  project_id: string | null;
  type: string;
  effective_at: Int;
  actor_type: string;
  actor_id: string | null;
  actor_ip: string | null;
  actor_user_agent: string | null;
  resource_id: string | null;
  /** JSON of what changed; never a secret. */
  details: string;
}

export interface NotificationEventsTable {
  id: string;
  organization_id: string;
  project_id: string | null;
  type: string;
  resource_id: string | null;
  dedupe_key: string | null;
  payload: string;
  created_at: Int;
  /** When the sender queued its deliveries (one per recipient); null: still to be handed to its channels. */
  delivered_at: NullableInt;
  /** When someone of the organization marked it read. */
  read_at: NullableInt;
}

/** One notice to one recipient: the outbox row the sender claims, sends and retries. */
export interface NotificationDeliveriesTable {
  id: string;
  event_id: string;
  organization_id: string;
  /** email | webhook */
  channel: string;
  /** An email address, or a webhook endpoint id. */
  target: string;
  /** pending | sent | failed */
  status: string;
  attempts: Int;
  next_attempt_at: Int;
  lease_until: NullableInt;
  last_error: string | null;
  created_at: Int;
  sent_at: NullableInt;
}

export interface WebhookEndpointsTable {
  id: string;
  organization_id: string;
  url: string;
  description: string | null;
  sealed_secret: string;
  /** enabled | disabled */
  status: string;
  consecutive_failures: Int;
  disabled_reason: string | null;
  created_by: string | null;
  created_at: Int;
  updated_at: Int;
}

export interface NotificationPreferencesTable {
  organization_id: string;
  type: string;
  email: Int;
  webhook: Int;
  updated_at: Int;
}

export interface SpendAlertsTable {
  id: string;
  organization_id: string;
  /** organization | project */
  scope: string;
  scope_id: string;
  threshold_picos: Int;
  /** JSON array of email addresses. */
  recipients: string;
  subject_prefix: string | null;
  created_at: Int;
  updated_at: Int;
}

export interface ProviderCredentialsTable {
  /** The provider id of config (`providers.<id>`). */
  provider_id: string;
  /** AES-256-GCM sealed upstream key (`v1.<iv>.<tag>.<ciphertext>`). */
  sealed_api_key: string;
  updated_at: Int;
  /** Admin key id or `cli`. */
  updated_by: string | null;
}

export interface UsageEventsTable {
  id: string;
  request_id: string;
  organization_id: string;
  project_id: string | null;
  api_key_id: string | null;
  /** chat.completions | completions | embeddings | responses */
  endpoint: string;
  /** Public model name the client asked for (after alias resolution). */
  model: string;
  provider: string | null;
  deployment_model: string | null;
  prompt_tokens: Int;
  cached_tokens: Int;
  cache_write_tokens: Int;
  completion_tokens: Int;
  reasoning_tokens: Int;
  cost_picos: Int;
  /** 1 when tokens were counted by Tollgate because the upstream reported none. */
  usage_estimated: Int;
  latency_ms: Int;
  ttft_ms: NullableInt;
  /** ok | error | aborted */
  status: string;
  http_status: Int;
  error_code: string | null;
  created_at: Int;
  /** Set (epoch ms) when the hourly rollup folded this event in; null until then. */
  rolled_up_at?: NullableInt;
  /** The request's `user` (migration 046). */
  end_user?: string | null;
  /** The request's `metadata`, a JSON object of strings (migration 046). */
  metadata?: string | null;
}

/** Sums of usage_events per (organization, hour, project, key, model, endpoint); '' = none. */
export interface UsageRollupsHourlyTable {
  hour_start: Int;
  organization_id: string;
  project_id: string;
  api_key_id: string;
  model: string;
  endpoint: string;
  events: Int;
  failed_events: Int;
  prompt_tokens: Int;
  cached_tokens: Int;
  cache_write_tokens: Int;
  completion_tokens: Int;
  reasoning_tokens: Int;
  cost_picos: Int;
}

/** The same sums per UTC day (`day_start`), folded in with the hourly ones. */
export interface UsageRollupsDailyTable {
  day_start: Int;
  organization_id: string;
  project_id: string;
  api_key_id: string;
  model: string;
  endpoint: string;
  events: Int;
  failed_events: Int;
  prompt_tokens: Int;
  cached_tokens: Int;
  cache_write_tokens: Int;
  completion_tokens: Int;
  reasoning_tokens: Int;
  cost_picos: Int;
}

export interface OrganizationTiersTable {
  organization_id: string;
  tier: string;
  updated_at: Int;
  /** operator | purchases | null (onboarding) */
  set_by?: string | null;
}

export interface ProjectRateLimitsTable {
  project_id: string;
  model: string;
  max_requests_per_1_minute: NullableInt;
  max_tokens_per_1_minute: NullableInt;
  updated_at: Int;
}

/** Running totals of an organization's ledger entries (migration 030), changed with each entry. */
export interface CreditAccountsTable {
  organization_id: string;
  /** Sum of every entry but usage debits (purchases, grants, refunds, adjustments, expiries). */
  granted_picos: Int;
  /** Usage debits, positive. Balance = granted_picos - debited_picos. */
  debited_picos: Int;
  /** Purchases less refunds. */
  paid_picos: Int;
  first_paid_at: NullableInt;
  /** Number of entries: the last entry's seq. */
  entries: Int;
  updated_at: Int;
}

/** Append-only (the database refuses UPDATE and DELETE). */
export interface LedgerEntriesTable {
  id: string;
  organization_id: string;
  /** purchase | grant | usage | refund | adjustment | expiry */
  kind: string;
  /** Signed picodollars: money in positive, usage debits negative. */
  amount_picos: Int;
  description: string;
  event_count: Int;
  created_at: Int;
  /** Unique per organization. */
  idempotency_key: string;
  /** 1, 2, 3, ... per organization, in the order entries were posted. */
  seq: Int;
  balance_after_picos: Int;
  /** When the movement counts (a usage debit: its latest event's time). */
  effective_at: Int;
  reference_id: string | null;
  actor: string | null;
}

export interface SpendBudgetsTable {
  /** organization | project | key */
  scope: string;
  scope_id: string;
  monthly_limit_picos: NullableInt;
  /** JSON array of percentages. */
  thresholds: string;
  updated_at: Int;
}

export interface SpendCountersTable {
  scope: string;
  scope_id: string;
  /** Calendar month UTC, YYYY-MM. */
  period: string;
  spent_picos: Int;
}

export interface UsersTable {
  id: string;
  email: string;
  name: string | null;
  password_hash: string | null;
  email_verified_at: NullableInt;
  phone_number: string | null;
  phone_verified_at: NullableInt;
  /** 1: a platform operator. */
  operator: Int;
  /** active | disabled */
  status: string;
  created_at: Int;
  updated_at: Int;
}

export interface SessionsTable {
  id: string;
  token_hash: string;
  user_id: string;
  method: string;
  created_at: Int;
  last_seen_at: Int;
  expires_at: Int;
  ip: string | null;
  user_agent: string | null;
  revoked_at: NullableInt;
  revoked_reason: string | null;
}

export interface UserTokensTable {
  token_hash: string;
  purpose: string;
  user_id: string | null;
  email: string | null;
  created_at: Int;
  expires_at: Int;
  used_at: NullableInt;
}

export interface PhoneCodesTable {
  user_id: string;
  phone_number: string;
  code_hash: string;
  attempts: Int;
  created_at: Int;
  expires_at: Int;
}

export interface AuthAttemptsTable {
  key: string;
  window_start: Int;
  count: Int;
}

export interface OrganizationMembersTable {
  organization_id: string;
  user_id: string;
  /** owner | reader */
  role: string;
  created_at: Int;
}

export interface ProjectMembersTable {
  project_id: string;
  organization_id: string;
  user_id: string;
  /** owner | member */
  role: string;
  created_at: Int;
}

export interface InvitesTable {
  id: string;
  organization_id: string;
  email: string;
  role: string;
  projects: string;
  token_hash: string;
  status: string;
  invited_by: string | null;
  created_at: Int;
  expires_at: Int;
  accepted_at: NullableInt;
  accepted_by: string | null;
  revoked_at: NullableInt;
}

export interface TotpFactorsTable {
  user_id: string;
  secret_sealed: string;
  /** pending | active */
  status: string;
  last_used_step: NullableInt;
  created_at: Int;
  enabled_at: NullableInt;
}

export interface RecoveryCodesTable {
  user_id: string;
  code_hash: string;
  created_at: Int;
  used_at: NullableInt;
}

export interface SsoIdentitiesTable {
  id: string;
  user_id: string;
  provider: string;
  issuer: string;
  subject: string;
  email: string;
  created_at: Int;
  last_used_at: Int;
}

export interface BillingCustomersTable {
  organization_id: string;
  /** test | stripe */
  provider: string;
  customer_ref: string;
  created_at: Int;
}

/** A saved card: the provider's token, brand, last 4 and expiry; never a card number. */
export interface PaymentMethodsTable {
  id: string;
  organization_id: string;
  provider: string;
  token: string;
  brand: string;
  last4: string;
  exp_month: Int;
  exp_year: Int;
  created_by: string | null;
  created_at: Int;
  removed_at: NullableInt;
}

export interface PurchasesTable {
  id: string;
  organization_id: string;
  /** manual | auto_recharge */
  source: string;
  amount_picos: Int;
  payment_method_id: string;
  provider: string;
  /** pending | requires_action | succeeded | failed */
  status: string;
  idempotency_key: string | null;
  charge_ref: string | null;
  client_secret: string | null;
  attempts: Int;
  next_attempt_at: Int;
  lease_until: NullableInt;
  failure_code: string | null;
  failure_message: string | null;
  receipt_number: string | null;
  ledger_entry_id: string | null;
  created_by: string | null;
  created_at: Int;
  updated_at: Int;
  completed_at: NullableInt;
}

export interface AutoRechargeTable {
  organization_id: string;
  enabled: Int;
  threshold_picos: Int;
  target_picos: Int;
  payment_method_id: string;
  /** 1 until a crossing below the threshold creates its recharge, and again once that one succeeded. */
  armed: Int;
  consecutive_failures: Int;
  disabled_reason: string | null;
  last_purchase_id: string | null;
  updated_by: string | null;
  updated_at: Int;
}

export interface BillingProfilesTable {
  organization_id: string;
  legal_name: string | null;
  email: string | null;
  /** JSON: line1, line2, city, postal_code, state, country. */
  address: string | null;
  tax_id: string | null;
  updated_at: Int;
}

export interface BillingSequencesTable {
  name: string;
  value: Int;
}

export interface StripeWebhookEventsTable {
  id: string;
  type: string;
  received_at: Int;
}

/** The embedded test provider's record of charges by idempotency key (its "network side"). */
export interface TestPaymentChargesTable {
  idempotency_key: string;
  token: string;
  amount_cents: Int;
  outcome: string;
  charge_ref: string;
  created_at: Int;
}

export interface Database {
  meta: MetaTable;
  organizations: OrganizationsTable;
  projects: ProjectsTable;
  api_keys: ApiKeysTable;
  service_accounts: ServiceAccountsTable;
  audit_logs: AuditLogsTable;
  notification_events: NotificationEventsTable;
  notification_deliveries: NotificationDeliveriesTable;
  webhook_endpoints: WebhookEndpointsTable;
  notification_preferences: NotificationPreferencesTable;
  spend_alerts: SpendAlertsTable;
  provider_credentials: ProviderCredentialsTable;
  usage_events: UsageEventsTable;
  usage_rollups_hourly: UsageRollupsHourlyTable;
  usage_rollups_daily: UsageRollupsDailyTable;
  organization_tiers: OrganizationTiersTable;
  project_rate_limits: ProjectRateLimitsTable;
  credit_accounts: CreditAccountsTable;
  ledger_entries: LedgerEntriesTable;
  spend_budgets: SpendBudgetsTable;
  spend_counters: SpendCountersTable;
  users: UsersTable;
  sessions: SessionsTable;
  user_tokens: UserTokensTable;
  phone_codes: PhoneCodesTable;
  auth_attempts: AuthAttemptsTable;
  organization_members: OrganizationMembersTable;
  project_members: ProjectMembersTable;
  invites: InvitesTable;
  totp_factors: TotpFactorsTable;
  recovery_codes: RecoveryCodesTable;
  sso_identities: SsoIdentitiesTable;
  billing_customers: BillingCustomersTable;
  payment_methods: PaymentMethodsTable;
  purchases: PurchasesTable;
  billing_profiles: BillingProfilesTable;
  billing_sequences: BillingSequencesTable;
  stripe_webhook_events: StripeWebhookEventsTable;
  test_payment_charges: TestPaymentChargesTable;
  auto_recharge: AutoRechargeTable;
}
