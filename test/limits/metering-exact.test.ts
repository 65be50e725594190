import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthOf } from '../../src/billing/index.js';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';
import { pool, streamChat, totals, until } from './helpers.js';

const TOTAL = 10_000;
const ABORTED = 40;

async function abortAfter(url: string, key: string, tokens: number): Promise<number> {
  const read = await streamChat(url, key, { messages: [{ role: 'user', content: 'echo: one two three four five six seven eight nine ten' }] }, { 'x-tollgate-sim-token-delay-ms': '50' }, tokens);
  return read.status;
}

describe('10,000 mixed requests: events, ledger and budget counters add up exactly', () => {
  let tg: TestTollgate;
  beforeAll(async () => {
    tg = await startTestTollgate({
      limits: { bootstrap_tier: 'unlimited' },
      billing: { trial_grant_usd: '1000' },
      metering: { flush_interval_ms: 50, batch_size: 400 },
      simulator: { embedding_dimensions: 8 },
    });
  });
  afterAll(() => tg.stop());

  it('meters every request, also failed and aborted ones, and every record agrees', { timeout: 240_000 }, async () => {
    const headers = { authorization: `Bearer ${tg.projectKey}`, 'content-type': 'application/json' };
    const kinds = ['plain', 'stream', 'stream-usage', 'failed', 'embed'] as const;
    const statuses = await pool(TOTAL - ABORTED, 32, async (i) => {
      const kind = kinds[i % kinds.length]!;
      const words = `echo: request ${i} ${'word '.repeat(i % 7)}`;
      const messages = [{ role: 'user', content: words }];
      const payload =
        kind === 'embed'
          ? { url: '/v1/embeddings', body: { model: 'tollgate-sim-embed', input: words } }
          : {
              url: '/v1/chat/completions',
              body: { model: 'tollgate-sim', messages, max_tokens: 5 + (i % 20), stream: kind.startsWith('stream'), ...(kind === 'stream-usage' ? { stream_options: { include_usage: true } } : {}) },
            };
      const res = await tg.app.inject({ method: 'POST', url: payload.url, headers: kind === 'failed' ? { ...headers, 'x-tollgate-sim-fault': '500' } : headers, payload: payload.body });
      return res.statusCode;
    });
    const aborted = await pool(ABORTED, 10, () => abortAfter(tg.url, tg.projectKey, 2));
    expect(statuses.filter((s) => s === 200)).toHaveLength((TOTAL - ABORTED) * 0.8);
    expect(statuses.filter((s) => s === 500)).toHaveLength((TOTAL - ABORTED) * 0.2);
    expect(aborted.every((s) => s === 200)).toBe(true);

    const db = tg.services.store.db;
    await until(async () => {
      await tg.services.recorder.flush();
      return (await totals(tg)).events === TOTAL;
    }, 'every usage event');

    const t = await totals(tg);
    const byStatus = await db.selectFrom('usage_events').select(['status', sql<string>`count(*)`.as('n')]).groupBy('status').execute();
    expect(Object.fromEntries(byStatus.map((r) => [r.status, Number(r.n)]))).toEqual({ ok: (TOTAL - ABORTED) * 0.8, error: (TOTAL - ABORTED) * 0.2, aborted: ABORTED });
    expect(t.eventCost).toBeGreaterThan(0n);
    expect(t.ledgerDebits).toBe(t.eventCost);
    expect(t.accountDebited).toBe(t.eventCost);
    expect(t.counters.get(`organization:${tg.organizationId}`)).toBe(t.eventCost);
    expect(t.counters.get(`project:${tg.projectId}`)).toBe(t.eventCost);
    // Failed upstream calls cost nothing; aborted streams cost what was sent.
    const failed = await db.selectFrom('usage_events').select(sql<string>`coalesce(sum(cost_picos), 0)`.as('c')).where('status', '=', 'error').executeTakeFirstOrThrow();
    expect(BigInt(failed.c)).toBe(0n);

    // The fast state settled to the same total, with nothing left reserved.
    const period = monthOf(Date.now());
    await until(async () => (await tg.services.limits.store.capState(`m:${period}:p:${tg.projectId}`))?.reserved === 0n, 'reservations settled');
    expect(await tg.services.limits.store.capState(`m:${period}:p:${tg.projectId}`)).toEqual({ committed: t.eventCost, reserved: 0n });
    expect(await tg.services.limits.store.capState(`bal:${tg.organizationId}`)).toEqual({ committed: t.eventCost, reserved: 0n });
  });
});
