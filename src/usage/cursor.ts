import { TollgateError } from '../common/errors.js';

/**
 * The `page` cursor of usage and costs reads: the start of the next page's
 * first bucket and the range end fixed by the first request (when end_time was
 * left to default to now), both unix seconds. Opaque to clients.
 */
export interface Cursor {
  next: number;
  end: number;
}

export function encodeCursor(cursor: Cursor): string {
  return `page_${Buffer.from(`v1:${cursor.next}:${cursor.end}`).toString('base64url')}`;
}

export function decodeCursor(page: string): Cursor {
  const match = /^page_([A-Za-z0-9_-]{1,64})$/.exec(page);
  const fields = match ? /^v1:(\d{1,11}):(\d{1,11})$/.exec(Buffer.from(match[1]!, 'base64url').toString('utf8')) : null;
  if (!fields) throw new TollgateError('invalid_value', { param: 'page', message: "Invalid 'page': not a cursor returned as next_page by this endpoint." });
  return { next: Number(fields[1]), end: Number(fields[2]) };
}
