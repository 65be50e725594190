import { parseKey, redactKey } from './api-key-format.js';
import type { Actor } from './actor.js';
import { recordAudit } from './audit.js';
import { invalidate, type ControlDeps } from './context.js';
import { revokeKeyById } from './key-lifecycle.js';
import { recordNotification } from './notifications.js';

/** What became of one reported string. `revoked`: it was a live key and is now dead. */
export type LeakOutcome = 'revoked' | 'inactive' | 'unknown' | 'not_a_key';

export interface LeakResult {
  index: number;
  /** `sk-proj-...abcd` for key-shaped strings; the secret itself is never echoed. */
  redacted: string | null;
  outcome: LeakOutcome;
  live: boolean;
}

export const MAX_LEAK_STRINGS = 100;

/**
 * Checks strings a scanner found: checksum first (no lookup for anything
 * else), then the keyed hash. A live key is revoked at once, audited in its
 * organization, and a notification event is recorded.
 */
export async function reportLeaks(deps: ControlDeps, reporter: { ip: string | null; userAgent: string | null; source: string | null }, strings: string[]): Promise<LeakResult[]> {
  const results: LeakResult[] = [];
  for (const [index, text] of strings.entries()) {
    const candidate = text.trim();
    if (!parseKey(candidate)) {
      results.push({ index, redacted: null, outcome: 'not_a_key', live: false });
      continue;
    }
    const redacted = redactKey(candidate);
    const row = await deps.db.selectFrom('api_keys').select(['id', 'organization_id', 'project_id', 'status']).where('hash', '=', deps.secret.hash(candidate)).executeTakeFirst();
    if (!row) {
      results.push({ index, redacted, outcome: 'unknown', live: false });
      continue;
    }
    const actor: Actor = { organizationId: row.organization_id, type: 'system', id: null, ip: reporter.ip, userAgent: reporter.userAgent };
    // The revocation, its audit entry and the notice commit together: a crash cannot revoke a key unannounced.
    const revoked = await deps.db.transaction().execute(async (trx) => {
      const done = await revokeKeyById(deps, actor, row.id, 'leak_report', trx);
      await recordAudit(trx, deps.clock, actor, { type: 'leak.reported', projectId: row.project_id, resourceId: row.id, details: { redacted_value: redacted, was_live: done, source: reporter.source } });
      if (done) {
        await recordNotification(trx, deps.clock, {
          organizationId: row.organization_id,
          projectId: row.project_id,
          type: 'api_key.leaked',
          resourceId: row.id,
          dedupeKey: `api_key.leaked:${row.id}`,
          payload: { key_id: row.id, redacted_value: redacted, source: reporter.source },
        });
      }
      return done;
    });
    // Again after the commit: an instance that re-read the key while the transaction was open now sees it revoked.
    if (revoked) await invalidate(deps, 'key', row.id);
    results.push({ index, redacted, outcome: revoked ? 'revoked' : 'inactive', live: revoked });
  }
  return results;
}
