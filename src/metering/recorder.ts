import type { Insertable } from 'kysely';
import type { Logger } from 'pino';
import type { UsageEventsTable } from '../store/index.js';
import type { BatchWriter } from './writer.js';

/** A usage event as stored. */
export type UsageEvent = Insertable<UsageEventsTable>;

export interface UsageRecorder {
  /** Queues an event; it is written with the next batch. Never blocks the request. */
  record(event: UsageEvent): void;
  /** Writes everything queued now. */
  flush(): Promise<void>;
  /** Events queued and not yet written. */
  pending(): number;
  /** Final flush; later `record` calls are still written by the flush of `close`'s caller, or lost loudly in the log. */
  close(): Promise<void>;
}

export interface RecorderOptions {
  /** Writes each batch, its ledger debits and budget counters (off the event loop). */
  writer: BatchWriter;
  logger: Logger;
  flushIntervalMs: number;
  batchSize: number;
  now: () => number;
}

/**
 * Usage events are queued in memory and written in batches: each batch, its
 * ledger debits and its budgets' spent counters in one transaction, so the
 * three always add up. A failed write keeps the batch at the head of the
 * queue and retries on the next tick. What a crash can lose is what is
 * queued: at most `flushIntervalMs` of traffic (or one batch).
 */
export function createUsageRecorder(options: RecorderOptions): UsageRecorder {
  const { writer, logger } = options;
  let queue: UsageEvent[] = [];
  let running: Promise<void> | null = null;
  let closed = false;

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.slice(0, options.batchSize);
      try {
        await writer.write(batch, options.now());
      } catch (err) {
        logger.error({ err, events: batch.length }, 'usage events not written yet: will retry');
        return;
      }
      queue = queue.slice(batch.length);
    }
  }

  function flush(): Promise<void> {
    // One writer at a time: a flush asked for while one runs waits for it, then drains what came in meanwhile.
    running ??= drain().finally(() => {
      running = null;
    });
    return running;
  }

  const timer = setInterval(() => {
    if (queue.length > 0) void flush();
  }, options.flushIntervalMs);
  timer.unref();

  return {
    record(event) {
      if (closed) logger.warn({ request_id: event.request_id }, 'usage event recorded after close: writing it now');
      queue.push(event);
      if (queue.length >= options.batchSize || closed) void flush();
    },
    async flush() {
      while (running) await running;
      await flush();
    },
    pending: () => queue.length,
    async close() {
      closed = true;
      clearInterval(timer);
      // A store that is briefly unavailable gets a few seconds before anything is given up.
      for (let attempt = 0; attempt < 6 && (queue.length > 0 || running); attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
        while (running) await running;
        await flush();
      }
      if (queue.length > 0) logger.error({ events: queue.length }, 'usage events could not be written before shutdown');
      await writer.close();
    },
  };
}
