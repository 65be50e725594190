import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { createColumnHelper } from '@tanstack/react-table';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import type { RequestLogEntry } from '../../api/types';
import { DataTable } from '../../components/data-table';
import { ErrorNote, SelectField, TextField } from '../../components/ui';
import { formatUsdText } from '../../lib/money';
import { useCursorPages } from '../../lib/use-cursor-pages';

const column = createColumnHelper<RequestLogEntry>();
const time = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' });
const columns = [
  column.accessor('created_at_ms', { header: 'Time', cell: (c) => time.format(new Date(c.getValue())) }),
  column.accessor('api_key_id', { header: 'Key', cell: (c) => <code>{c.getValue() ?? '—'}</code> }),
  column.accessor('model', { header: 'Model' }),
  column.display({ id: 'tokens', header: 'Tokens (in / out)', cell: (c) => `${c.row.original.input_tokens.toLocaleString('en-US')} / ${c.row.original.output_tokens.toLocaleString('en-US')}` }),
  column.display({ id: 'cost', header: 'Cost', cell: (c) => formatUsdText(c.row.original.cost.value_exact) }),
  column.accessor('latency_ms', { header: 'Latency', cell: (c) => `${c.getValue().toLocaleString('en-US')} ms` }),
  column.display({ id: 'status', header: 'Status', cell: (c) => `${c.row.original.status} (${c.row.original.http_status})` }),
];

/** Every metered request in the range, newest first, one server page at a time. */
export function RequestLog({ start, end }: { start: number; end: number }) {
  const [model, setModel] = useState('');
  const [key, setKey] = useState('');
  const [status, setStatus] = useState<'' | 'ok' | 'error' | 'aborted'>('');
  const pages = useCursorPages();
  const filters = { start_time: start, end_time: end, limit: 25, ...(model.trim() ? { 'models[]': [model.trim()] } : {}), ...(key.trim() ? { 'api_key_ids[]': [key.trim()] } : {}), ...(status ? { 'statuses[]': [status] } : {}) };
  const log = useQuery({
    queryKey: ['request-log', filters, pages.after],
    placeholderData: keepPreviousData,
    queryFn: () => unwrap(api.GET('/v1/organization/usage/requests', { params: { query: { ...filters, ...(pages.after ? { after: pages.after } : {}) } } })),
  });
  const refilter = <T,>(set: (v: T) => void) => (v: T) => {
    set(v);
    pages.reset();
  };
  return (
    <>
      <div className="filters">
        <TextField label="Model" value={model} onChange={(e) => refilter(setModel)(e.target.value)} placeholder="Any model" />
        <TextField label="Key ID" value={key} onChange={(e) => refilter(setKey)(e.target.value)} placeholder="Any key" />
        <SelectField label="Status" value={status} onChange={(e) => refilter(setStatus)(e.target.value as typeof status)}>
          <option value="">Any</option>
          <option value="ok">OK</option>
          <option value="error">Error</option>
          <option value="aborted">Aborted</option>
        </SelectField>
      </div>
      <ErrorNote error={log.error} />
      <DataTable caption="Requests" columns={columns} rows={log.data?.data ?? []} rowKey={(r) => r.id} pager={pages.pager(log.data)} empty="No requests match." />
    </>
  );
}
