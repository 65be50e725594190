import type { Kysely } from 'kysely';
import type { BudgetDefaults } from '../billing/budgets.js';
import type { Clock } from '../common/clock.js';
import type { ServerSecret } from '../secrets/index.js';
import type { Database } from '../store/index.js';
import type { KeyEvents } from './key-events.js';
import type { KeyService } from './keys.js';

/** What the management services share, built once at boot (or by the CLI over a local store). */
export interface ControlDeps {
  db: Kysely<Database>;
  clock: Clock;
  keys: KeyService;
  events: KeyEvents;
  secret: ServerSecret;
  /**
   * What the notice and spend operations need beyond the store: whether webhook URLs may
   * reach private addresses, and how admission drops its cached view of a budget
   * (organization or project id). Absent in tools that serve neither.
   */
  notices?: { allowPrivateWebhooks: boolean; invalidatePolicies(id: string): void; budgetDefaults: BudgetDefaults };
}

/** Drops a key (or every key of a project) from this instance's cache now, then tells the other instances. */
export async function invalidate(deps: ControlDeps, scope: 'key' | 'project', id: string): Promise<void> {
  if (scope === 'key') deps.keys.invalidate(id);
  else deps.keys.invalidateProject(id);
  await deps.events.publish({ scope, id });
}
