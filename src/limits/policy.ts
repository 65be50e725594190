import type { Kysely } from 'kysely';
import type { Clock } from '../common/clock.js';
import type { Picos } from '../common/money.js';
import { effectiveBudget, readAccount, readBudget, readTier, type BudgetDefaults, type TierLimits, type TierTable } from '../billing/index.js';
import type { Database } from '../store/index.js';
import { readProjectRateLimits, type ProjectRateLimit } from './overrides.js';

export interface OrganizationPolicy {
  tier: string;
  /** null = unlimited. */
  rateLimits: TierLimits | null;
  monthlyBudget: Picos | null;
  /** Every credit entry of the ledger (purchases, grants, refunds, ...): the balance cap is usage debited + reserved <= credited. */
  credited: Picos;
}

export interface ProjectPolicy {
  monthlyBudget: Picos | null;
  rateLimits: Map<string, ProjectRateLimit>;
}

export interface PolicyCache {
  organization(id: string): Promise<OrganizationPolicy>;
  project(id: string): Promise<ProjectPolicy>;
  /** Drops what this instance cached (after an admin change); other instances see it within the cache time. */
  invalidate(id: string): void;
}

interface Entry<T> {
  value?: T;
  at: number;
  pending?: Promise<T>;
}

/**
 * Per-instance cache of what admission needs from the store. Stale entries are
 * served while one refresh runs in the background, so the hot path waits on
 * the store only for an organization or project it has never seen.
 */
function cached<T>(ttlMs: number, clock: Clock, load: (id: string) => Promise<T>) {
  const entries = new Map<string, Entry<T>>();
  const fetch = (id: string, entry: Entry<T>): Promise<T> => {
    entry.pending = load(id).then(
      (value) => {
        entries.set(id, { value, at: clock.now() });
        return value;
      },
      (err: unknown) => {
        entry.pending = undefined;
        throw err;
      },
    );
    return entry.pending;
  };
  return {
    async get(id: string): Promise<T> {
      let entry = entries.get(id);
      if (entry?.value !== undefined) {
        if (clock.now() - entry.at >= ttlMs && !entry.pending) fetch(id, entry).catch(() => {});
        return entry.value;
      }
      if (entry?.pending) return entry.pending;
      entry = { at: 0 };
      entries.set(id, entry);
      return fetch(id, entry);
    },
    invalidate: (id: string) => entries.delete(id),
  };
}

export interface PolicyOptions {
  db: Kysely<Database>;
  clock: Clock;
  tiers: TierTable;
  newOrganizationTier: string;
  ttlMs: number;
  budgetDefaults: BudgetDefaults;
}

export function createPolicyCache(options: PolicyOptions): PolicyCache {
  const { db, tiers } = options;
  const organizations = cached(options.ttlMs, options.clock, async (id): Promise<OrganizationPolicy> => {
    const [tier, budget, account] = await Promise.all([readTier(db, id), readBudget(db, 'organization', id), readAccount(db, id)]);
    const name = tier ?? options.newOrganizationTier;
    // An unknown tier name (config changed since it was set) limits like the new-organization tier rather than not at all.
    const own = tiers.limits(name);
    const rateLimits = own !== undefined ? own : (tiers.limits(options.newOrganizationTier) ?? null);
    return { tier: name, rateLimits, monthlyBudget: effectiveBudget(budget, 'organization', options.budgetDefaults).monthlyLimit, credited: account.credited };
  });
  const projects = cached(options.ttlMs, options.clock, async (id): Promise<ProjectPolicy> => {
    const [budget, limits] = await Promise.all([readBudget(db, 'project', id), readProjectRateLimits(db, id)]);
    return { monthlyBudget: effectiveBudget(budget, 'project', options.budgetDefaults).monthlyLimit, rateLimits: new Map(limits.map((l) => [l.model, l])) };
  });
  return {
    organization: organizations.get,
    project: projects.get,
    invalidate(id) {
      organizations.invalidate(id);
      projects.invalidate(id);
    },
  };
}
