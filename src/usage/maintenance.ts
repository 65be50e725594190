import type { Logger } from 'pino';
import type { Clock } from '../common/clock.js';
import type { Store } from '../store/index.js';
import { foldUsageEvents, pruneUsageEvents } from './rollup.js';

export interface UsageMaintenanceOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** Raw events older than this are deleted once folded; 0 keeps them forever. */
  retentionDays: number;
  /** How often new events are folded into the hourly rollups. */
  intervalMs: number;
}

export interface UsageMaintenance {
  /** One fold (and, at most hourly, a prune) now; what the timer runs. */
  runOnce(): Promise<{ folded: number; pruned: number }>;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

const DAY_MS = 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;
/** Bounds one tick's work so a large backlog is folded over several ticks, not in one long burst. */
const MAX_BATCHES_PER_RUN = 50;

/** The periodic fold + prune of usage events; safe to run in every instance. */
export function startUsageMaintenance(options: UsageMaintenanceOptions): UsageMaintenance {
  const { store, clock, logger } = options;
  let lastPrune = Number.NEGATIVE_INFINITY;
  let running: Promise<{ folded: number; pruned: number }> | null = null;
  let stopped = false;

  async function work(): Promise<{ folded: number; pruned: number }> {
    const now = clock.now();
    const folded = await foldUsageEvents(store, now, { maxBatches: MAX_BATCHES_PER_RUN });
    let pruned = 0;
    if (options.retentionDays > 0 && now - lastPrune >= PRUNE_EVERY_MS) {
      lastPrune = now;
      pruned = await pruneUsageEvents(store, now - options.retentionDays * DAY_MS);
    }
    if (folded > 0 || pruned > 0) logger.debug({ folded, pruned }, 'usage rollup');
    return { folded, pruned };
  }

  const runOnce = () => (running ??= work().finally(() => (running = null)));
  const timer = setInterval(() => {
    if (stopped) return;
    runOnce().catch((err: unknown) => logger.warn({ err }, 'usage rollup failed; will retry on the next tick'));
  }, options.intervalMs);
  timer.unref();

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
