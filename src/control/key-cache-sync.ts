import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../common/clock.js';
import type { Database } from '../store/index.js';
import type { KeyEvents } from './key-events.js';
import type { KeyService } from './keys.js';

/** How far back each re-validation looks, beyond the last one: covers clock skew between instances. */
const OVERLAP_MS = 5_000;

/**
 * Keeps this instance's key cache true to the store: invalidations from other
 * instances arrive through `events`; as a fallback (no Redis, or a lost
 * message) the store is asked every `intervalMs` which keys and projects
 * changed since the last look, and those entries are dropped.
 */
export function startKeyCacheSync(deps: { db: Kysely<Database>; keys: KeyService; events: KeyEvents; clock: Clock; intervalMs: number; logger: Logger }): { stop(): void } {
  const { db, keys, events, clock } = deps;
  events.subscribe((event) => (event.scope === 'key' ? keys.invalidate(event.id) : keys.invalidateProject(event.id)));

  let since = clock.now();
  let running = false;
  async function revalidate(): Promise<void> {
    if (running) return;
    running = true;
    const from = since - OVERLAP_MS;
    const startedAt = clock.now();
    try {
      const changedKeys = await db.selectFrom('api_keys').select('id').where('updated_at', '>', BigInt(from)).execute();
      const changedProjects = await db.selectFrom('projects').select('id').where('updated_at', '>', BigInt(from)).execute();
      for (const { id } of changedKeys) keys.invalidate(id);
      for (const { id } of changedProjects) keys.invalidateProject(id);
      since = startedAt;
    } catch (err) {
      deps.logger.warn({ err: { message: (err as Error).message } }, 'key cache re-validation failed');
    } finally {
      running = false;
    }
  }
  const timer = setInterval(() => void revalidate(), deps.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
