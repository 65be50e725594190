export { grantCredits, postEntry, readAccount, listEntries, verifyLedger, LedgerConflictError, type CreditAccount, type LedgerEntry, type EntryKind, type EntryInput, type LedgerCheck } from './ledger.js';
export { createBillingAuthority, type BillingAuthority, type BillingPower } from './authority.js';
export { createTierTable, readTier, setTier, DEFAULT_TIERS, UNLIMITED_TIER, type TierLimits, type TierTable } from './tiers.js';
export { budgetDefaults, effectiveBudget, type BudgetDefaults, monthOf, readBudget, writeBudget, readSpent, addSpent, recordCrossings, type Budget, type BudgetScope, type ThresholdCrossing } from './budgets.js';
export { onboardOrganization, type OnboardingOptions } from './onboarding.js';
export { usdText, usdInput, thresholdsInput, callerOf, ownProject, ownKey } from './admin-common.js';
export { billingAdminRoutes, type BillingAdminDeps } from './admin-routes.js';
