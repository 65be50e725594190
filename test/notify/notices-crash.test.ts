import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { recordNotification } from '../../src/control/index.js';
import { createEndpoint } from '../../src/notices/webhooks.js';
import { secretFromString } from '../../src/secrets/index.js';
import { openStore } from '../../src/store/index.js';
import { startTollgate, type Tollgate } from '../../src/tollgate.js';
import { startServerChild } from '../helpers/child.js';
import { createPostgresDatabase, POSTGRES_URL, postgresSkipReason } from '../helpers/services.js';
import { tempDir } from '../helpers/tollgate.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';

const SECRET = 'test-secret-test-secret-test-secret-0123';

async function eventually<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('notices survive a crash', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('an instance killed mid-send: the restarted one sends it again under the same event id, and a notice raised meanwhile is sent too', async () => {
    const hooks = await startWebhookReceiver();
    const env = {
      TOLLGATE_DATA_DIR: dir.path,
      TOLLGATE_SECRET: SECRET,
      TOLLGATE_NOTIFICATIONS_SENDER_INTERVAL_MS: '100',
      TOLLGATE_NOTIFICATIONS_LEASE_MS: '2000',
      TOLLGATE_NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true',
    };
    let first = await startServerChild([], env, 90_000);
    const store = await openStore({ dataDir: dir.path });
    try {
      const org = await store.db.selectFrom('organizations').select('id').executeTakeFirstOrThrow();
      const endpoint = await createEndpoint({ db: store.db, secret: secretFromString(SECRET), allowPrivate: true }, { organizationId: org.id, url: hooks.url, description: null, createdBy: null, now: Date.now() });
      const clock = { now: () => Date.now() };
      const raise = async (balance: string) => {
        await recordNotification(store.db, clock, { organizationId: org.id, projectId: null, type: 'balance.low', resourceId: org.id, payload: { balance_usd: balance, threshold_usd: '1.00' }, dedupeKey: `test:${balance}` });
        return (await store.db.selectFrom('notification_events').select('id').where('dedupe_key', '=', `test:${balance}`).executeTakeFirstOrThrow()).id;
      };
      // The endpoint takes the first request and never answers: the instance dies while sending it.
      hooks.plan(['hang'], 200);
      const inFlight = await raise('0.90');
      await hooks.waitFor(1, 30_000);
      await first.stop('SIGKILL');
      const sentMeanwhile = await raise('0.80');

      first = await startServerChild([], env, 90_000);
      await hooks.waitFor(3, 30_000);
      const byId = (id: string) => hooks.hooks.filter((h) => h.headers['webhook-id'] === id);
      // At least once: the interrupted one twice (same id, same body), the other once.
      expect(byId(inFlight).map((h) => h.answered)).toEqual(['hang', 200]);
      expect(byId(inFlight)[1]!.body).toBe(byId(inFlight)[0]!.body);
      expect(byId(sentMeanwhile).map((h) => h.answered)).toEqual([200]);
      const rows = await eventually('both deliveries marked sent', async () => {
        const found = await store.db.selectFrom('notification_deliveries').selectAll().where('target', '=', endpoint.endpoint.id).execute();
        return found.length === 2 && found.every((r) => r.status === 'sent') && found;
      });
      expect(rows.map((r) => r.event_id).sort()).toEqual([inFlight, sentMeanwhile].sort());
    } finally {
      await first.stop();
      await store.close();
      await hooks.stop();
    }
  }, 300_000);
});

/** Two instances share one store and each runs its sender; 60 notices must arrive once each. */
async function sendOnceAcross(store: { database_url?: string; shared_dir?: string }): Promise<void> {
  const hooks = await startWebhookReceiver();
  const dirs = [tempDir(), tempDir()];
  const instances: Tollgate[] = [];
  try {
    for (const d of dirs) {
      const { config } = loadConfig({
        env: {},
        overrides: {
          data_dir: store.shared_dir ?? d.path,
          ...(store.database_url ? { database_url: store.database_url } : {}),
          server: { port: 0 },
          log: { level: 'silent' },
          secret: SECRET,
          notifications: { sender_interval_ms: 50, webhook_allow_private_addresses: true },
        },
      });
      instances.push(await startTollgate(config, { logger: pino({ level: 'silent' }) }));
    }
    const db = instances[0]!.services.store.db;
    const org = await db.selectFrom('organizations').select('id').executeTakeFirstOrThrow();
    await createEndpoint(instances[0]!.services.notices.webhookStore, { organizationId: org.id, url: hooks.url, description: null, createdBy: null, now: Date.now() });
    const clock = { now: () => Date.now() };
    for (let i = 0; i < 60; i++) {
      await recordNotification(db, clock, { organizationId: org.id, projectId: null, type: 'balance.low', resourceId: org.id, payload: { balance_usd: `0.${String(i).padStart(2, '0')}`, threshold_usd: '1.00' } });
    }
    await hooks.waitFor(60, 60_000);
    await eventually('every delivery sent', async () => {
      const pending = await db.selectFrom('notification_deliveries').select('id').where('status', '!=', 'sent').execute();
      return pending.length === 0;
    });
    await new Promise((r) => setTimeout(r, 300));
    const ids = hooks.hooks.map((h) => h.headers['webhook-id']);
    expect(ids.length).toBe(60);
    expect(new Set(ids).size).toBe(60);
  } finally {
    for (const t of instances) await t.close();
    for (const d of dirs) d.remove();
    await hooks.stop();
  }
}

describe('notices with two instances', () => {
  it('on one SQLite file: each notice is sent once (the instances claim deliveries, never both)', async () => {
    const shared = tempDir();
    try {
      await sendOnceAcross({ shared_dir: shared.path });
    } finally {
      shared.remove();
    }
  }, 120_000);

  it.skipIf(!POSTGRES_URL)(`on PostgreSQL: each notice is sent once${postgresSkipReason}`, async () => {
    const database = await createPostgresDatabase();
    try {
      await sendOnceAcross({ database_url: database.url });
    } finally {
      await database.drop();
    }
  }, 120_000);
});
