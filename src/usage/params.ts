import { TollgateError } from '../common/errors.js';
import { decodeCursor } from './cursor.js';

/**
 * Query parameters of the usage and costs reads, validated the way OpenAI's
 * admin API takes them: unix seconds, `bucket_width`, filters and `group_by`
 * as arrays in either the `key[]=a&key[]=b` form (openai-node) or repeated
 * `key=a&key=b`, `limit` buckets per page, `page` cursor.
 */

export type ReportKind = 'completions' | 'embeddings' | 'costs';
export type BucketWidth = '1m' | '1h' | '1d';
export type GroupField = 'project_id' | 'api_key_id' | 'model' | 'line_item' | 'end_user';

/** `group_by=metadata.<key>`: one metadata key's values as a dimension. */
const METADATA_GROUP = 'metadata.';
/** `metadata[<key>]=<value>` (repeatable: any of the values). */
const METADATA_FILTER = /^metadata\[(.{1,64})\]$/;

export const WIDTH_SECONDS: Record<BucketWidth, number> = { '1m': 60, '1h': 3600, '1d': 86_400 };

/** Default and largest `limit` (buckets per page) per width, as OpenAI documents them. */
const LIMITS: Record<ReportKind, Partial<Record<BucketWidth, { default: number; max: number }>>> = {
  completions: { '1d': { default: 7, max: 31 }, '1h': { default: 24, max: 168 }, '1m': { default: 60, max: 1440 } },
  embeddings: { '1d': { default: 7, max: 31 }, '1h': { default: 24, max: 168 }, '1m': { default: 60, max: 1440 } },
  costs: { '1d': { default: 7, max: 180 } },
};

const GROUPS: Record<ReportKind, readonly GroupField[]> = {
  completions: ['project_id', 'api_key_id', 'model', 'end_user'],
  embeddings: ['project_id', 'api_key_id', 'model', 'end_user'],
  costs: ['project_id', 'api_key_id', 'line_item', 'end_user'],
};

const ARRAYS: Record<ReportKind, readonly string[]> = {
  completions: ['project_ids', 'api_key_ids', 'models', 'end_users', 'group_by'],
  embeddings: ['project_ids', 'api_key_ids', 'models', 'end_users', 'group_by'],
  costs: ['project_ids', 'api_key_ids', 'models', 'end_users', 'group_by'],
};
const SCALARS = ['start_time', 'end_time', 'bucket_width', 'limit', 'page'];

export interface ReportQuery {
  kind: ReportKind;
  /** Requested range, unix seconds: [start, end). */
  start: number;
  end: number;
  width: BucketWidth;
  limit: number;
  projectIds: string[];
  apiKeyIds: string[];
  models: string[];
  groupBy: GroupField[];
  /** Only events whose `user` is one of these. */
  endUsers: string[];
  /** Only events whose metadata holds, for each key, one of its values. */
  metadata: { key: string; values: string[] }[];
  /** `group_by=metadata.<key>`: that key's value as a dimension (null: none). */
  metadataGroup: string | null;
  /** Start (unix s) of the first bucket of this page. */
  pageStart: number;
}

function invalid(param: string, message: string): TollgateError {
  return new TollgateError('invalid_value', { param, message });
}

/** Folds `key[]` and repeated `key` into one list per name; rejects unknown names. */
function normalize(raw: Record<string, unknown>, kind: ReportKind): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [rawKey, value] of Object.entries(raw)) {
    const key = rawKey.endsWith('[]') ? rawKey.slice(0, -2) : rawKey;
    if (!SCALARS.includes(key) && !ARRAYS[kind].includes(key) && !METADATA_FILTER.test(key)) {
      throw new TollgateError('unknown_parameter', { param: key, message: `Unknown parameter: '${key}'.` });
    }
    const values = (Array.isArray(value) ? value : [value]).map(String);
    out.set(key, [...(out.get(key) ?? []), ...values]);
  }
  return out;
}

function scalar(params: Map<string, string[]>, key: string): string | undefined {
  const values = params.get(key);
  if (!values) return undefined;
  if (values.length > 1) throw invalid(key, `Invalid '${key}': give it once, got ${values.length} values.`);
  return values[0];
}

