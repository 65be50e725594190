import type { RouteDoc } from '../admin/openapi.js';
import { adjustmentBody, budgetBody, grantBody, ledgerQuery, tierBody } from './admin-routes.js';

/** How the billing routes appear in /openapi.json (keyed by the route as registered). */
export const BILLING_ROUTE_DOCS: Record<string, RouteDoc> = {
  'GET /v1/organization/credits': { id: 'retrieveCredits', summary: "The organization's credit balance: credited, paid, used and the balance, exact decimal USD." },
  'POST /v1/organization/credits/grants': {
    id: 'grantCredits',
    summary: 'Operator only: grants credits to an organization (an `Idempotency-Key` header makes a retry safe).',
    body: grantBody,
  },
  'POST /v1/organization/credits/adjustments': {
    id: 'adjustCredits',
    summary: "Operator only: a signed correction of an organization's balance, with its reason.",
    body: adjustmentBody,
  },
  'GET /v1/organization/credits/ledger': {
    id: 'listLedgerEntries',
    summary: 'The credit ledger, newest first: every purchase, grant, usage debit, refund, adjustment and expiry with the balance after it.',
    query: ledgerQuery,
  },
  'GET /v1/organization/limits/tier': { id: 'retrieveTier', summary: "The organization's usage tier, its limits and the tiers available." },
  'POST /v1/organization/limits/tier': { id: 'setTier', summary: "Operator only: overrides an organization's usage tier.", body: tierBody },
  'GET /v1/organization/budget': { id: 'retrieveOrganizationBudget', summary: "The organization's monthly budget, thresholds and spend this month." },
  'POST /v1/organization/budget': { id: 'setOrganizationBudget', summary: "Sets the organization's monthly budget and notification thresholds.", body: budgetBody },
  'GET /v1/organization/projects/:projectId/budget': { id: 'retrieveProjectBudget', summary: "A project's monthly budget, thresholds and spend this month." },
  'POST /v1/organization/projects/:projectId/budget': { id: 'setProjectBudget', summary: "Sets a project's monthly budget and notification thresholds.", body: budgetBody },
};
