import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { countChatPromptTokens, encodingForModel } from '../../src/tokens/index.js';
import { startServerChild } from '../helpers/child.js';
import { createPostgresDatabase, POSTGRES_URL, postgresSkipReason } from '../helpers/services.js';
import { tempDir } from '../helpers/tollgate.js';
import { post } from './helpers.js';

/**
 * The crash window (README, "Crash window"): a killed process loses the usage
 * events it had queued, at most one `metering.flush_interval_ms` of them, but
 * not the budget: the shared counters already hold what those requests cost,
 * so the next instance still refuses past the cap. Here the flush interval is
 * its maximum, a minute, so the kill loses what was queued (every event, unless
 * a flush came first), and the cap must hold anyway.
 */
describe.skipIf(!POSTGRES_URL)(`SIGKILL inside the flush interval, instances sharing PostgreSQL${postgresSkipReason}`, () => {
  const text = 'alpha beta gamma delta';
  const messages = [{ role: 'user' as const, content: `echo: ${text}` }];
  const encoding = encodingForModel('tollgate-sim');
  const completion = encoding.count(text);
  const cost = BigInt(countChatPromptTokens(messages, encoding)) * 100_000_000n + BigInt(completion) * 400_000_000n;
  const cap = 50_000_000_000n; // $0.05
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>;
  const dirs = [tempDir(), tempDir()];
  beforeAll(async () => {
    database = await createPostgresDatabase();
  });
  afterAll(async () => {
    for (const dir of dirs) dir.remove();
    await database?.drop();
  });

  it('loses the queued events, and the cap still holds on the instance started next', { timeout: 240_000 }, async () => {
    const env = (i: number) => ({
      TOLLGATE_DATABASE_URL: database.url,
      TOLLGATE_DATA_DIR: dirs[i]!.path,
      TOLLGATE_SECRET: 'test-secret-test-secret-test-secret-0123',
      TOLLGATE_METERING_FLUSH_INTERVAL_MS: '60000',
      TOLLGATE_PRICING_MODELS: JSON.stringify({ 'tollgate-sim': { input: '100', output: '400' } }),
      TOLLGATE_LOG_LEVEL: 'info',
    });
    const first = await startServerChild([], env(0), 120_000);
    const banner = first.banner();
    const adminKey = /sk-admin-[A-Za-z0-9_-]+/.exec(banner)![0];
    const projectKey = /sk-proj-[A-Za-z0-9_-]+/.exec(banner)![0];
    const body = { model: 'tollgate-sim', messages, max_tokens: completion };
    let admitted = 0;
    try {
      const projects = await fetch(`${first.url}/v1/organization/projects`, { headers: { authorization: `Bearer ${adminKey}` } }).then((r) => r.json() as Promise<{ data: { id: string }[] }>);
      const projectId = projects.data[0]!.id;
      expect((await post(`${first.url}/v1/organization/projects/${projectId}/budget`, adminKey, { monthly_limit_usd: '0.05' })).status).toBe(200);
      for (;;) {
        const reply = await post(`${first.url}/v1/chat/completions`, projectKey, body);
        if (reply.status !== 200) {
          expect(reply.body.error.code).toBe('insufficient_quota');
          break;
        }
        admitted++;
      }
      expect(admitted).toBe(Number(cap / cost));
    } finally {
      await first.stop('SIGKILL');
    }

    const store = await openStore({ databaseUrl: database.url, dataDir: dirs[0]!.path });
    try {
      // What was still queued is lost with the process.
      const events = await store.db.selectFrom('usage_events').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
      const lost = admitted - Number(events.n);
      expect(lost).toBeGreaterThan(0);
      console.log(`crash window: SIGKILL lost ${lost} of ${admitted} usage events (${lost} x $${Number(cost) / 1e12} of spend never recorded in the store); the cap held`);
    } finally {
      await store.close();
    }

    const next = await startServerChild([], env(1), 120_000);
    try {
      const refused = await post(`${next.url}/v1/chat/completions`, projectKey, body);
      expect(refused.status, JSON.stringify(refused.body)).toBe(429);
      expect(refused.body.error.code).toBe('insufficient_quota');
    } finally {
      await next.stop();
    }
  });
});
