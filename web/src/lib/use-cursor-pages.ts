import { useState } from 'react';
import type { CursorPager } from '../components/data-table';

/** Cursor pagination state: the `after` of every page visited, so "Previous page" goes back exactly. */
export function useCursorPages(): { after: string | undefined; pager(page: { has_more: boolean; last_id: string | null } | undefined): CursorPager; reset(): void } {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const index = cursors.length - 1;
  return {
    after: cursors[index],
    reset: () => setCursors([undefined]),
    pager: (page) => ({
      pageIndex: index,
      hasMore: page?.has_more ?? false,
      next: () => page?.last_id && setCursors((c) => [...c, page.last_id!]),
      previous: () => setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c)),
    }),
  };
}