function unixSeconds(params: Map<string, string[]>, key: string): number | undefined {
  const text = scalar(params, key);
  if (text === undefined) return undefined;
  if (!/^\d{1,11}$/.test(text)) throw new TollgateError('invalid_type', { param: key, message: `Invalid '${key}': expected unix seconds (a whole number), got '${text.slice(0, 40)}'.` });
  return Number(text);
}

function list(params: Map<string, string[]>, key: string): string[] {
  const values = params.get(key) ?? [];
  for (const v of values) if (v === '' || v.length > 200) throw invalid(key, `Invalid '${key}': values must be non-empty ids of at most 200 characters.`);
  return [...new Set(values)];
}

/** Parses and checks a usage or costs query; `now` (ms) is the default end. */
export function parseReportQuery(kind: ReportKind, raw: Record<string, unknown>, now: number): ReportQuery {
  const params = normalize(raw ?? {}, kind);
  const start = unixSeconds(params, 'start_time');
  if (start === undefined) throw new TollgateError('missing_required_parameter', { param: 'start_time', message: "Missing required parameter: 'start_time'." });
  const widthText = scalar(params, 'bucket_width') ?? '1d';
  const limits = LIMITS[kind][widthText as BucketWidth];
  if (!limits) {
    const allowed = Object.keys(LIMITS[kind]).map((w) => `'${w}'`).join(', ');
    throw invalid('bucket_width', `Invalid value for 'bucket_width': '${widthText.slice(0, 20)}'. Supported values are: ${allowed}.`);
  }
  const width = widthText as BucketWidth;
  const endGiven = unixSeconds(params, 'end_time');
  const limitText = scalar(params, 'limit');
  let limit = limits.default;
  if (limitText !== undefined) {
    if (!/^\d{1,6}$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > limits.max) {
      throw invalid('limit', `Invalid 'limit': expected a whole number from 1 to ${limits.max} for bucket_width '${width}', got '${limitText.slice(0, 20)}'.`);
    }
    limit = Number(limitText);
  }
  const requested = list(params, 'group_by');
  const metadataGroups = requested.filter((g) => g.startsWith(METADATA_GROUP));
  if (metadataGroups.length > 1) throw invalid('group_by', "Invalid 'group_by': group by at most one metadata key.");
  const metadataGroup = metadataGroups[0]?.slice(METADATA_GROUP.length) ?? null;
  if (metadataGroup !== null && (metadataGroup === '' || metadataGroup.length > 64)) throw invalid('group_by', "Invalid 'group_by': 'metadata.<key>' takes a key of 1 to 64 characters.");
  const groupBy = requested.filter((g) => !g.startsWith(METADATA_GROUP));
  for (const g of groupBy) {
    if (!GROUPS[kind].includes(g as GroupField)) {
      throw invalid('group_by', `Invalid value for 'group_by': '${g.slice(0, 40)}'. Supported values are: ${GROUPS[kind].map((v) => `'${v}'`).join(', ')}, 'metadata.<key>'.`);
    }
  }
  const page = scalar(params, 'page');
  const cursor = page !== undefined ? decodeCursor(page) : undefined;
  // A cursor carries the end of the first request, so `now` moving on does not shift later pages.
  const end = endGiven ?? cursor?.end ?? Math.ceil(now / 1000);
  if (end <= start) {
    if (endGiven === undefined) throw invalid('start_time', `Invalid 'start_time': ${start} is not in the past (end_time defaults to now, ${end}).`);
    throw invalid('end_time', `Invalid 'end_time': it must be after start_time (${start}), got ${end}.`);
  }
  const pageStart = cursor?.next ?? start;
  if (pageStart < start || pageStart >= end) throw invalid('page', 'Invalid \'page\': the cursor does not belong to this start_time/end_time range.');
  return {
    kind,
    start,
    end,
    width,
    limit,
    projectIds: list(params, 'project_ids'),
    apiKeyIds: list(params, 'api_key_ids'),
    models: list(params, 'models'),
    groupBy: groupBy as GroupField[],
    endUsers: list(params, 'end_users'),
    metadata: [...params.keys()].flatMap((key) => {
      const match = METADATA_FILTER.exec(key);
      return match ? [{ key: match[1]!, values: list(params, key) }] : [];
    }),
    metadataGroup,
    pageStart,
  };
}
