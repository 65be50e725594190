import type { RouteDoc } from '../admin/openapi.js';
import { formatQuery } from './document-routes.js';
import { profileBody } from './profile.js';
import { autoRechargeSchema, billingProfileSchema, receiptSchema, statementSchema, budgetSchema, cardSetupSchema, creditBalanceSchema, creditEntrySchema, deletedObjectSchema, ledgerEntrySchema, listOf, paymentMethodSchema, purchaseSchema, usageTierSchema } from '../admin/response-schemas.js';
import { adjustmentBody, budgetBody, grantBody, ledgerQuery, tierBody } from './admin-routes.js';
import { autoRechargeBody, cardBody, pageQuery, purchaseBody } from './payment-routes.js';

/** How the billing routes appear in /openapi.json (keyed by the route as registered). */
export const BILLING_ROUTE_DOCS: Record<string, RouteDoc> = {
  'GET /v1/organization/credits': { id: 'retrieveCredits', summary: "The organization's credit balance: granted, paid, used and the balance, exact decimal USD.", response: creditBalanceSchema },
  'POST /v1/organization/credits/grants': {
    id: 'grantCredits',
    summary: 'Operator only: grants credits to an organization (an `Idempotency-Key` header makes a retry safe).',
    body: grantBody,
    response: creditEntrySchema,
  },
  'POST /v1/organization/credits/adjustments': {
    id: 'adjustCredits',
    summary: "Operator only: a signed correction of an organization's balance, with its reason.",
    body: adjustmentBody,
    response: creditEntrySchema,
  },
  'GET /v1/organization/credits/ledger': {
    id: 'listLedgerEntries',
    summary: 'The credit ledger, newest first: every purchase, grant, usage debit, refund, adjustment and expiry with the balance after it.',
    query: ledgerQuery,
    response: listOf(ledgerEntrySchema),
  },
  'GET /v1/organization/limits/tier': { id: 'retrieveTier', summary: "The organization's usage tier, its limits and the tiers available.", response: usageTierSchema },
  'POST /v1/organization/limits/tier': { id: 'setTier', summary: "Operator only: overrides an organization's usage tier.", body: tierBody, response: usageTierSchema },
  'GET /v1/organization/budget': { id: 'retrieveOrganizationBudget', summary: "The organization's monthly budget, thresholds and spend this month.", response: budgetSchema },
  'POST /v1/organization/budget': { id: 'setOrganizationBudget', summary: "Sets the organization's monthly budget and notification thresholds.", body: budgetBody, response: budgetSchema },
  'GET /v1/organization/projects/:projectId/budget': { id: 'retrieveProjectBudget', summary: "A project's monthly budget, thresholds and spend this month.", response: budgetSchema },
  'POST /v1/organization/projects/:projectId/budget': { id: 'setProjectBudget', summary: "Sets a project's monthly budget and notification thresholds.", body: budgetBody, response: budgetSchema },
  'GET /v1/organization/billing/payment_methods': { id: 'listPaymentMethods', summary: 'Saved cards: brand, last 4 and expiry (nothing more is kept).', response: listOf(paymentMethodSchema) },
  'POST /v1/organization/billing/payment_methods': {
    id: 'addPaymentMethod',
    summary: 'Owner or operator: saves a card. Test provider: `card` details; Stripe: the `setup_intent` confirmed with Stripe.js.',
    body: cardBody,
    response: paymentMethodSchema,
  },
  'POST /v1/organization/billing/payment_methods/setup': { id: 'startCardSetup', summary: 'Owner or operator, Stripe: creates a SetupIntent for Stripe.js (client_secret, publishable_key).', response: cardSetupSchema },
  'DELETE /v1/organization/billing/payment_methods/:payment_method_id': { id: 'removePaymentMethod', summary: 'Owner or operator: removes a card (not the one auto-recharge uses).', response: deletedObjectSchema },
  'GET /v1/organization/billing/purchases': { id: 'listPurchases', summary: 'Credit purchases, newest first, manual and auto-recharge, with status and receipt number.', query: pageQuery, response: listOf(purchaseSchema) },
  'POST /v1/organization/billing/purchases': {
    id: 'buyCredit',
    summary: 'Owner or operator: buys credit with a saved card. The same `Idempotency-Key` never charges twice; a declined charge (402) adds no credit.',
    body: purchaseBody,
    response: purchaseSchema,
  },
  'GET /v1/organization/billing/purchases/:purchase_id': { id: 'retrievePurchase', summary: 'One credit purchase.', response: purchaseSchema },
  'GET /v1/organization/billing/profile': { id: 'retrieveBillingProfile', summary: 'The billing details receipts and statements show: legal name, email, address, tax id.', response: billingProfileSchema },
  'POST /v1/organization/billing/profile': { id: 'setBillingProfile', summary: 'Owner or operator: changes the billing details (the fields given; null clears one).', body: profileBody, response: billingProfileSchema },
  'GET /v1/organization/billing/purchases/:purchase_id/receipt': {
    id: 'retrieveReceipt',
    summary: 'The receipt of a successful purchase: number, date, amount, card brand and last 4, billing details. `format`: json, csv or pdf.',
    query: formatQuery,
    response: receiptSchema,
    documents: true,
  },
  'GET /v1/organization/billing/statements/:period': {
    id: 'retrieveStatement',
    summary: 'The statement of a month (`YYYY-MM`, UTC): opening balance, purchases, grants and adjustments, usage by project and model, closing balance. `format`: json, csv or pdf.',
    query: formatQuery,
    response: statementSchema,
    documents: true,
  },
  'GET /v1/organization/billing/auto_recharge': { id: 'retrieveAutoRecharge', summary: 'Auto-recharge: threshold, target, card, failures and why it was turned off.', response: autoRechargeSchema },
  'POST /v1/organization/billing/auto_recharge': {
    id: 'setAutoRecharge',
    summary: 'Owner or operator: "when the credit balance goes below threshold_usd, bring it back up to target_usd".',
    body: autoRechargeBody,
    response: autoRechargeSchema,
  },
};

/** Routes that take no key, documented beside /v1/leaks. */
export const BILLING_PUBLIC_PATHS = {
  '/v1/billing/stripe/webhook': {
    post: {
      operationId: 'stripeWebhook',
      summary: "Stripe's webhook deliveries (payment_intent.succeeded, payment_intent.payment_failed, setup_intent.succeeded), verified by their Stripe-Signature; replays are refused and each event is handled once.",
      tags: ['Tollgate admin API extensions'],
      security: [],
      responses: { 200: { description: '`{"received": true}`' }, 400: { description: 'Missing or wrong signature, or a timestamp outside the tolerance.' }, 404: { description: 'Stripe is not the payment provider.' } },
    },
  },
};
