import { createHmac } from 'node:crypto';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { recordNotification } from '../../src/control/index.js';
import { client, manualClock } from '../helpers/admin.js';
import { inviteAndJoin, setupOperator } from '../helpers/people.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { createEndpoint } from '../../src/notices/webhooks.js';

/** Waits until `check` holds, polling; fails with `what` after `timeoutMs`. */
async function eventually<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('notices: mail to Owners and signed webhooks from the outbox', () => {
  let smtp: TestSmtp;
  let hooks: WebhookReceiver;
  let tg: TestTollgate;
  let signingSecret: string;
  let endpointId: string;

  beforeAll(async () => {
    smtp = await startTestSmtp();
    hooks = await startWebhookReceiver();
    tg = await startTestTollgate({ smtp_url: smtp.url, notifications: { sender_interval_ms: 50, webhook_allow_private_addresses: true } });
    const operator = await setupOperator(tg);
    await inviteAndJoin(tg, smtp, operator, tg.organizationId, 'owner@example.com', 'owner');
    await inviteAndJoin(tg, smtp, operator, tg.organizationId, 'reader@example.com', 'reader');
    const made = await createEndpoint(tg.services.notices.webhookStore, { organizationId: tg.organizationId, url: hooks.url, description: 'ops', createdBy: null, now: Date.now() });
    signingSecret = made.signingSecret;
    endpointId = made.endpoint.id;
  }, 60_000);
  afterAll(async () => {
    await tg?.stop();
    await hooks?.stop();
    await smtp?.stop();
  });

  it('a leaked key: the Owners get a mail, the endpoint a signed event with the event id; readers get nothing', async () => {
    const leak = await client(tg.url, null)('POST', '/v1/leaks', { strings: [tg.projectKey], source: 'github' });
    expect(leak.status, JSON.stringify(leak.body)).toBe(200);
    const event = await tg.services.store.db.selectFrom('notification_events').selectAll().where('type', '=', 'api_key.leaked').executeTakeFirstOrThrow();
    const redacted = JSON.parse(event.payload).redacted_value as string;

    const mail = await smtp.next('owner@example.com', /exposed and revoked/);
    expect(mail.subject).toBe(`API key ${redacted} was found exposed and revoked`);
    expect(mail.text).toContain(`Event: ${event.id} (api_key.leaked)`);
    expect(mail.text).not.toContain(tg.projectKey);
    // The operator is the first start's Owner too; a reader is not told.
    await smtp.next('operator@example.com', /exposed and revoked/);
    expect(smtp.mails.some((m) => m.to.includes('reader@example.com') && /exposed/.test(m.subject))).toBe(false);

    const [hook] = await hooks.waitFor(1);
    expect(hook!.headers['webhook-id']).toBe(event.id);
    const timestamp = Number(hook!.headers['webhook-timestamp']);
    const expected = createHmac('sha256', Buffer.from(signingSecret.slice('whsec_'.length), 'base64')).update(`${event.id}.${timestamp}.${hook!.body}`).digest('base64');
    expect(hook!.headers['webhook-signature']).toBe(`v1,${expected}`);
    // The openai SDK's own verifier accepts it: the same scheme OpenAI signs its webhooks with.
    const sdk = new OpenAI({ apiKey: 'unused', webhookSecret: signingSecret });
    const unwrapped = (await sdk.webhooks.unwrap(hook!.body, hook!.headers)) as unknown as Record<string, unknown>;
    expect(unwrapped).toMatchObject({ id: event.id, object: 'event', type: 'api_key.leaked', organization_id: tg.organizationId, data: { redacted_value: redacted, source: 'github' } });
    await expect(sdk.webhooks.unwrap(hook!.body.replace('github', 'gitlab'), hook!.headers)).rejects.toThrow(/signature/);
    expect(hook!.body).not.toContain(tg.projectKey);

    const deliveries = await eventually('every delivery sent', async () => {
      const rows = await tg.services.store.db.selectFrom('notification_deliveries').selectAll().where('event_id', '=', event.id).execute();
      return rows.length === 3 && rows.every((r) => r.status === 'sent') && rows;
    });
    expect(deliveries.map((d) => `${d.channel}:${d.target}`).sort()).toEqual(['email:operator@example.com', 'email:owner@example.com', `webhook:${endpointId}`]);
    expect(Number((await tg.services.store.db.selectFrom('notification_events').select('delivered_at').where('id', '=', event.id).executeTakeFirstOrThrow()).delivered_at)).toBeGreaterThan(0);
  });
});

