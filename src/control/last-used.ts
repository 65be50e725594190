import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';

/**
 * "Last used at" without a store write per request: uses are noted in memory
 * and written in one batch every few seconds (and at shutdown). The stored
 * value only moves forward, so instances flushing out of order agree.
 */
export interface LastUsedTracker {
  touch(keyId: string, at: number): void;
  pending(keyId: string): number | null;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function createLastUsedTracker(db: Kysely<Database>, intervalMs: number): LastUsedTracker {
  let pending = new Map<string, number>();
  let flushing: Promise<void> = Promise.resolve();

  async function write(batch: Map<string, number>): Promise<void> {
    if (batch.size === 0) return;
    await db.transaction().execute(async (trx) => {
      for (const [id, at] of batch) {
        await trx
          .updateTable('api_keys')
          .set({ last_used_at: at })
          .where('id', '=', id)
          .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', BigInt(at))]))
          .execute();
      }
    });
  }

  function flush(): Promise<void> {
    const batch = pending;
    pending = new Map();
    flushing = flushing.then(() =>
      write(batch).catch(() => {
        // Keep the uses for the next attempt rather than lose them.
        for (const [id, at] of batch) if ((pending.get(id) ?? 0) < at) pending.set(id, at);
      }),
    );
    return flushing;
  }

  const timer = setInterval(() => void flush(), intervalMs);
  timer.unref();

  return {
    touch(keyId, at) {
      if ((pending.get(keyId) ?? 0) < at) pending.set(keyId, at);
    },
    pending: (keyId) => pending.get(keyId) ?? null,
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
