import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';

/** Requests and tokens per minute of a usage tier; null = the `unlimited` tier. */
export interface TierLimits {
  rpm: number;
  tpm: number;
}

export const UNLIMITED_TIER = 'unlimited';

/** OpenAI's published usage tiers (per model; Tollgate applies them per organization and model). */
export const DEFAULT_TIERS: Record<string, TierLimits> = {
  free: { rpm: 3, tpm: 40_000 },
  'tier-1': { rpm: 500, tpm: 200_000 },
  'tier-2': { rpm: 5_000, tpm: 2_000_000 },
  'tier-3': { rpm: 5_000, tpm: 4_000_000 },
  'tier-4': { rpm: 10_000, tpm: 10_000_000 },
  'tier-5': { rpm: 10_000, tpm: 30_000_000 },
};

export interface TierTable {
  names(): string[];
  /** Limits of a tier; null for `unlimited`; undefined for an unknown name. */
  limits(tier: string): TierLimits | null | undefined;
}

export function createTierTable(configured: Record<string, TierLimits>): TierTable {
  const tiers = { ...DEFAULT_TIERS, ...configured };
  return {
    names: () => [...Object.keys(tiers), UNLIMITED_TIER],
    limits: (tier) => (tier === UNLIMITED_TIER ? null : tiers[tier]),
  };
}

export async function readTier(db: Kysely<Database>, organizationId: string): Promise<string | null> {
  const row = await db.selectFrom('organization_tiers').select('tier').where('organization_id', '=', organizationId).executeTakeFirst();
  return row?.tier ?? null;
}

export async function setTier(db: Kysely<Database>, organizationId: string, tier: string, now: number): Promise<void> {
  await db
    .insertInto('organization_tiers')
    .values({ organization_id: organizationId, tier, updated_at: now })
    .onConflict((oc) => oc.column('organization_id').doUpdateSet({ tier, updated_at: now }))
    .execute();
}
