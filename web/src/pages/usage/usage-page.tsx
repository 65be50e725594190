import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api, unwrap } from '../../api/client';
import { Button, ErrorNote, Loading, PageHeader, SelectField, Section, TableFrame, TextField } from '../../components/ui';
import { formatUsd } from '../../lib/money';
import { dayStart, utcDay } from '../../lib/time';
import { RequestLog } from './request-log';
import { daysOf, toCsv, type GroupBy } from './usage-data';

const PALETTE = ['#10a37f', '#5b7cfa', '#e5883d', '#c054c8', '#3aa6c9', '#d9534f', '#8a9a2b', '#7a5af8'];
const DAY = 86_400;

/** Every page of a report for the range (a page holds at most 31 daily buckets for usage, 180 for costs). */
async function allPages<T extends { data: unknown[]; has_more: boolean; next_page: string | null }>(fetchPage: (page?: string) => Promise<T>): Promise<T['data']> {
  const data: T['data'] = [];
  let page: string | undefined;
  for (let i = 0; i < 50; i++) {
    const answer = await fetchPage(page);
    data.push(...answer.data);
    if (!answer.has_more || !answer.next_page) break;
    page = answer.next_page;
  }
  return data;
}

function decimalUsd(picos: bigint): string {
  const whole = picos / 1_000_000_000_000n;
  const fraction = (picos % 1_000_000_000_000n).toString().padStart(12, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : `${whole}`;
}

export function UsagePage() {
  const today = utcDay(Date.now() / 1000);
  const [from, setFrom] = useState(utcDay(Date.now() / 1000 - 29 * DAY));
  const [to, setTo] = useState(today);
  const [by, setBy] = useState<GroupBy>('model');
  const start = dayStart(from);
  const end = dayStart(to) + DAY;
  const valid = Number.isFinite(start) && Number.isFinite(end) && end > start;
  const group = by === 'model' ? 'line_item' : by;
  const costs = useQuery({
    queryKey: ['costs', start, end, group],
    enabled: valid,
    queryFn: () =>
      allPages((page) =>
        unwrap(api.GET('/v1/organization/costs', { params: { query: { start_time: start, end_time: end, bucket_width: '1d', limit: 180, 'group_by[]': [group], ...(page ? { page } : {}) } } })),
      ),
  });
  const usage = useQuery({
    queryKey: ['usage', start, end, by],
    enabled: valid,
    queryFn: () =>
      allPages((page) =>
        unwrap(api.GET('/v1/organization/usage/completions', { params: { query: { start_time: start, end_time: end, bucket_width: '1d', limit: 31, 'group_by[]': [by], ...(page ? { page } : {}) } } })),
      ),
  });
  const view = useMemo(() => daysOf(costs.data ?? [], usage.data ?? [], by), [costs.data, usage.data, by]);
  const costRows = view.days.map((d) => ({ day: d.day, ...Object.fromEntries(view.groups.map((g) => [g, Number(d.cost.get(g) ?? 0n) / 1e12])) }));
  const tokenRows = view.days.map((d) => ({ day: d.day, ...Object.fromEntries(view.groups.map((g) => [g, (d.input.get(g) ?? 0) + (d.output.get(g) ?? 0)])) }));
  const requests = view.days.reduce((n, d) => n + [...d.requests.values()].reduce((a, b) => a + b, 0), 0);

  function exportCsv() {
    const blob = new Blob([toCsv(view.days, by, decimalUsd)], { type: 'text/csv' });
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = `tollgate-usage-${from}-${to}.csv`;
    link.click();
    URL.revokeObjectURL(link.href);
  }

  return (
    <>
      <PageHeader title="Usage" description="Spend and tokens per day (UTC), from every request metered in this organization." actions={<Button onClick={exportCsv} disabled={view.days.length === 0}>Export CSV</Button>} />
      <div className="filters">
        <TextField label="From" type="date" value={from} max={to} onChange={(e) => setFrom(e.target.value)} />
        <TextField label="To" type="date" value={to} min={from} max={today} onChange={(e) => setTo(e.target.value)} />
        <SelectField label="Group by" value={by} onChange={(e) => setBy(e.target.value as GroupBy)}>
          <option value="model">Model</option>
          <option value="project_id">Project</option>
          <option value="api_key_id">API key</option>
        </SelectField>
      </div>
      {!valid ? <p role="alert">The start of the range must be before its end.</p> : null}
      <ErrorNote error={costs.error ?? usage.error} />
      <div className="stats">
        <div className="stat">
          <h2>Total spend</h2>
          <p className="stat-value" data-testid="total-spend">
            {formatUsd(view.total)}
          </p>
        </div>
        <div className="stat">
          <h2>Requests</h2>
          <p className="stat-value">{requests.toLocaleString('en-US')}</p>
        </div>
      </div>
      {costs.isLoading || usage.isLoading ? (
        <Loading what="usage" />
      ) : (
        <>
          <Section title="Cost per day">
            <figure className="chart" aria-label={`Cost per day by ${by}`}>
              <ResponsiveContainer width="100%" height={260}>
                <BarChart data={costRows} accessibilityLayer>
                  <CartesianGrid strokeDasharray="3 3" vertical={false} />
                  <XAxis dataKey="day" />
                  <YAxis tickFormatter={(v: number) => `$${Number(v.toPrecision(2))}`} width={84} />
                  <Tooltip formatter={(v) => `$${Number(v).toFixed(6)}`} />
                  <Legend />
                  {view.groups.map((g, i) => (
                    <Bar key={g} dataKey={g} stackId="cost" fill={PALETTE[i % PALETTE.length]} isAnimationActive={false} />
                  ))}
                </BarChart>
              </ResponsiveContainer>
            </figure>
          </Section>
          <Section title="Tokens per day">
            <figure className="chart" aria-label={`Tokens per day by ${by}`}>
              <ResponsiveContainer width="100%" height={260}>
                <BarChart data={tokenRows} accessibilityLayer>
                  <CartesianGrid strokeDasharray="3 3" vertical={false} />
                  <XAxis dataKey="day" />
                  <YAxis width={70} />
                  <Tooltip />
                  <Legend />
                  {view.groups.map((g, i) => (
                    <Bar key={g} dataKey={g} stackId="tokens" fill={PALETTE[i % PALETTE.length]} isAnimationActive={false} />
                  ))}
                </BarChart>
              </ResponsiveContainer>
            </figure>
          </Section>
          <Section title="By day">
            <TableFrame caption={`Usage by day and ${by}`}>
                <thead>
                  <tr>
                    <th scope="col">Date</th>
                    <th scope="col">{by === 'model' ? 'Model' : by === 'project_id' ? 'Project' : 'API key'}</th>
                    <th scope="col">Requests</th>
                    <th scope="col">Input tokens</th>
                    <th scope="col">Output tokens</th>
                    <th scope="col">Cost</th>
                  </tr>
                </thead>
                <tbody>
                  {view.days.flatMap((d) =>
                    [...new Set([...d.cost.keys(), ...d.input.keys()])].sort().map((g) => (
                      <tr key={`${d.day}-${g}`}>
                        <td>{d.day}</td>
                        <td>{g}</td>
                        <td>{d.requests.get(g) ?? 0}</td>
                        <td>{(d.input.get(g) ?? 0).toLocaleString('en-US')}</td>
                        <td>{(d.output.get(g) ?? 0).toLocaleString('en-US')}</td>
                        <td>{formatUsd(d.cost.get(g) ?? 0n)}</td>
                      </tr>
                    )),
                  )}
                  {view.total === 0n && requests === 0 ? (
                    <tr>
                      <td colSpan={6} className="empty-cell">
                        No usage in this range yet. Calls made with your keys appear here within seconds.
                      </td>
                    </tr>
                  ) : null}
                </tbody>
              </TableFrame>
          </Section>
          <Section title="Requests">
            <RequestLog start={start} end={end} />
          </Section>
        </>
      )}
    </>
  );
}
