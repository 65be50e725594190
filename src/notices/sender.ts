import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../common/clock.js';
import type { Mailer } from '../notify/index.js';
import type { ServerSecret } from '../secrets/index.js';
import type { Database } from '../store/index.js';
import { dispatchEvents } from './dispatch.js';
import { eventJson, eventOf } from './events.js';
import { noticeMail } from './mail-text.js';
import type { WebhookTransport } from './webhooks.js';

export interface SenderSettings {
  intervalMs: number;
  leaseMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  maxAttempts: number;
  webhookDisableAfter: number;
}

export interface SenderDeps {
  db: Kysely<Database>;
  clock: Clock;
  logger: Logger;
  mailer: Mailer;
  webhooks: WebhookTransport;
  secret: ServerSecret;
  settings: SenderSettings;
}

export interface NoticeSender {
  /** One pass: hands new events to their channels and sends every delivery that is due. */
  runOnce(): Promise<{ dispatched: number; sent: number; failed: number }>;
  stop(): Promise<void>;
}

/** Per pass at most this many events handed over and deliveries sent; the rest wait for the next pass. */
const BATCH = 50;

/** The wait before attempt `attempts + 1`: base, doubled per failed attempt, capped. */
export function retryDelay(settings: Pick<SenderSettings, 'retryBaseMs' | 'retryMaxMs'>, attempts: number): number {
  return Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** Math.max(0, attempts - 1));
}

type DeliveryRow = { id: string; event_id: string; channel: string; target: string; attempts: bigint };

/**
 * Claims a due delivery by a conditional update (the same on SQLite and
 * PostgreSQL): only one instance moves its lease from "free or expired" to
 * its own. The lease doubles as a fence: the outcome is written only while
 * the lease is still this attempt's.
 */
async function claim(db: Kysely<Database>, id: string, now: number, leaseUntil: number): Promise<boolean> {
  const claimed = await db
    .updateTable('notification_deliveries')
    .set({ lease_until: leaseUntil })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', BigInt(now))
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', BigInt(now))]))
    .executeTakeFirst();
  return Number(claimed.numUpdatedRows) === 1;
}

export function startNoticeSender(deps: SenderDeps): NoticeSender {
  const { db, clock, logger, settings } = deps;
  let running: Promise<{ dispatched: number; sent: number; failed: number }> | null = null;
  let stopped = false;

  async function send(row: DeliveryRow): Promise<void> {
    const eventRow = await db.selectFrom('notification_events').selectAll().where('id', '=', row.event_id).executeTakeFirstOrThrow();
    const event = eventOf(eventRow);
    if (row.channel === 'email') {
      const alertId = typeof event.payload.alert_id === 'string' ? event.payload.alert_id : null;
      const alert = alertId ? await db.selectFrom('spend_alerts').select('subject_prefix').where('id', '=', alertId).executeTakeFirst() : undefined;
      await deps.mailer.send(noticeMail(event, row.target, alert?.subject_prefix ?? null));
      return;
    }
    const endpoint = await db.selectFrom('webhook_endpoints').select(['url', 'sealed_secret', 'status']).where('id', '=', row.target).executeTakeFirst();
    if (!endpoint || endpoint.status !== 'enabled') throw new GiveUp(endpoint ? 'webhook endpoint disabled' : 'webhook endpoint deleted');
    await deps.webhooks.post({
      url: endpoint.url,
      signingSecret: deps.secret.decrypt(endpoint.sealed_secret),
      eventId: event.id,
      body: JSON.stringify(eventJson(event)),
      timestampS: Math.floor(clock.now() / 1000),
    });
  }

  async function succeeded(row: DeliveryRow, lease: number): Promise<void> {
    const now = clock.now();
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('notification_deliveries')
        .set({ status: 'sent', sent_at: now, lease_until: null, attempts: Number(row.attempts) + 1, last_error: null })
        .where('id', '=', row.id)
        .where('lease_until', '=', BigInt(lease))
        .execute();
      if (row.channel === 'webhook') await trx.updateTable('webhook_endpoints').set({ consecutive_failures: 0 }).where('id', '=', row.target).execute();
    });
  }

  async function failed(row: DeliveryRow, lease: number, err: unknown): Promise<void> {
    const now = clock.now();
    const attempts = Number(row.attempts) + 1;
    const reason = (err instanceof Error ? err.message : String(err)).slice(0, 300);
    const giveUp = err instanceof GiveUp || attempts >= settings.maxAttempts;
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('notification_deliveries')
        .set({ attempts, last_error: reason, lease_until: null, ...(giveUp ? { status: 'failed' } : { next_attempt_at: now + retryDelay(settings, attempts) }) })
        .where('id', '=', row.id)
        .where('lease_until', '=', BigInt(lease))
        .execute();
      if (row.channel !== 'webhook' || err instanceof GiveUp) return;
      const endpoint = await trx
        .updateTable('webhook_endpoints')
        .set((eb) => ({ consecutive_failures: eb('consecutive_failures', '+', 1n) }))
        .where('id', '=', row.target)
        .returning(['consecutive_failures', 'status'])
        .executeTakeFirst();
      if (endpoint && endpoint.status === 'enabled' && Number(endpoint.consecutive_failures) >= settings.webhookDisableAfter) {
        const why = `${Number(endpoint.consecutive_failures)} deliveries in a row failed; the last: ${reason}`;
        await trx.updateTable('webhook_endpoints').set({ status: 'disabled', disabled_reason: why, updated_at: now }).where('id', '=', row.target).where('status', '=', 'enabled').execute();
      }
    });
    logger.warn({ delivery_id: row.id, event_id: row.event_id, channel: row.channel, attempts, gave_up: giveUp, reason }, 'a notice delivery failed');
  }

  async function deliver(row: DeliveryRow): Promise<'sent' | 'failed' | 'skipped'> {
    const now = clock.now();
    const lease = now + settings.leaseMs;
    if (!(await claim(db, row.id, now, lease))) return 'skipped';
    try {
      await send(row);
    } catch (err) {
      await failed(row, lease, err);
      return 'failed';
    }
    await succeeded(row, lease);
    return 'sent';
  }

  async function pass() {
    const now = clock.now();
    const dispatched = await dispatchEvents(db, now, BATCH);
    const due = await db
      .selectFrom('notification_deliveries')
      .select(['id', 'event_id', 'channel', 'target', 'attempts'])
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', BigInt(now))
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', BigInt(now))]))
      .orderBy('next_attempt_at')
      .limit(BATCH)
      .execute();
    let sent = 0;
    let failures = 0;
    // Concurrently: one slow webhook endpoint must not hold up everyone's mail.
    const outcomes = await Promise.all(due.filter(() => !stopped).map((row) => deliver(row).catch((err: unknown) => (logger.error({ err, delivery_id: row.id }, 'notice delivery bookkeeping failed'), 'failed' as const))));
    for (const outcome of outcomes) {
      if (outcome === 'sent') sent++;
      if (outcome === 'failed') failures++;
    }
    return { dispatched, sent, failed: failures };
  }

  function runOnce() {
    running ??= pass().finally(() => {
      running = null;
    });
    return running;
  }

  const timer = setInterval(() => {
    if (!stopped) runOnce().catch((err: unknown) => logger.error({ err }, 'notice sender pass failed'));
  }, settings.intervalMs);
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

/** A delivery that cannot succeed by retrying (its endpoint is gone or disabled). */
class GiveUp extends Error {}
