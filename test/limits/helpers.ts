import http from 'node:http';
import { sql } from 'kysely';
import type { Tollgate } from '../../src/tollgate.js';
import { toBigInt } from '../../src/store/index.js';

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: any;
}

export async function post(url: string, key: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // SSE or plain text: kept as text.
  }
  return { status: res.status, headers: Object.fromEntries(res.headers), body: parsed };
}

/** Runs `tasks` with at most `concurrency` in flight. */
export async function pool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

/** Waits until `check` holds (settlements of aborted streams finish a moment after the client is gone). */
export async function until(check: () => Promise<boolean>, what: string, tries = 200): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export interface Totals {
  events: number;
  eventCost: bigint;
  ledgerDebits: bigint;
  accountDebited: bigint;
  counters: Map<string, bigint>;
}

/** Everything the store says was spent, from each of its three records. */
export async function totals(tollgate: Tollgate): Promise<Totals> {
  const db = tollgate.services.store.db;
  const events = await db.selectFrom('usage_events').select([sql<string>`count(*)`.as('n'), sql<string>`coalesce(sum(cost_picos), 0)`.as('cost')]).executeTakeFirstOrThrow();
  const ledger = await db.selectFrom('ledger_entries').select(sql<string>`coalesce(sum(amount_picos), 0)`.as('sum')).where('kind', '=', 'usage').executeTakeFirstOrThrow();
  const accounts = await db.selectFrom('credit_accounts').select(sql<string>`coalesce(sum(debited_picos), 0)`.as('sum')).executeTakeFirstOrThrow();
  const counters = await db.selectFrom('spend_counters').selectAll().execute();
  return {
    events: Number(events.n),
    eventCost: toBigInt(events.cost),
    ledgerDebits: -toBigInt(ledger.sum),
    accountDebited: toBigInt(accounts.sum),
    counters: new Map(counters.map((c) => [`${c.scope}:${c.scope_id}`, toBigInt(c.spent_picos)])),
  };
}

export interface StreamRead {
  status: number;
  text: string;
  requestId: string;
}

/**
 * Streams a chat completion over node:http, collecting content deltas; with
 * `stopAfter`, destroys the socket after that many deltas (a client hanging up).
 */
export function streamChat(url: string, key: string, body: Record<string, unknown>, headers: Record<string, string> = {}, stopAfter?: number): Promise<StreamRead> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers } }, (res) => {
      let buffer = '';
      let text = '';
      let deltas = 0;
      const done = () => resolve({ status: res.statusCode ?? 0, text, requestId: String(res.headers['x-request-id']) });
      res.setEncoding('utf8');
      res.on('data', (data: string) => {
        buffer += data;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end).replace(/^data: /, '');
          buffer = buffer.slice(end + 2);
          if (frame === '[DONE]' || !frame.startsWith('{')) continue;
          const chunk = JSON.parse(frame) as { choices?: { delta: { content?: string } }[] };
          for (const choice of chunk.choices ?? []) {
            if (!choice.delta.content) continue;
            text += choice.delta.content;
            deltas++;
          }
        }
        if (stopAfter !== undefined && deltas >= stopAfter) {
          req.destroy();
          done();
        }
      });
      res.on('end', done);
      res.on('error', () => done());
    });
    req.on('error', (err) => (stopAfter !== undefined ? undefined : reject(err)));
    req.end(JSON.stringify({ model: 'tollgate-sim', stream: true, ...body }));
  });
}
