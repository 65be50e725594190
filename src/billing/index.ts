export { grantCredits, debitUsage, readAccount, type CreditAccount } from './ledger.js';
export { createTierTable, readTier, setTier, DEFAULT_TIERS, UNLIMITED_TIER, type TierLimits, type TierTable } from './tiers.js';
export { budgetDefaults, effectiveBudget, type BudgetDefaults, monthOf, readBudget, writeBudget, readSpent, addSpent, recordCrossings, type Budget, type BudgetScope, type ThresholdCrossing } from './budgets.js';
export { onboardOrganization, type OnboardingOptions } from './onboarding.js';
export { usdText, usdInput, thresholdsInput, callerOf, ownProject, ownKey } from './admin-common.js';
export { billingAdminRoutes, type BillingAdminDeps } from './admin-routes.js';