describe('notices: webhook retries and disabling', () => {
  let hooks: WebhookReceiver;
  let tg: TestTollgate;
  const clock = manualClock(Date.UTC(2026, 0, 10, 12));

  beforeAll(async () => {
    hooks = await startWebhookReceiver();
    tg = await startTestTollgate(
      { notifications: { sender_interval_ms: 50, webhook_allow_private_addresses: true, retry_base_ms: 60_000, retry_max_ms: 600_000, max_attempts: 4, webhook_disable_after: 6 } },
      { clock },
    );
  });
  afterAll(async () => {
    await tg?.stop();
    await hooks?.stop();
  });
  afterEach(() => hooks.plan([], 200));
  let emitted = 0;

  async function emit(type: 'balance.low', payload: Record<string, unknown>): Promise<string> {
    const dedupeKey = `test:${++emitted}`;
    await recordNotification(tg.services.store.db, clock, { organizationId: tg.organizationId, projectId: null, type, resourceId: tg.organizationId, payload, dedupeKey });
    const row = await tg.services.store.db.selectFrom('notification_events').select('id').where('dedupe_key', '=', dedupeKey).executeTakeFirstOrThrow();
    return row.id;
  }

  it('retries with exponential backoff (1, 2, 4 minutes) under the same event id, then gives up', async () => {
    const made = await createEndpoint(tg.services.notices.webhookStore, { organizationId: tg.organizationId, url: hooks.url, description: null, createdBy: null, now: clock.now() });
    hooks.plan([], 503);
    const start = clock.now();
    const id = await emit('balance.low', { balance_usd: '0.75', threshold_usd: '1.00' });
    const seenAt: number[] = [];
    // An attempt is over once its outcome is written (the receiver sees the request a little earlier).
    const settled = (attempts: number) =>
      eventually(`attempt ${attempts} written`, async () => {
        const row = await tg.services.store.db.selectFrom('notification_deliveries').select(['attempts', 'lease_until']).where('event_id', '=', id).executeTakeFirstOrThrow();
        return Number(row.attempts) === attempts && row.lease_until === null;
      });
    await hooks.waitFor(1);
    await settled(1);
    seenAt.push(clock.now() - start);
    for (const wait of [60_000, 120_000, 240_000]) {
      // Just before the wait is over nothing is sent; at the moment it is, the next attempt goes.
      clock.advance(wait - 1);
      const before = hooks.hooks.length;
      await tg.services.notices.sender.runOnce();
      await tg.services.notices.sender.runOnce();
      expect(hooks.hooks.length).toBe(before);
      clock.advance(1);
      await hooks.waitFor(before + 1);
      await settled(before + 1);
      seenAt.push(clock.now() - start);
    }
    expect(seenAt).toEqual([0, 60_000, 180_000, 420_000]);
    expect(new Set(hooks.hooks.map((h) => h.headers['webhook-id']))).toEqual(new Set([id]));
    // Each attempt is signed at its own time.
    expect(hooks.hooks.map((h) => Number(h.headers['webhook-timestamp']))).toEqual(seenAt.map((t) => Math.floor((start + t) / 1000)));
    const delivery = await eventually('the delivery given up after 4 attempts', async () => {
      const row = await tg.services.store.db.selectFrom('notification_deliveries').selectAll().where('event_id', '=', id).executeTakeFirstOrThrow();
      return row.status === 'failed' && row;
    });
    expect(Number(delivery.attempts)).toBe(4);
    expect(delivery.last_error).toBe('the endpoint answered HTTP 503');
    clock.advance(10 * 600_000);
    await tg.services.notices.sender.runOnce();
    expect(hooks.hooks.length).toBe(4);
    const endpoint = await tg.services.store.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', made.endpoint.id).executeTakeFirstOrThrow();
    expect([endpoint.status, Number(endpoint.consecutive_failures)]).toEqual(['enabled', 4]);
  });

  it('an endpoint that keeps failing is disabled with the reason; a success in between resets the count', async () => {
    hooks.plan([503], 200);
    const ok = await emit('balance.low', { balance_usd: '0.50', threshold_usd: '1.00' });
    await eventually('the first attempt written', async () => Number((await tg.services.store.db.selectFrom('notification_deliveries').select('attempts').where('event_id', '=', ok).executeTakeFirst())?.attempts ?? 0) === 1);
    // The endpoint of the first test had 4 failures; this one fails once more (5), then succeeds (reset).
    clock.advance(60_000);
    await eventually('the retry sent', async () => (await tg.services.store.db.selectFrom('notification_deliveries').select('status').where('event_id', '=', ok).executeTakeFirstOrThrow()).status === 'sent');
    const reset = await tg.services.store.db.selectFrom('webhook_endpoints').select('consecutive_failures').executeTakeFirstOrThrow();
    expect(Number(reset.consecutive_failures)).toBe(0);

    hooks.plan([], 500);
    const ids = [await emit('balance.low', { balance_usd: '0.40', threshold_usd: '1.00' }), await emit('balance.low', { balance_usd: '0.30', threshold_usd: '1.00' }), await emit('balance.low', { balance_usd: '0.20', threshold_usd: '1.00' })];
    // 3 events x 2 attempts = 6 failures in a row: disabled at the sixth.
    await eventually('three first attempts written', async () => {
      const rows = await tg.services.store.db.selectFrom('notification_deliveries').select(['attempts', 'lease_until']).where('event_id', 'in', ids).execute();
      return rows.length === 3 && rows.every((r) => Number(r.attempts) === 1 && r.lease_until === null);
    });
    clock.advance(60_000);
    const endpoint = await eventually('the endpoint disabled', async () => {
      const row = await tg.services.store.db.selectFrom('webhook_endpoints').selectAll().executeTakeFirstOrThrow();
      return row.status === 'disabled' && row;
    });
    expect(endpoint.disabled_reason).toBe('6 deliveries in a row failed; the last: the endpoint answered HTTP 500');
    // Later notices are not sent to a disabled endpoint.
    const sentBefore = hooks.hooks.length;
    await emit('balance.low', { balance_usd: '0.10', threshold_usd: '1.00' });
    clock.advance(600_000);
    await tg.services.notices.sender.runOnce();
    await tg.services.notices.sender.runOnce();
    expect(hooks.hooks.length).toBe(sentBefore);
  });
});
