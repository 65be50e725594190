import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { ErrorNote, Loading, PageHeader, Section } from '../../components/ui';
import { formatUsdText } from '../../lib/money';

const count = (n: number | null | undefined): string => (n == null ? 'unlimited' : n.toLocaleString('en-US'));

export function BillingPage() {
  const credits = useQuery({ queryKey: ['credits'], queryFn: () => unwrap(api.GET('/v1/organization/credits')) });
  const tier = useQuery({ queryKey: ['tier'], queryFn: () => unwrap(api.GET('/v1/organization/limits/tier')) });
  return (
    <>
      <PageHeader title="Billing" description="Your credit balance pays for every request; usage is deducted as it is metered." />
      <ErrorNote error={credits.error ?? tier.error} />
      <Section title="Credit balance">
        {credits.isLoading ? (
          <Loading what="balance" />
        ) : credits.data ? (
          <>
            <p className="stat-value" data-testid="credit-balance">
              {formatUsdText(credits.data.balance_usd)}
            </p>
            <dl className="facts">
              <dt>Credits added</dt>
              <dd>{formatUsdText(credits.data.granted_usd)}</dd>
              <dt>Used</dt>
              <dd>{formatUsdText(credits.data.used_usd)}</dd>
              <dt>Billing</dt>
              <dd>{credits.data.billing_mode === 'prepaid' ? 'Prepaid: requests need credit' : 'Postpaid: requests are billed afterwards'}</dd>
            </dl>
          </>
        ) : null}
      </Section>
      <Section title="Usage tier">
        {tier.data ? (
          <p>
            <strong>{tier.data.tier}</strong>: {count(tier.data.max_requests_per_1_minute)} requests and {count(tier.data.max_tokens_per_1_minute)} tokens per minute per model.
          </p>
        ) : (
          <Loading what="tier" />
        )}
      </Section>
    </>
  );
}
