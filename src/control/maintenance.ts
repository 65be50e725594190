import type { Logger } from 'pino';
import { systemActor } from './actor.js';
import type { ControlDeps } from './context.js';
import { revokeKeyById } from './key-lifecycle.js';
import { ROTATION_AGE_MS } from './key-records.js';
import { recordNotification } from './notifications.js';

/**
 * Periodic upkeep, safe to run on every instance at once (each step is a
 * conditional update, so only one instance acts on a row):
 * - rotated keys whose grace ended are revoked (they already fail
 *   authentication from that moment; this makes the record say so);
 * - keys older than 90 days get their one "rotate me" notification event.
 */
export async function runMaintenance(deps: ControlDeps): Promise<{ revoked: number; notified: number }> {
  const now = deps.clock.now();
  const due = await deps.db.selectFrom('api_keys').select(['id', 'organization_id']).where('status', '=', 'active').where('revoke_at', '<=', BigInt(now)).execute();
  let revoked = 0;
  for (const row of due) if (await revokeKeyById(deps, systemActor(row.organization_id), row.id, 'rotation_grace_ended')) revoked++;

  const old = await deps.db
    .selectFrom('api_keys')
    .select(['id', 'organization_id', 'project_id', 'redacted', 'created_at'])
    .where('status', '=', 'active')
    .where('rotated_to_id', 'is', null)
    .where('rotation_notified_at', 'is', null)
    .where('created_at', '<=', BigInt(now - ROTATION_AGE_MS))
    .execute();
  let notified = 0;
  for (const row of old) {
    // The flag and the notice commit together: only one instance claims a key, and the claim is never without its notice.
    const recorded = await deps.db.transaction().execute(async (trx) => {
      const claimed = await trx.updateTable('api_keys').set({ rotation_notified_at: now }).where('id', '=', row.id).where('rotation_notified_at', 'is', null).executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 0) return false;
      return recordNotification(trx, deps.clock, {
        organizationId: row.organization_id,
        projectId: row.project_id,
        type: 'api_key.rotation_due',
        resourceId: row.id,
        dedupeKey: `api_key.rotation_due:${row.id}`,
        payload: { key_id: row.id, redacted_value: row.redacted, created_at: Math.floor(Number(row.created_at) / 1000) },
      });
    });
    if (recorded) notified++;
  }
  return { revoked, notified };
}

export function startMaintenance(deps: ControlDeps, intervalMs: number, logger: Logger): { stop(): void; idle(): Promise<void> } {
  let current: Promise<unknown> = Promise.resolve();
  const tick = () => {
    current = runMaintenance(deps).catch((err: Error) => logger.warn({ err: { message: err.message } }, 'key maintenance failed'));
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), idle: () => current.then(() => undefined) };
}
