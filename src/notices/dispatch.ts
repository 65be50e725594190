import type { Kysely } from 'kysely';
import { newId } from '../common/ids.js';
import type { Database } from '../store/index.js';
import { choiceFor } from './preferences.js';

/** Who an event goes to: addresses and webhook endpoints. */
interface Targets {
  emails: string[];
  webhooks: string[];
}

/** The organization's Owners with a verified address, active accounts only. */
async function ownerAddresses(db: Kysely<Database>, organizationId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('organization_members')
    .innerJoin('users', 'users.id', 'organization_members.user_id')
    .select('users.email')
    .where('organization_members.organization_id', '=', organizationId)
    .where('organization_members.role', '=', 'owner')
    .where('users.status', '=', 'active')
    .where('users.email_verified_at', 'is not', null)
    .orderBy('users.email')
    .execute();
  return rows.map((r) => r.email);
}

/**
 * A spend alert's notice goes to the alert's own recipients (OpenAI's email
 * channel); every other notice to the Owners. Webhooks get every event type
 * the Owner left on for them.
 */
async function targetsOf(db: Kysely<Database>, event: { organization_id: string; type: string; payload: string }): Promise<Targets> {
  const choice = await choiceFor(db, event.organization_id, event.type);
  const payload = JSON.parse(event.payload) as { alert_id?: unknown };
  let emails: string[] = [];
  if (typeof payload.alert_id === 'string') {
    const alert = await db.selectFrom('spend_alerts').select('recipients').where('id', '=', payload.alert_id).executeTakeFirst();
    emails = alert ? (JSON.parse(alert.recipients) as string[]) : [];
  } else if (choice.email) {
    emails = await ownerAddresses(db, event.organization_id);
  }
  const webhooks = choice.webhook
    ? (await db.selectFrom('webhook_endpoints').select('id').where('organization_id', '=', event.organization_id).where('status', '=', 'enabled').execute()).map((r) => r.id)
    : [];
  return { emails: [...new Set(emails.map((e) => e.toLowerCase()))], webhooks };
}

/**
 * Hands events not yet handed over to their channels: in one transaction per
 * event, the event is marked (a conditional update only one instance wins)
 * and its deliveries are inserted. A crash before the commit leaves the event
 * as it was; after it, the deliveries exist. Returns how many were handed over.
 */
export async function dispatchEvents(db: Kysely<Database>, now: number, batch: number): Promise<number> {
  const waiting = await db.selectFrom('notification_events').select('id').where('delivered_at', 'is', null).orderBy('created_at').limit(batch).execute();
  let handed = 0;
  for (const { id } of waiting) {
    const done = await db.transaction().execute(async (trx) => {
      const event = await trx
        .updateTable('notification_events')
        .set({ delivered_at: now })
        .where('id', '=', id)
        .where('delivered_at', 'is', null)
        .returning(['id', 'organization_id', 'type', 'payload'])
        .executeTakeFirst();
      if (!event) return false;
      const targets = await targetsOf(trx, event);
      const rows = [
        ...targets.emails.map((target) => ({ channel: 'email', target })),
        ...targets.webhooks.map((target) => ({ channel: 'webhook', target })),
      ].map((t) => ({ id: newId('dlv', now), event_id: event.id, organization_id: event.organization_id, ...t, status: 'pending', attempts: 0, next_attempt_at: now, lease_until: null, last_error: null, created_at: now, sent_at: null }));
      if (rows.length > 0) await trx.insertInto('notification_deliveries').values(rows).execute();
      return true;
    });
    if (done) handed++;
  }
  return handed;
}
