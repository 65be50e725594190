import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import type { UsageTier } from '../../api/types';
import { Button, ErrorNote, Loading, PageHeader, Section, TableFrame } from '../../components/ui';
import { formatUsdText } from '../../lib/money';
import { useSession } from '../../lib/session';
import { formatDate, formatDateTime } from '../../lib/time';
import { AddCreditDialog } from './add-credit';
import { AutoRechargeForm } from './auto-recharge';
import { PaymentMethods } from './payment-methods';

const count = (n: number | null | undefined): string => (n == null ? 'unlimited' : n.toLocaleString('en-US'));

function Tier({ tier }: { tier: UsageTier }) {
  return (
    <>
      <p>
        <strong>{tier.tier}</strong>: {count(tier.max_requests_per_1_minute)} requests and {count(tier.max_tokens_per_1_minute)} tokens per minute per model.
      </p>
      {tier.next_tier ? (
        <p data-testid="next-tier">
          Next: <strong>{tier.next_tier.tier}</strong> after {formatUsdText(tier.next_tier.paid_usd_needed)} more in paid purchases
          {tier.next_tier.available_at ? `, from ${formatDate(tier.next_tier.available_at)}` : ''}.
        </p>
      ) : (
        <p className="muted">This is the highest tier reached by purchases.</p>
      )}
    </>
  );
}

function Purchases() {
  const purchases = useQuery({ queryKey: ['purchases'], queryFn: () => unwrap(api.GET('/v1/organization/billing/purchases', { params: { query: { limit: 20 } } })) });
  if (purchases.isLoading) return <Loading what="purchases" />;
  const rows = purchases.data?.data ?? [];
  return (
    <>
      <ErrorNote error={purchases.error} />
      <TableFrame caption="Purchases">
        <thead>
          <tr>
            <th scope="col">Date</th>
            <th scope="col">Amount</th>
            <th scope="col">Source</th>
            <th scope="col">Status</th>
            <th scope="col">Receipt</th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={5} className="empty-cell">
                No purchases yet.
              </td>
            </tr>
          ) : (
            rows.map((p) => (
              <tr key={p.id}>
                <td>{formatDateTime(p.created_at)}</td>
                <td>{formatUsdText(p.amount_usd)}</td>
                <td>{p.source === 'auto_recharge' ? 'Auto recharge' : 'Manual'}</td>
                <td>{p.status === 'failed' ? `Failed: ${p.failure?.message ?? ''}` : p.status}</td>
                <td>{p.receipt_number ?? '—'}</td>
              </tr>
            ))
          )}
        </tbody>
      </TableFrame>
    </>
  );
}

export function BillingPage() {
  const { isOwner } = useSession();
  const credits = useQuery({ queryKey: ['credits'], enabled: isOwner, queryFn: () => unwrap(api.GET('/v1/organization/credits')) });
  const tier = useQuery({ queryKey: ['tier'], enabled: isOwner, queryFn: () => unwrap(api.GET('/v1/organization/limits/tier')) });
  const [adding, setAdding] = useState(false);
  if (!isOwner) {
    return (
      <>
        <PageHeader title="Billing" />
        <p role="status">Only Owners of the organization can see the credit balance and change billing. Ask an Owner.</p>
      </>
    );
  }
  return (
    <>
      <PageHeader title="Billing" description="Your credit balance pays for every request; usage is deducted as it is metered." />
      <ErrorNote error={credits.error ?? tier.error} />
      <Section title="Credit balance" actions={credits.data ? <Button variant="primary" onClick={() => setAdding(true)}>Add to credit balance</Button> : null}>
        {credits.isLoading ? (
          <Loading what="balance" />
        ) : credits.data ? (
          <>
            <p className="stat-value" data-testid="credit-balance">
              {formatUsdText(credits.data.balance_usd)}
            </p>
            <dl className="facts">
              <dt>Paid</dt>
              <dd>{formatUsdText(credits.data.paid_usd)}</dd>
              <dt>Granted</dt>
              <dd>{formatUsdText(credits.data.granted_usd)}</dd>
              <dt>Used</dt>
              <dd>{formatUsdText(credits.data.used_usd)}</dd>
              <dt>Billing</dt>
              <dd>{credits.data.billing_mode === 'prepaid' ? 'Prepaid: requests need credit' : 'Postpaid: requests are billed afterwards'}</dd>
            </dl>
            <AddCreditDialog open={adding} onOpenChange={setAdding} balance={credits.data} />
          </>
        ) : null}
      </Section>
      {credits.data ? <PaymentMethods provider={credits.data.purchases.payment_provider} /> : null}
      <AutoRechargeForm />
      <Section title="Usage tier">{tier.data ? <Tier tier={tier.data} /> : <Loading what="tier" />}</Section>
      <Section title="Purchases">
        <Purchases />
      </Section>
    </>
  );
}
