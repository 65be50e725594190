import type { SelectQueryBuilder } from 'kysely';

/** OpenAI's list envelope. */
export interface ListPage<T> {
  object: 'list';
  data: T[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

export interface PageQuery {
  limit: number;
  after?: string | undefined;
  before?: string | undefined;
  /** asc: oldest first (projects, keys); desc: newest first (audit log). Ids sort by time. */
  order?: 'asc' | 'desc';
}

/**
 * Cursor pagination over time-sortable ids: one row more than asked tells
 * `has_more`. `after` continues in list order, `before` goes back.
 */
export async function paginate<DB, TB extends keyof DB, Row extends { id: string }>(
  query: SelectQueryBuilder<DB, TB, Row>,
  idColumn: string,
  page: PageQuery,
): Promise<{ rows: Row[]; hasMore: boolean }> {
  const asc = (page.order ?? 'asc') === 'asc';
  let q = query as SelectQueryBuilder<any, any, Row>;
  if (page.after) q = q.where(idColumn, asc ? '>' : '<', page.after);
  if (page.before) q = q.where(idColumn, asc ? '<' : '>', page.before);
  const rows = await q.orderBy(idColumn, asc ? 'asc' : 'desc').limit(page.limit + 1).execute();
  return { rows: rows.slice(0, page.limit), hasMore: rows.length > page.limit };
}

export function listPage<T extends { id?: unknown }>(data: T[], hasMore: boolean): ListPage<T> {
  const idOf = (item: T | undefined) => (item === undefined ? null : String(item.id));
  return { object: 'list', data, first_id: idOf(data[0]), last_id: idOf(data[data.length - 1]), has_more: hasMore };
}
