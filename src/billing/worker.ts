import type { Logger } from 'pino';
import { chargePurchase, duePurchases, type PurchaseDeps } from './purchases.js';
import { promoteWaiting } from './tiers.js';

export interface BillingWorker {
  /** One pass: charges every purchase that is due. */
  runOnce(): Promise<void>;
  stop(): Promise<void>;
}

/** Per pass at most this many purchases; the rest wait for the next pass. */
const BATCH = 50;
/** How often tiers that wait for days since the first payment are looked at (they move by the day). */
const LADDER_INTERVAL_MS = 60_000;

/**
 * Every instance runs one: it charges purchases that are due (auto-recharges
 * the usage writer created, retries after a failed charge, and purchases an
 * instance left pending when it died). Two instances may look at the same
 * purchase; the lease in `chargePurchase` lets one of them charge it.
 * It also promotes organizations whose payments waited for the days a rung of
 * the tier ladder asks for (a promotion is recorded once, whoever finds it).
 */
export function startBillingWorker(deps: PurchaseDeps & { logger: Logger; intervalMs: number }): BillingWorker {
  let running: Promise<void> | null = null;
  let stopped = false;
  let ladderAt = Number.NEGATIVE_INFINITY;

  async function pass(): Promise<void> {
    const now = deps.clock.now();
    if (now - ladderAt >= LADDER_INTERVAL_MS) {
      ladderAt = now;
      for (const id of await promoteWaiting(deps, now)) deps.onCredited(id);
    }
    const ids = await duePurchases(deps.db, now, BATCH);
    for (const id of ids) {
      if (stopped) return;
      try {
        const purchase = await chargePurchase(deps, id);
        if (purchase.status === 'failed') deps.logger.warn({ purchase_id: id, code: purchase.failureCode }, 'a credit purchase failed');
      } catch (err) {
        deps.logger.warn({ err, purchase_id: id }, 'charging a purchase failed: it stays pending and is asked about again');
      }
    }
  }

  function runOnce(): Promise<void> {
    running ??= pass().finally(() => {
      running = null;
    });
    return running;
  }

  const timer = setInterval(() => {
    runOnce().catch((err: unknown) => deps.logger.error({ err }, 'billing worker pass failed'));
  }, deps.intervalMs);
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
