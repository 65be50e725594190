import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { createColumnHelper } from '@tanstack/react-table';
import { api, unwrap } from '../../api/client';
import type { AuditEntry } from '../../api/types';
import { DataTable } from '../../components/data-table';
import { ErrorNote, Loading, PageHeader } from '../../components/ui';
import { formatDateTime } from '../../lib/time';
import { useCursorPages } from '../../lib/use-cursor-pages';

const column = createColumnHelper<AuditEntry>();
const actorOf = (e: AuditEntry): string => {
  const actor = e.actor as { type: string; id?: string; api_key?: { id: string } };
  return actor.api_key ? `API key ${actor.api_key.id}` : `${actor.type}${actor.id ? ` ${actor.id}` : ''}`;
};
const columns = [
  column.accessor('effective_at', { header: 'Time', cell: (c) => formatDateTime(c.getValue()) }),
  column.accessor('type', { header: 'Event' }),
  column.display({ id: 'actor', header: 'Actor', cell: (c) => actorOf(c.row.original) }),
  column.display({ id: 'ip', header: 'From', cell: (c) => c.row.original.actor.ip_address ?? '—' }),
  column.display({ id: 'project', header: 'Project', cell: (c) => c.row.original.project?.id ?? '—' }),
  column.display({ id: 'resource', header: 'Resource', cell: (c) => <code>{String((c.row.original[c.row.original.type] as { id?: string } | undefined)?.id ?? '')}</code> }),
];

export function AuditPage() {
  const pages = useCursorPages();
  const list = useQuery({
    queryKey: ['audit', pages.after],
    placeholderData: keepPreviousData,
    queryFn: () => unwrap(api.GET('/v1/organization/audit_logs', { params: { query: { limit: 25, ...(pages.after ? { after: pages.after } : {}) } } })),
  });
  return (
    <>
      <PageHeader title="Audit log" description="Every change to projects, keys, limits and billing: who, from where and what, newest first." />
      <ErrorNote error={list.error} />
      {list.isLoading ? <Loading what="the audit log" /> : <DataTable caption="Audit log" columns={columns} rows={list.data?.data ?? []} rowKey={(e) => e.id} pager={pages.pager(list.data)} />}
    </>
  );
}
