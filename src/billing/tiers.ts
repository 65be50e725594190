import type { Kysely } from 'kysely';
import { formatUsd, parseUsd, type Picos } from '../common/money.js';
import { recordNotification } from '../control/notifications.js';
import type { Database } from '../store/index.js';
import { readAccount } from './ledger.js';

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

export async function setTier(db: Kysely<Database>, organizationId: string, tier: string, now: number, setBy: 'operator' | 'purchases' | null = null): Promise<void> {
  await db
    .insertInto('organization_tiers')
    .values({ organization_id: organizationId, tier, updated_at: now, set_by: setBy })
    .onConflict((oc) => oc.column('organization_id').doUpdateSet({ tier, updated_at: now, set_by: setBy }))
    .execute();
}

/** A rung of the ladder tiers climb with paid purchases (grants don't count). */
export interface TierRule {
  tier: string;
  paid: Picos;
  /** Days since the first successful payment before the tier is reached (0: at once). */
  minDays: number;
}

/** OpenAI's published table: paid to date. OpenAI also asks 7/7/14/30 days since the first payment for tiers 2-5; set `min_days` to follow it. */
export const DEFAULT_TIER_RULES = [
  { tier: 'free', paid_usd: '0', min_days: 0 },
  { tier: 'tier-1', paid_usd: '5', min_days: 0 },
  { tier: 'tier-2', paid_usd: '50', min_days: 0 },
  { tier: 'tier-3', paid_usd: '100', min_days: 0 },
  { tier: 'tier-4', paid_usd: '250', min_days: 0 },
  { tier: 'tier-5', paid_usd: '1000', min_days: 0 },
];

export function tierRules(config: { tier: string; paid_usd: string; min_days: number }[]): TierRule[] {
  return config.map((r) => ({ tier: r.tier, paid: parseUsd(r.paid_usd), minDays: r.min_days }));
}

const DAY_MS = 86_400_000;

/** The highest rung an organization's payments reach now; -1 when none. */
export function qualifyingRung(rules: TierRule[], paid: Picos, firstPaidAt: number | null, now: number): number {
  let best = -1;
  rules.forEach((rule, i) => {
    const daysOk = rule.minDays === 0 || (firstPaidAt !== null && now - firstPaidAt >= rule.minDays * DAY_MS);
    if (paid >= rule.paid && daysOk) best = i;
  });
  return best;
}

/** What the next rung needs, for the API: null at the top or off the ladder. */
export function nextRung(rules: TierRule[], current: string, paid: Picos, firstPaidAt: number | null, now: number): { tier: string; paidNeeded: Picos; availableAt: number | null } | null {
  const at = rules.findIndex((r) => r.tier === current);
  if (at < 0 || at === rules.length - 1) return null;
  const next = rules[at + 1]!;
  const availableAt = next.minDays === 0 ? null : firstPaidAt === null ? null : Math.max(now, firstPaidAt + next.minDays * DAY_MS);
  return { tier: next.tier, paidNeeded: next.paid > paid ? next.paid - paid : 0n, availableAt };
}

/**
 * Raises the tier to the highest rung the payments reach, never lowers it. A tier
 * off the ladder (`unlimited`, a custom one an operator set) is left alone.
 * Returns the change, or null.
 */
export async function promoteForPayments(
  db: Kysely<Database>,
  organizationId: string,
  rules: TierRule[],
  fallbackTier: string,
  paid: Picos,
  firstPaidAt: number | null,
  now: number,
): Promise<{ from: string; to: string } | null> {
  const current = (await readTier(db, organizationId)) ?? fallbackTier;
  const at = rules.findIndex((r) => r.tier === current);
  if (at < 0) return null;
  const reach = qualifyingRung(rules, paid, firstPaidAt, now);
  if (reach <= at) return null;
  const to = rules[reach]!.tier;
  await setTier(db, organizationId, to, now, 'purchases');
  return { from: current, to };
}

export interface LadderDeps {
  db: Kysely<Database>;
  tierRules: TierRule[];
  /** Tier of an organization that has none recorded. */
  fallbackTier: string;
}

/**
 * Promotes an organization as far as its payments reach now and records
 * `usage_tier.upgraded` (once per tier), inside the caller's transaction.
 */
export async function promoteAndAnnounce(db: Kysely<Database>, deps: LadderDeps, organizationId: string, now: number): Promise<{ from: string; to: string } | null> {
  const account = await readAccount(db, organizationId);
  const promoted = await promoteForPayments(db, organizationId, deps.tierRules, deps.fallbackTier, account.paid, account.firstPaidAt, now);
  if (promoted) {
    await recordNotification(db, { now: () => now }, {
      organizationId,
      projectId: null,
      type: 'usage_tier.upgraded',
      resourceId: organizationId,
      dedupeKey: `usage_tier.upgraded:${organizationId}:${promoted.to}`,
      payload: { from: promoted.from, to: promoted.to, paid_usd: formatUsd(account.paid, 2) },
    });
  }
  return promoted;
}

/**
 * Rungs that ask for days since the first payment are reached by time, not
 * by a purchase: this finds the organizations whose payments are enough for
 * such a rung and whose first payment is old enough, and promotes them.
 * Returns the organizations promoted.
 */
export async function promoteWaiting(deps: LadderDeps, now: number): Promise<string[]> {
  const delayed = deps.tierRules.filter((r) => r.minDays > 0);
  if (delayed.length === 0) return [];
  const soonest = Math.min(...delayed.map((r) => r.minDays));
  const cheapest = delayed.reduce((min, r) => (r.paid < min ? r.paid : min), delayed[0]!.paid);
  const candidates = await deps.db
    .selectFrom('credit_accounts')
    .select('organization_id')
    .where('first_paid_at', '<=', BigInt(now - soonest * DAY_MS))
    .where('paid_picos', '>=', cheapest)
    .execute();
  const promoted: string[] = [];
  for (const { organization_id: id } of candidates) {
    const change = await deps.db.transaction().execute((trx) => promoteAndAnnounce(trx, deps, id, now));
    if (change) promoted.push(id);
  }
  return promoted;
}
