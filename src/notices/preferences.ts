import type { Kysely } from 'kysely';
import type { NotificationType } from '../control/index.js';
import type { Database } from '../store/index.js';
import { NOTIFICATION_TYPES } from './events.js';

/** Which channels an event type goes to; without a choice of the Owner's, both. */
export interface ChannelChoice {
  email: boolean;
  webhook: boolean;
}

export const DEFAULT_CHOICE: ChannelChoice = { email: true, webhook: true };

export async function readPreferences(db: Kysely<Database>, organizationId: string): Promise<Map<NotificationType, ChannelChoice>> {
  const rows = await db.selectFrom('notification_preferences').selectAll().where('organization_id', '=', organizationId).execute();
  const chosen = new Map(rows.map((r) => [r.type, { email: Number(r.email) === 1, webhook: Number(r.webhook) === 1 }]));
  return new Map(NOTIFICATION_TYPES.map((type) => [type, chosen.get(type) ?? DEFAULT_CHOICE]));
}

export async function choiceFor(db: Kysely<Database>, organizationId: string, type: string): Promise<ChannelChoice> {
  const row = await db.selectFrom('notification_preferences').select(['email', 'webhook']).where('organization_id', '=', organizationId).where('type', '=', type).executeTakeFirst();
  return row ? { email: Number(row.email) === 1, webhook: Number(row.webhook) === 1 } : DEFAULT_CHOICE;
}

export async function writePreferences(db: Kysely<Database>, organizationId: string, changes: Partial<Record<NotificationType, Partial<ChannelChoice>>>, now: number): Promise<void> {
  const current = await readPreferences(db, organizationId);
  await db.transaction().execute(async (trx) => {
    for (const [type, change] of Object.entries(changes) as [NotificationType, Partial<ChannelChoice>][]) {
      const before = current.get(type) ?? DEFAULT_CHOICE;
      const values = { email: (change.email ?? before.email) ? 1 : 0, webhook: (change.webhook ?? before.webhook) ? 1 : 0, updated_at: now };
      await trx
        .insertInto('notification_preferences')
        .values({ organization_id: organizationId, type, ...values })
        .onConflict((oc) => oc.columns(['organization_id', 'type']).doUpdateSet(values))
        .execute();
    }
  });
}
