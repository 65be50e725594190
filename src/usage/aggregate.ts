import { PostgresAdapter, sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../store/index.js';
import { toBigInt } from '../store/index.js';

/**
 * Sums of usage per time bucket (and optional groups), in one SQL statement
 * that means the same on SQLite and PostgreSQL: the bucket of an event is
 * `(created_at - origin) / width` in BIGINT integer division (both dialects
 * truncate, and the operands are never negative).
 *
 * With rollups, UTC days that lie wholly inside the range (when the buckets
 * are whole days from midnight) are read from usage_rollups_daily, the other
 * whole hours from usage_rollups_hourly, plus the events of all those hours
 * not yet folded in; the partial hours at either end come from the raw events.
 * A fold adds an event to its hour and its day at once, and the day rows and
 * hour rows read cover disjoint times. A fold moves an
 * event from "not folded" to its hour's sums in one transaction, and the
 * UNION ALL below runs as one statement (one snapshot), so every event is
 * counted exactly once however reads and folds interleave.
 */

export type AggregateGroup = 'project_id' | 'api_key_id' | 'model' | 'end_user';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export interface AggregateRequest {
  organizationId: string;
  /** Endpoints counted; null = all. */
  endpoints: readonly string[] | null;
  /** Range in epoch ms, [from, to). */
  from: number;
  to: number;
  /** Bucket grid: bucket i covers [origin + i*width, origin + (i+1)*width). */
  origin: number;
  width: number;
  /** Whole hours may come from the hourly rollups (width must be a multiple of an hour, origin hour-aligned). */
  useRollups: boolean;
  projectIds: readonly string[];
  apiKeyIds: readonly string[];
  models: readonly string[];
  groupBy: readonly AggregateGroup[];
  /** Attribution filters and the metadata key grouped by: raw events only (rollups do not keep them). */
  endUsers?: readonly string[];
  metadata?: readonly { key: string; values: readonly string[] }[];
  metadataGroup?: string | null;
}

export interface AggregateRow {
  bucket: number;
  projectId: string | null;
  apiKeyId: string | null;
  model: string | null;
  endUser: string | null;
  /** The grouped metadata key's value (null: not grouped, or the event did not set it). */
  metadataValue: string | null;
  events: bigint;
  failedEvents: bigint;
  promptTokens: bigint;
  cachedTokens: bigint;
  cacheWriteTokens: bigint;
  completionTokens: bigint;
  reasoningTokens: bigint;
  costPicos: bigint;
}

const SUMS = ['events', 'failed_events', 'prompt_tokens', 'cached_tokens', 'cache_write_tokens', 'completion_tokens', 'reasoning_tokens', 'cost_picos'] as const;

/** A number bound as BIGINT on both dialects (better-sqlite3 binds JS numbers as REAL). */
const int = (n: number): RawBuilder<number> => sql<number>`cast(${n} as bigint)`;

/**
 * One metadata key's value of an event, on either dialect: the key is a bound
 * parameter, so any key is safe; an event without metadata or the key gives null.
 */
function metadataValue(postgres: boolean, key: string): RawBuilder<unknown> {
  return postgres ? sql`(cast(metadata as jsonb) ->> ${key})` : sql`(select value from json_each(metadata) where key = ${key})`;
}

function attributionFilters(req: AggregateRequest, postgres: boolean): RawBuilder<unknown>[] {
  const out: RawBuilder<unknown>[] = [];
  if (req.endUsers?.length) out.push(sql`end_user in (${sql.join(req.endUsers)})`);
  for (const { key, values } of req.metadata ?? []) out.push(sql`${metadataValue(postgres, key)} in (${sql.join(values)})`);
  return out;
}

function filters(req: AggregateRequest, nullable: boolean): RawBuilder<unknown>[] {
  const out: RawBuilder<unknown>[] = [];
  const col = (name: string) => (nullable ? sql`coalesce(${sql.ref(name)}, '')` : sql.ref(name));
  if (req.endpoints) out.push(sql`endpoint in (${sql.join(req.endpoints)})`);
  if (req.projectIds.length > 0) out.push(sql`${col('project_id')} in (${sql.join(req.projectIds)})`);
  if (req.apiKeyIds.length > 0) out.push(sql`${col('api_key_id')} in (${sql.join(req.apiKeyIds)})`);
  if (req.models.length > 0) out.push(sql`model in (${sql.join(req.models)})`);
  return out;
}

const and = (parts: RawBuilder<unknown>[]) => sql.join(parts, sql` and `);

function rawSelect(req: AggregateRequest, range: RawBuilder<unknown>[], postgres: boolean): RawBuilder<unknown> {
  const where = [sql`organization_id = ${req.organizationId}`, ...range, ...filters(req, true), ...attributionFilters(req, postgres)];
  const grouped = req.metadataGroup ? sql`coalesce(${metadataValue(postgres, req.metadataGroup)}, '')` : sql`''`;
  return sql`select (created_at - ${int(req.origin)}) / ${int(req.width)} as bucket,
      coalesce(project_id, '') as project_id, coalesce(api_key_id, '') as api_key_id, model,
      coalesce(end_user, '') as end_user, ${grouped} as metadata_value,
      cast(1 as bigint) as events, cast(case when status = 'error' then 1 else 0 end as bigint) as failed_events,
      prompt_tokens, cached_tokens, cache_write_tokens, completion_tokens, reasoning_tokens, cost_picos
    from usage_events where ${and(where)}`;
}

/**
 * The raw events a read needs: every event of the partial hours at either end,
 * and only the not-yet-folded events of the whole hours. Three selects rather
 * than one OR, so each is a narrow index range: the ends on the organization's
 * time index, the unfolded ones on the partial index of unfolded events. (One
 * predicate `rolled_up_at is null or created_at outside the whole hours` made
 * both dialects walk every event of the range: seconds for a month of a busy
 * organization.)
 */
function rawParts(req: AggregateRequest, fullFrom: number, fullTo: number, postgres: boolean): RawBuilder<unknown>[] {
  const between = (from: number, to: number) => [sql`created_at >= ${int(from)}`, sql`created_at < ${int(to)}`];
  if (fullFrom >= fullTo) return [rawSelect(req, between(req.from, req.to), postgres)];
  return [
    ...(req.from < fullFrom ? [rawSelect(req, between(req.from, fullFrom), postgres)] : []),
    rawSelect(req, [sql`rolled_up_at is null`, ...between(fullFrom, fullTo)], postgres),
    ...(fullTo < req.to ? [rawSelect(req, between(fullTo, req.to), postgres)] : []),
  ];
}

function rollupPart(req: AggregateRequest, table: 'usage_rollups_hourly' | 'usage_rollups_daily', from: number, to: number): RawBuilder<unknown> {
  const start = sql.ref(table === 'usage_rollups_daily' ? 'day_start' : 'hour_start');
  const where = [sql`organization_id = ${req.organizationId}`, sql`${start} >= ${int(from)}`, sql`${start} < ${int(to)}`, ...filters(req, false)];
  return sql`select (${start} - ${int(req.origin)}) / ${int(req.width)} as bucket,
      project_id, api_key_id, model, '' as end_user, '' as metadata_value, ${sql.raw(SUMS.join(', '))}
    from ${sql.table(table)} where ${and(where)}`;
}

/**
 * The folded sums of the whole hours [fullFrom, fullTo): whole UTC days from
 * the daily rows when the buckets are whole days from midnight (a day then
 * never straddles two buckets), the hours around them from the hourly rows.
 */
function rollupParts(req: AggregateRequest, fullFrom: number, fullTo: number): RawBuilder<unknown>[] {
  if (fullFrom >= fullTo) return [];
  const dayFrom = Math.ceil(fullFrom / DAY_MS) * DAY_MS;
  const dayTo = Math.floor(fullTo / DAY_MS) * DAY_MS;
  if (req.width % DAY_MS !== 0 || req.origin % DAY_MS !== 0 || dayFrom >= dayTo) return [rollupPart(req, 'usage_rollups_hourly', fullFrom, fullTo)];
  return [
    ...(fullFrom < dayFrom ? [rollupPart(req, 'usage_rollups_hourly', fullFrom, dayFrom)] : []),
    rollupPart(req, 'usage_rollups_daily', dayFrom, dayTo),
    ...(dayTo < fullTo ? [rollupPart(req, 'usage_rollups_hourly', dayTo, fullTo)] : []),
  ];
}

/** The whole hours inside [from, to) that rollups may answer; empty (from, from) when none. */
function wholeHours(req: AggregateRequest): { fullFrom: number; fullTo: number } {
  const fullFrom = Math.ceil(req.from / HOUR_MS) * HOUR_MS;
  const fullTo = Math.floor(req.to / HOUR_MS) * HOUR_MS;
  if (!req.useRollups || fullFrom >= fullTo) return { fullFrom: req.from, fullTo: req.from };
  return { fullFrom, fullTo };
}

/** Whether a read filters or groups by attribution, which only raw events hold. */
export function usesAttribution(req: Pick<AggregateRequest, 'endUsers' | 'metadata' | 'metadataGroup' | 'groupBy'>): boolean {
  return Boolean(req.endUsers?.length || req.metadata?.length || req.metadataGroup || req.groupBy.includes('end_user'));
}

export async function aggregateUsage(db: Kysely<Database>, req: AggregateRequest): Promise<AggregateRow[]> {
  if (req.useRollups && (req.width % HOUR_MS !== 0 || req.origin % HOUR_MS !== 0)) throw new Error('rollups need an hour-aligned bucket grid');
  if (req.useRollups && usesAttribution(req)) throw new Error('rollups do not keep attribution: read raw events');
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const { fullFrom, fullTo } = wholeHours(req);
  const parts = [...rawParts(req, fullFrom, fullTo, postgres), ...rollupParts(req, fullFrom, fullTo)];
  const source = sql.join(parts, sql` union all `);
  const groupRefs = [...req.groupBy, ...(req.metadataGroup ? ['metadata_value'] : [])].map((g) => sql.ref(g));
  const keys = [sql.ref('bucket'), ...groupRefs];
  const sums = sql.raw(SUMS.map((s) => `sum(${s}) as ${s}`).join(', '));
  const groupCols = groupRefs.length > 0 ? sql`, ${sql.join(groupRefs)}` : sql``;
  const result = await sql<Record<string, unknown>>`select bucket${groupCols}, ${sums} from (${source}) u
    group by ${sql.join(keys)} order by ${sql.join(keys)}`.execute(db);
  const text = (row: Record<string, unknown>, g: AggregateGroup) => (req.groupBy.includes(g) && row[g] !== '' ? (row[g] as string) : null);
  return result.rows.map((row) => ({
    bucket: Number(row.bucket),
    projectId: text(row, 'project_id'),
    apiKeyId: text(row, 'api_key_id'),
    model: text(row, 'model'),
    endUser: text(row, 'end_user'),
    metadataValue: req.metadataGroup && row.metadata_value !== '' ? (row.metadata_value as string) : null,
    events: toBigInt(row.events as bigint),
    failedEvents: toBigInt(row.failed_events as bigint),
    promptTokens: toBigInt(row.prompt_tokens as bigint),
    cachedTokens: toBigInt(row.cached_tokens as bigint),
    cacheWriteTokens: toBigInt(row.cache_write_tokens as bigint),
    completionTokens: toBigInt(row.completion_tokens as bigint),
    reasoningTokens: toBigInt(row.reasoning_tokens as bigint),
    costPicos: toBigInt(row.cost_picos as bigint),
  }));
}
