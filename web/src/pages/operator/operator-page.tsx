import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { createColumnHelper } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { api, unwrap } from '../../api/client';
import { DataTable } from '../../components/data-table';
import { Button, ErrorNote, Loading, PageHeader } from '../../components/ui';
import { formatDate } from '../../lib/time';
import { useCursorPages } from '../../lib/use-cursor-pages';
import { GrantCreditDialog } from './grant-credit';

/** An organization as GET /v1/operator/organizations lists it. */
interface OperatorOrganization {
  id: string;
  name: string;
  status: string;
  created_at: number;
  members: number;
  owners: string[];
}

const column = createColumnHelper<OperatorOrganization>();

/** The operator's console: every organization of this Tollgate, and credit for them. */
export function OperatorPage() {
  const pages = useCursorPages();
  const [granting, setGranting] = useState<OperatorOrganization | null>(null);
  const list = useQuery({
    queryKey: ['operator', 'organizations', pages.after],
    placeholderData: keepPreviousData,
    queryFn: () => unwrap(api.GET('/v1/operator/organizations', { params: { query: { limit: 20, ...(pages.after ? { after: pages.after } : {}) } } })),
  });
  const columns = useMemo(
    () => [
      column.accessor('name', { header: 'Organization' }),
      column.accessor('id', { header: 'ID', cell: (c) => <code>{c.getValue()}</code> }),
      column.accessor('status', { header: 'Status' }),
      column.accessor('members', { header: 'Members' }),
      column.accessor('owners', { header: 'Owners', cell: (c) => c.getValue().join(', ') || '—' }),
      column.accessor('created_at', { header: 'Created', cell: (c) => formatDate(c.getValue()) }),
      column.display({
        id: 'actions',
        header: 'Actions',
        cell: (c) => (
          <Button variant="ghost" aria-label={`Grant credit to ${c.row.original.name}`} onClick={() => setGranting(c.row.original)}>
            Grant credit
          </Button>
        ),
      }),
    ],
    [],
  );
  const rows = (list.data?.data ?? []) as unknown as OperatorOrganization[];
  return (
    <>
      <PageHeader title="Operator" description="Every organization of this Tollgate. Only the operator sees this page." />
      <ErrorNote error={list.error} />
      {list.isLoading ? (
        <Loading what="organizations" />
      ) : (
        <DataTable caption="Organizations" columns={columns} rows={rows} rowKey={(o) => o.id} pager={pages.pager(list.data as { has_more: boolean; last_id: string | null } | undefined)} empty="No organizations." />
      )}
      <GrantCreditDialog organization={granting} onClose={() => setGranting(null)} />
    </>
  );
}
