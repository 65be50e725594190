import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import type { PaymentMethod } from '../../api/types';
import { Button, Confirm, Dialog, ErrorNote, Loading, Section, TextField } from '../../components/ui';

export const PAYMENT_METHODS = ['payment-methods'];

export function usePaymentMethods() {
  return useQuery({ queryKey: PAYMENT_METHODS, queryFn: () => unwrap(api.GET('/v1/organization/billing/payment_methods')).then((l) => l.data) });
}

export const cardLabel = (m: PaymentMethod): string => `${m.card.brand[0]!.toUpperCase()}${m.card.brand.slice(1)} ending in ${m.card.last4}`;

/** "MM/YY" (or "MM / YYYY") as month and four-digit year, or null. */
export function parseExpiry(text: string): { month: number; year: number } | null {
  const match = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(text);
  if (!match) return null;
  const month = Number(match[1]);
  const year = match[2]!.length === 2 ? 2000 + Number(match[2]) : Number(match[2]);
  return month >= 1 && month <= 12 ? { month, year } : null;
}

/**
 * The card form of the `test` payment provider: the number goes to this
 * server, which keeps only brand, last 4 and expiry (Stripe's public test
 * cards: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined).
 */
function AddCardDialog({ open, onOpenChange }: { open: boolean; onOpenChange(open: boolean): void }) {
  const [number, setNumber] = useState('');
  const [expiry, setExpiry] = useState('');
  const [cvc, setCvc] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  const queries = useQueryClient();
  const save = useMutation({
    mutationFn: (card: { number: string; exp_month: number; exp_year: number; cvc: string }) => unwrap(api.POST('/v1/organization/billing/payment_methods', { body: { card } })),
    onSuccess: () => {
      void queries.invalidateQueries({ queryKey: PAYMENT_METHODS });
      setNumber('');
      setExpiry('');
      setCvc('');
      onOpenChange(false);
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    setFormError(null);
    const exp = parseExpiry(expiry);
    if (!exp) return setFormError('Expiration date: month and year as MM/YY, such as 12/34.');
    save.mutate({ number: number.replace(/[\s-]+/g, ''), exp_month: exp.month, exp_year: exp.year, cvc: cvc.trim() });
  }
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title="Add payment method" description="Cards are charged when you add to your credit balance, and by auto recharge if you turn it on.">
      <form className="form" onSubmit={submit}>
        <TextField label="Card number" inputMode="numeric" autoComplete="cc-number" value={number} onChange={(e) => setNumber(e.target.value)} required placeholder="4242 4242 4242 4242" />
        <div className="form-row">
          <TextField label="Expiration date" autoComplete="cc-exp" value={expiry} onChange={(e) => setExpiry(e.target.value)} required placeholder="MM/YY" />
          <TextField label="Security code" inputMode="numeric" autoComplete="cc-csc" value={cvc} onChange={(e) => setCvc(e.target.value)} required maxLength={4} placeholder="CVC" />
        </div>
        <ErrorNote error={formError ?? save.error} />
        <div className="dialog-actions">
          <Button onClick={() => onOpenChange(false)}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={save.isPending}>
            Save card
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

export function PaymentMethods({ provider }: { provider: 'test' | 'stripe' }) {
  const methods = usePaymentMethods();
  const [adding, setAdding] = useState(false);
  const queries = useQueryClient();
  const remove = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/v1/organization/billing/payment_methods/{payment_method_id}', { params: { path: { payment_method_id: id } } })),
    onSuccess: () => queries.invalidateQueries({ queryKey: PAYMENT_METHODS }),
  });
  return (
    <Section
      title="Payment methods"
      actions={
        provider === 'test' ? (
          <Button onClick={() => setAdding(true)}>Add payment method</Button>
        ) : null
      }
    >
      {provider === 'stripe' ? <p className="muted">Cards are added through Stripe; the card form of Stripe Elements is not part of this dashboard yet. Use the API (POST /v1/organization/billing/payment_methods/setup).</p> : null}
      {methods.isLoading ? <Loading what="payment methods" /> : null}
      <ErrorNote error={methods.error ?? remove.error} />
      {methods.data && methods.data.length === 0 ? <p className="muted">No card yet. Add one to buy credit.</p> : null}
      <ul className="plain-list">
        {(methods.data ?? []).map((m) => (
          <li key={m.id}>
            <span>
              {cardLabel(m)}, expires {String(m.card.exp_month).padStart(2, '0')}/{m.card.exp_year}
            </span>
            <Confirm
              trigger={<Button variant="ghost" aria-label={`Remove ${cardLabel(m)}`}>Remove</Button>}
              title="Remove payment method"
              description={`${cardLabel(m)} will no longer be charged. Auto recharge stops if it uses this card.`}
              action="Remove card"
              onConfirm={() => remove.mutate(m.id)}
            />
          </li>
        ))}
      </ul>
      <AddCardDialog open={adding} onOpenChange={setAdding} />
    </Section>
  );
}
