import type { Kysely } from 'kysely';
import type { Picos } from '../common/money.js';
import type { Database } from '../store/index.js';
import { grantCredits } from './ledger.js';
import { setTier } from './tiers.js';

export interface OnboardingOptions {
  tier: string;
  /** Trial credits (0 = none). */
  trialGrant: Picos;
  now: number;
}

/** What a new organization starts with: its usage tier and the trial grant, so its first call works without a payment. */
export async function onboardOrganization(db: Kysely<Database>, organizationId: string, options: OnboardingOptions): Promise<void> {
  await setTier(db, organizationId, options.tier, options.now);
  if (options.trialGrant > 0n) await grantCredits(db, { organizationId, amount: options.trialGrant, description: 'trial credit grant', idempotencyKey: 'trial', actor: 'system', now: options.now });
}
