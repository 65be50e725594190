import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Progress } from 'radix-ui';
import { useEffect, useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import type { Budget } from '../../api/types';
import { Button, ErrorNote, Loading, TextField } from '../../components/ui';
import { formatUsdText, picosOf, usdInput } from '../../lib/money';

type Scope = { kind: 'organization' } | { kind: 'project'; projectId: string };

function readBudget(scope: Scope): Promise<Budget> {
  return scope.kind === 'organization'
    ? unwrap(api.GET('/v1/organization/budget'))
    : unwrap(api.GET('/v1/organization/projects/{projectId}/budget', { params: { path: { projectId: scope.projectId } } }));
}

function writeBudget(scope: Scope, body: { monthly_limit_usd: string | null; thresholds?: number[] }): Promise<Budget> {
  return scope.kind === 'organization'
    ? unwrap(api.POST('/v1/organization/budget', { body }))
    : unwrap(api.POST('/v1/organization/projects/{projectId}/budget', { params: { path: { projectId: scope.projectId } }, body }));
}

/** Spend this month against the budget, as a bar. */
export function SpendBar({ budget }: { budget: Budget }) {
  if (budget.monthly_limit_usd === null) return <p>Spent this month: {formatUsdText(budget.spent_usd)} (no budget set).</p>;
  const limit = picosOf(budget.monthly_limit_usd);
  const spent = picosOf(budget.spent_usd);
  const percent = limit === 0n ? 100 : Math.min(100, Number((spent * 10_000n) / limit) / 100);
  return (
    <div className="spend">
      <p id={`spend-${budget.scope_id}`}>
        {formatUsdText(budget.spent_usd)} of {formatUsdText(budget.monthly_limit_usd)} spent in {budget.period}
      </p>
      <Progress.Root className="progress" value={percent} aria-labelledby={`spend-${budget.scope_id}`}>
        <Progress.Indicator className="progress-bar" style={{ transform: `translateX(-${100 - percent}%)` }} />
      </Progress.Root>
    </div>
  );
}

/**
 * "Monthly budget" (a hard cap: requests are refused once it is spent) and
 * "Notification threshold" (the share of it at which the owners are told).
 */
export function BudgetForm({ scope, label }: { scope: Scope; label: string }) {
  const key = ['budget', scope.kind, scope.kind === 'project' ? scope.projectId : ''];
  const budget = useQuery({ queryKey: key, queryFn: () => readBudget(scope) });
  const [limit, setLimit] = useState('');
  const [threshold, setThreshold] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  const queries = useQueryClient();
  useEffect(() => {
    if (!budget.data) return;
    setLimit(budget.data.monthly_limit_usd ?? '');
    setThreshold(String(budget.data.thresholds[0] ?? ''));
  }, [budget.data]);
  const save = useMutation({
    mutationFn: (body: { monthly_limit_usd: string | null; thresholds?: number[] }) => writeBudget(scope, body),
    onSuccess: (saved) => queries.setQueryData(key, saved),
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    setFormError(null);
    const monthly = limit.trim() === '' ? null : usdInput(limit);
    if (limit.trim() !== '' && monthly === null) return setFormError('Monthly budget: enter a dollar amount such as 100 or 99.50, or leave it empty for none.');
    const percent = threshold.trim() === '' ? null : Number(threshold);
    if (percent !== null && !(Number.isInteger(percent) && percent >= 1 && percent <= 100)) return setFormError('Notification threshold: a whole percentage from 1 to 100.');
    const others = (budget.data?.thresholds ?? []).slice(1).filter((t) => t !== percent);
    save.mutate({ monthly_limit_usd: monthly, ...(percent !== null ? { thresholds: [percent, ...others].sort((a, b) => a - b) } : {}) });
  }

  if (budget.isLoading) return <Loading what="budget" />;
  return (
    <form className="form" onSubmit={submit} aria-label={label}>
      {budget.data ? <SpendBar budget={budget.data} /> : null}
      <div className="form-row">
        <TextField label="Monthly budget" inputMode="decimal" value={limit} onChange={(e) => setLimit(e.target.value)} placeholder="No budget" hint="USD per calendar month (UTC). Requests are refused once it is spent." />
        <TextField label="Notification threshold" inputMode="numeric" value={threshold} onChange={(e) => setThreshold(e.target.value)} hint="Percent of the budget at which owners are notified." />
      </div>
      {budget.data && budget.data.thresholds.length > 1 ? <p className="hint">All thresholds: {budget.data.thresholds.map((t) => `${t}%`).join(', ')}.</p> : null}
      <ErrorNote error={formError ?? budget.error ?? save.error} />
      <div>
        <Button type="submit" variant="primary" disabled={save.isPending}>
          Save
        </Button>
        <span role="status" className="saved">
          {save.isSuccess ? 'Saved' : ''}
        </span>
      </div>
    </form>
  );
}
