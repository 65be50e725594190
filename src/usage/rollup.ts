import { sql, type Transaction } from 'kysely';
import type { Database, Store } from '../store/index.js';
import { toBigInt } from '../store/index.js';
import { DAY_MS, HOUR_MS } from './aggregate.js';

/**
 * Folds raw usage events into hourly and daily (UTC) sums. Each batch is atomic: read events
 * not yet folded, add them to their hours' and days' rows (upsert with
 * `x = x + excluded.x`), stamp them `rolled_up_at`. So a fold is idempotent
 * (a folded event is never read again) and a read sees an event either raw or
 * in its hour, never both. On PostgreSQL a batch is one statement; two
 * instances take disjoint batches (`FOR UPDATE SKIP LOCKED`) and upsert hour
 * rows in one global key order, so they neither double count nor deadlock.
 * SQLite (one process) does the same in one transaction.
 */

const SUM_COLUMNS = ['events', 'failed_events', 'prompt_tokens', 'cached_tokens', 'cache_write_tokens', 'completion_tokens', 'reasoning_tokens', 'cost_picos'] as const;
type SumColumn = (typeof SUM_COLUMNS)[number];

/** The two rollup tables: each event is added to one row of each, in the same transaction. */
const PERIODS = [
  { table: 'usage_rollups_hourly', start: 'hour_start', width: HOUR_MS },
  { table: 'usage_rollups_daily', start: 'day_start', width: DAY_MS },
] as const;
type Period = (typeof PERIODS)[number];

interface HourRow {
  start: number;
  organization_id: string;
  project_id: string;
  api_key_id: string;
  model: string;
  endpoint: string;
  sums: Record<SumColumn, bigint>;
}

const UPSERT_CHUNK = 500;
const ID_CHUNK = 1000;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function readBatch(trx: Transaction<Database>, size: number) {
  return trx
    .selectFrom('usage_events')
    .select(['id', 'organization_id', 'project_id', 'api_key_id', 'model', 'endpoint', 'status', 'created_at'])
    .select(['prompt_tokens', 'cached_tokens', 'cache_write_tokens', 'completion_tokens', 'reasoning_tokens', 'cost_picos'])
    .where('rolled_up_at', 'is', null)
    .orderBy('created_at')
    .limit(size)
    .execute();
}

type EventRow = Awaited<ReturnType<typeof readBatch>>[number];

function sumByPeriod(events: EventRow[], width: number): HourRow[] {
  const hours = new Map<string, HourRow>();
  for (const e of events) {
    const created = Number(e.created_at);
    const key = { start: created - (created % width), organization_id: e.organization_id, project_id: e.project_id ?? '', api_key_id: e.api_key_id ?? '', model: e.model, endpoint: e.endpoint };
    const id = JSON.stringify(Object.values(key));
    let row = hours.get(id);
    if (!row) {
      row = { ...key, sums: Object.fromEntries(SUM_COLUMNS.map((c) => [c, 0n])) as Record<SumColumn, bigint> };
      hours.set(id, row);
    }
    row.sums.events += 1n;
    if (e.status === 'error') row.sums.failed_events += 1n;
    row.sums.prompt_tokens += toBigInt(e.prompt_tokens);
    row.sums.cached_tokens += toBigInt(e.cached_tokens);
    row.sums.cache_write_tokens += toBigInt(e.cache_write_tokens);
    row.sums.completion_tokens += toBigInt(e.completion_tokens);
    row.sums.reasoning_tokens += toBigInt(e.reasoning_tokens);
    row.sums.cost_picos += toBigInt(e.cost_picos);
  }
  // One global order for every instance's upserts: row locks are then always taken in the same order.
  const order = (r: HourRow) => [r.organization_id, String(r.start).padStart(16, '0'), r.project_id, r.api_key_id, r.model, r.endpoint].join('\u0000');
  return [...hours.values()].sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}

async function upsertPeriod(trx: Transaction<Database>, period: Period, rows: HourRow[]): Promise<void> {
  const add = Object.fromEntries(SUM_COLUMNS.map((c) => [c, sql`${sql.ref(`${period.table}.${c}`)} + ${sql.ref(`excluded.${c}`)}`]));
  for (const chunk of chunks(rows, UPSERT_CHUNK)) {
    await trx
      .insertInto(period.table)
      .values(chunk.map(({ sums, start, ...key }) => ({ ...key, [period.start]: start, ...sums }) as never))
      .onConflict((oc) => oc.columns(keyColumns(period) as never).doUpdateSet(add as never))
      .execute();
  }
}

