import type { Kysely } from 'kysely';
import { z } from 'zod';
import { picosToUsdNumber } from '../common/money.js';
import { TollgateError } from '../common/errors.js';
import { parseRequest } from '../contract/index.js';
import { exactUsd } from '../pricing/index.js';
import type { Database } from '../store/index.js';

/**
 * The request log: one row per metered request, newest first, filtered by
 * time, project, key, model and status, paged by keyset (`after` = the last
 * id of the previous page). Every page is one range scan of the
 * (organization_id, created_at) index, however many events the store holds.
 */

const FILTERS = ['project_ids', 'api_key_ids', 'models', 'statuses'] as const;
const ids = z.array(z.string().min(1).max(200)).max(100);

export const requestLogQuery = z
  .object({
    start_time: z.coerce.number().int().min(0).optional(),
    end_time: z.coerce.number().int().min(0).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    after: z.string().max(200).optional(),
    project_ids: ids.optional(),
    api_key_ids: ids.optional(),
    models: ids.optional(),
    statuses: z.array(z.enum(['ok', 'error', 'aborted'])).max(3).optional(),
  })
  .strict();
export type RequestLogQuery = z.infer<typeof requestLogQuery>;
export const REQUEST_LOG_ARRAYS = FILTERS;

/** `key[]=a&key[]=b`, `key=a&key=b` and `key=a,b` all mean the list [a, b]. */
export function parseRequestLogQuery(raw: Record<string, unknown>): RequestLogQuery {
  const folded: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw)) {
    const key = name.endsWith('[]') ? name.slice(0, -2) : name;
    if ((FILTERS as readonly string[]).includes(key)) {
      const list = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(',')).filter(Boolean);
      folded[key] = [...((folded[key] as string[] | undefined) ?? []), ...list];
    } else folded[key] = Array.isArray(value) ? value.at(-1) : value;
  }
  return parseRequest(requestLogQuery, folded);
}

export interface RequestLogPage {
  object: 'list';
  data: ReturnType<typeof requestObject>[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

type EventRow = {
  id: string;
  request_id: string;
  project_id: string | null;
  api_key_id: string | null;
  endpoint: string;
  model: string;
  prompt_tokens: bigint | number;
  cached_tokens: bigint | number;
  completion_tokens: bigint | number;
  reasoning_tokens: bigint | number;
  cost_picos: bigint | number;
  usage_estimated: bigint | number;
  latency_ms: bigint | number;
  ttft_ms: bigint | number | null;
  status: string;
  http_status: bigint | number;
  error_code: string | null;
  created_at: bigint | number;
  end_user: string | null;
  metadata: string | null;
};

function requestObject(row: EventRow) {
  const cost = BigInt(row.cost_picos);
  const n = (v: bigint | number) => Number(v);
  return {
    object: 'organization.usage.request' as const,
    id: row.id,
    request_id: row.request_id,
    created_at: Math.floor(n(row.created_at) / 1000),
    created_at_ms: n(row.created_at),
    project_id: row.project_id,
    api_key_id: row.api_key_id,
    endpoint: row.endpoint,
    model: row.model,
    input_tokens: n(row.prompt_tokens),
    input_cached_tokens: n(row.cached_tokens),
    output_tokens: n(row.completion_tokens),
    output_reasoning_tokens: n(row.reasoning_tokens),
    usage_estimated: n(row.usage_estimated) === 1,
    cost: { value: picosToUsdNumber(cost), currency: 'usd' as const, value_exact: exactUsd(cost) },
    latency_ms: n(row.latency_ms),
    ttft_ms: row.ttft_ms === null ? null : n(row.ttft_ms),
    status: row.status,
    http_status: n(row.http_status),
    error_code: row.error_code,
    end_user: row.end_user,
    metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as Record<string, string>),
  };
}

export async function readRequestLog(db: Kysely<Database>, organizationId: string, query: RequestLogQuery): Promise<RequestLogPage> {
  let q = db
    .selectFrom('usage_events')
    .select(['id', 'request_id', 'project_id', 'api_key_id', 'endpoint', 'model', 'prompt_tokens', 'cached_tokens', 'completion_tokens', 'reasoning_tokens', 'cost_picos', 'usage_estimated', 'latency_ms', 'ttft_ms', 'status', 'http_status', 'error_code', 'created_at', 'end_user', 'metadata'])
    .where('organization_id', '=', organizationId);
  if (query.start_time !== undefined) q = q.where('created_at', '>=', BigInt(query.start_time) * 1000n);
  if (query.end_time !== undefined) q = q.where('created_at', '<', BigInt(query.end_time) * 1000n);
  if (query.after !== undefined) {
    const anchor = await db.selectFrom('usage_events').select('created_at').where('id', '=', query.after).where('organization_id', '=', organizationId).executeTakeFirst();
    if (!anchor) throw new TollgateError('invalid_value', { param: 'after', message: "Invalid 'after': not the id of a request in this organization's log." });
    const at = BigInt(anchor.created_at);
    // Keyset: strictly older than the anchor, ties on the millisecond broken by id. Bounds are
    // BigInt so SQLite compares integers (a JS number binds as REAL).
    q = q.where((eb) => eb.or([eb('created_at', '<', at), eb.and([eb('created_at', '=', at), eb('id', '<', query.after!)])])).where('created_at', '<=', at);
  }
  if (query.project_ids?.length) q = q.where('project_id', 'in', query.project_ids);
  if (query.api_key_ids?.length) q = q.where('api_key_id', 'in', query.api_key_ids);
  if (query.models?.length) q = q.where('model', 'in', query.models);
  if (query.statuses?.length) q = q.where('status', 'in', query.statuses);
  const rows = (await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit + 1).execute()) as EventRow[];
  const data = rows.slice(0, query.limit).map(requestObject);
  return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: rows.length > query.limit };
}
