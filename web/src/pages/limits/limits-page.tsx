import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { ErrorNote, Loading, PageHeader, Section, TableFrame } from '../../components/ui';
import { useProject } from '../../lib/project';
import { BudgetForm } from './budget-form';

const count = (n: number | null | undefined): string => (n == null ? 'Unlimited' : n.toLocaleString('en-US'));

function RateLimits({ projectId }: { projectId: string }) {
  const limits = useQuery({
    queryKey: ['rate-limits', projectId],
    queryFn: () => unwrap(api.GET('/v1/organization/projects/{projectId}/rate_limits', { params: { path: { projectId } } })),
  });
  const tier = useQuery({ queryKey: ['tier'], queryFn: () => unwrap(api.GET('/v1/organization/limits/tier')) });
  if (limits.isLoading || tier.isLoading) return <Loading what="rate limits" />;
  const rows = limits.data?.data ?? [];
  return (
    <>
      <ErrorNote error={limits.error ?? tier.error} />
      {tier.data ? (
        <p>
          Usage tier <strong>{tier.data.tier}</strong>: {count(tier.data.max_requests_per_1_minute)} requests and {count(tier.data.max_tokens_per_1_minute)} tokens per minute per model.
        </p>
      ) : null}
      <TableFrame caption="Rate limits per model">
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Requests per minute</th>
              <th scope="col">Tokens per minute</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id}>
                <td>{r.model}</td>
                <td>{count(r.max_requests_per_1_minute)}</td>
                <td>{count(r.max_tokens_per_1_minute)}</td>
              </tr>
            ))}
          </tbody>
        </TableFrame>
    </>
  );
}

export function LimitsPage() {
  const { current } = useProject();
  return (
    <>
      <PageHeader title="Limits" description="Monthly budgets stop spending at a hard cap; notification thresholds warn before it. Rate limits follow your usage tier." />
      <Section title="Organization budget">
        <BudgetForm scope={{ kind: 'organization' }} label="Organization budget" />
      </Section>
      {current ? (
        <>
          <Section title={`Project budget: ${current.name}`}>
            <BudgetForm scope={{ kind: 'project', projectId: current.id }} label={`Budget of project ${current.name}`} />
          </Section>
          <Section title={`Rate limits: ${current.name}`}>
            <RateLimits projectId={current.id} />
          </Section>
        </>
      ) : null}
    </>
  );
}