const keyColumns = (period: Period) => ['organization_id', period.start, 'project_id', 'api_key_id', 'model', 'endpoint'];

/**
 * PostgreSQL folds a batch in one statement: lock a batch (skipping rows
 * another instance holds), stamp it, sum it per hour and upsert the sums in
 * key order, without shipping the events to the process.
 */
async function foldBatchPostgres(store: Store, now: number, batchSize: number): Promise<number> {
  const sums = SUM_COLUMNS.map((c) => (c === 'events' ? 'count(*)' : c === 'failed_events' ? "sum(case when status = 'error' then 1 else 0 end)" : `sum(${c})`) + ` as ${c}`).join(', ');
  const upsert = (period: Period) => {
    const keys = keyColumns(period).join(', ');
    const updates = SUM_COLUMNS.map((c) => `${c} = ${period.table}.${c} + excluded.${c}`).join(', ');
    return sql`insert into ${sql.raw(period.table)} (${sql.raw(`${keys}, ${SUM_COLUMNS.join(', ')}`)})
      select ${sql.raw(keys)}, ${sql.raw(sums)}
      from (select *, created_at - created_at % ${period.width} as ${sql.raw(period.start)} from marked) m
      group by ${sql.raw(keys)} order by ${sql.raw(keys)}
      on conflict (${sql.raw(keys)}) do update set ${sql.raw(updates)}
      returning 1`;
  };
  const result = await sql<{ folded: string | bigint }>`
    with batch as (
      select id from usage_events where rolled_up_at is null order by created_at limit ${batchSize} for update skip locked
    ), marked as (
      update usage_events e set rolled_up_at = ${now} from batch where e.id = batch.id
      returning e.organization_id, e.created_at, coalesce(e.project_id, '') as project_id,
        coalesce(e.api_key_id, '') as api_key_id, e.model, e.endpoint, e.status, ${sql.raw(SUM_COLUMNS.slice(2).map((c) => `e.${c}`).join(', '))}
    ), hours as (${upsert(PERIODS[0])}), days as (${upsert(PERIODS[1])})
    select (select count(*) from marked) as folded, (select count(*) from hours) as hours, (select count(*) from days) as days`.execute(store.db);
  return Number(result.rows[0]!.folded);
}

/** Folds one batch of events; returns how many were folded. */
export async function foldUsageBatch(store: Store, now: number, batchSize = 2000): Promise<number> {
  if (store.dialect === 'postgres') return foldBatchPostgres(store, now, batchSize);
  return store.db.transaction().execute(async (trx) => {
    const events = await readBatch(trx, batchSize);
    if (events.length === 0) return 0;
    for (const period of PERIODS) await upsertPeriod(trx, period, sumByPeriod(events, period.width));
    for (const ids of chunks(events.map((e) => e.id), ID_CHUNK)) {
      await trx.updateTable('usage_events').set({ rolled_up_at: now }).where('id', 'in', ids).execute();
    }
    return events.length;
  });
}

/** Folds until no events are left (or `maxBatches` ran); returns how many were folded. */
export async function foldUsageEvents(store: Store, now: number, options: { batchSize?: number; maxBatches?: number } = {}): Promise<number> {
  const batchSize = options.batchSize ?? 2000;
  let total = 0;
  for (let i = 0; i < (options.maxBatches ?? Number.POSITIVE_INFINITY); i++) {
    const folded = await foldUsageBatch(store, now, batchSize);
    total += folded;
    if (folded < batchSize) break;
  }
  return total;
}

/**
 * Deletes raw events older than `before` (epoch ms) that are folded into the
 * rollups; an event not yet folded is never deleted, however old.
 */
export async function pruneUsageEvents(store: Store, before: number, batchSize = 5000): Promise<number> {
  let total = 0;
  for (;;) {
    const oldest = store.db
      .selectFrom('usage_events')
      .select('id')
      .where('created_at', '<', BigInt(before))
      .where('rolled_up_at', 'is not', null)
      .orderBy('created_at')
      .limit(batchSize);
    const result = await store.db.deleteFrom('usage_events').where('id', 'in', oldest).executeTakeFirst();
    const deleted = Number(result.numDeletedRows);
    total += deleted;
    if (deleted < batchSize) return total;
  }
}
