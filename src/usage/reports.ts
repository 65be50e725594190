import type { Kysely } from 'kysely';
import { picosToUsdNumber } from '../common/money.js';
import { exactUsd } from '../pricing/index.js';
import type { Database } from '../store/index.js';
import { aggregateUsage, usesAttribution, type AggregateGroup, type AggregateRow } from './aggregate.js';
import { encodeCursor } from './cursor.js';
import { WIDTH_SECONDS, type ReportKind, type ReportQuery } from './params.js';

/**
 * The usage and costs reads in OpenAI's page shape, shared by the admin API
 * and `tollgate usage --data-dir`. Buckets sit on the UTC grid of their width
 * (whole minutes, hours, days since the epoch); a bucket's start_time and
 * end_time are that cell clipped to the requested [start_time, end_time), so
 * they say exactly which events were counted. Empty buckets are listed with
 * no results, as OpenAI lists them.
 */

/** Which endpoints each report counts. */
export const REPORT_ENDPOINTS: Record<ReportKind, readonly string[] | null> = {
  completions: ['chat.completions', 'completions', 'responses'],
  embeddings: ['embeddings'],
  costs: null,
};

export interface Bucket<R> {
  object: 'bucket';
  start_time: number;
  end_time: number;
  results: R[];
}

export interface Page<R> {
  object: 'page';
  data: Bucket<R>[];
  has_more: boolean;
  next_page: string | null;
}

const n = (v: bigint): number => Number(v);

function completionsResult(row: AggregateRow) {
  return {
    object: 'organization.usage.completions.result' as const,
    input_tokens: n(row.promptTokens),
    output_tokens: n(row.completionTokens),
    input_cached_tokens: n(row.cachedTokens),
    input_cache_write_tokens: n(row.cacheWriteTokens),
    input_uncached_tokens: n(row.promptTokens - row.cachedTokens - row.cacheWriteTokens),
    input_audio_tokens: 0,
    output_audio_tokens: 0,
    output_reasoning_tokens: n(row.reasoningTokens),
    num_model_requests: n(row.events - row.failedEvents),
    project_id: row.projectId,
    user_id: null,
    api_key_id: row.apiKeyId,
    model: row.model,
    batch: null,
    service_tier: null,
  };
}

function embeddingsResult(row: AggregateRow) {
  return {
    object: 'organization.usage.embeddings.result' as const,
    input_tokens: n(row.promptTokens),
    num_model_requests: n(row.events - row.failedEvents),
    project_id: row.projectId,
    user_id: null,
    api_key_id: row.apiKeyId,
    model: row.model,
  };
}

function costsResult(row: AggregateRow) {
  return {
    object: 'organization.costs.result' as const,
    // value is a float for OpenAI's clients; value_exact is the exact decimal of the picodollar sum.
    amount: { value: picosToUsdNumber(row.costPicos), currency: 'usd', value_exact: exactUsd(row.costPicos) },
    line_item: row.model,
    project_id: row.projectId,
    api_key_id: row.apiKeyId,
  };
}

export type CompletionsResult = ReturnType<typeof completionsResult>;
export type EmbeddingsResult = ReturnType<typeof embeddingsResult>;
export type CostsResult = ReturnType<typeof costsResult>;

const SHAPERS = { completions: completionsResult, embeddings: embeddingsResult, costs: costsResult };

/** Costs group line items by model (a Tollgate line item is the model's usage). */
function aggregateGroups(query: ReportQuery): AggregateGroup[] {
  return query.groupBy.map((g) => (g === 'line_item' ? 'model' : g));
}

export async function readReport(db: Kysely<Database>, organizationId: string, query: ReportQuery): Promise<Page<unknown>> {
  const width = WIDTH_SECONDS[query.width];
  const firstCell = Math.floor(query.pageStart / width) * width;
  const pageEnd = Math.min(query.end, firstCell + query.limit * width);
  const rows = await aggregateUsage(db, {
    organizationId,
    endpoints: REPORT_ENDPOINTS[query.kind],
    from: query.pageStart * 1000,
    to: pageEnd * 1000,
    origin: firstCell * 1000,
    width: width * 1000,
    // Rollups keep no attribution: a read by end user or metadata counts raw events (metering.retention_days).
    useRollups: query.width !== '1m' && !usesAttribution({ ...query, groupBy: aggregateGroups(query) }),
    projectIds: query.projectIds,
    apiKeyIds: query.apiKeyIds,
    models: query.models,
    groupBy: aggregateGroups(query),
    endUsers: query.endUsers,
    metadata: query.metadata,
    metadataGroup: query.metadataGroup,
  });
  const shapeOf = SHAPERS[query.kind];
  const byEndUser = query.groupBy.includes('end_user');
  // Attribution dimensions appear on a result only when grouped by, beside OpenAI's fields.
  const shape = (row: AggregateRow) => ({
    ...shapeOf(row),
    ...(byEndUser ? { end_user: row.endUser } : {}),
    ...(query.metadataGroup !== null ? { metadata: { [query.metadataGroup]: row.metadataValue } } : {}),
  });
  const data: Bucket<unknown>[] = [];
  for (let cell = firstCell, i = 0; cell < pageEnd; cell += width, i++) {
    data.push({ object: 'bucket', start_time: Math.max(cell, query.start), end_time: Math.min(cell + width, query.end), results: [] });
  }
  for (const row of rows) data[row.bucket]!.results.push(shape(row));
  const hasMore = pageEnd < query.end;
  return { object: 'page', data, has_more: hasMore, next_page: hasMore ? encodeCursor({ next: pageEnd, end: query.end }) : null };
}
