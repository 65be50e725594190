import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import type { CreditBalance } from '../../api/types';
import { Button, Dialog, ErrorNote, SelectField, TextField } from '../../components/ui';
import { formatUsdText, picosOf, usdInput } from '../../lib/money';
import { cardLabel, usePaymentMethods } from './payment-methods';

/** "Add to credit balance": a purchase charged to a saved card, in whole cents between the server's bounds. */
export function AddCreditDialog({ open, onOpenChange, balance }: { open: boolean; onOpenChange(open: boolean): void; balance: CreditBalance }) {
  const methods = usePaymentMethods();
  const [amount, setAmount] = useState('');
  const [method, setMethod] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  const queries = useQueryClient();
  const { min_usd: min, max_usd: max } = balance.purchases;
  const buy = useMutation({
    mutationFn: (body: { amount_usd: string; payment_method_id?: string }) => unwrap(api.POST('/v1/organization/billing/purchases', { body, headers: { 'Idempotency-Key': crypto.randomUUID() } })),
    onSuccess: () => {
      for (const key of ['credits', 'purchases', 'tier']) void queries.invalidateQueries({ queryKey: [key] });
      setAmount('');
      onOpenChange(false);
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    setFormError(null);
    const usd = usdInput(amount);
    if (usd === null || !/^\d+(\.\d{1,2})?$/.test(usd)) return setFormError('Amount to add: a dollar amount in whole cents, such as 10 or 25.50.');
    if (picosOf(usd) < picosOf(min) || picosOf(usd) > picosOf(max)) return setFormError(`Amount to add: between ${formatUsdText(min)} and ${formatUsdText(max)}.`);
    buy.mutate({ amount_usd: usd, ...(method ? { payment_method_id: method } : {}) });
  }
  const cards = methods.data ?? [];
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title="Add to credit balance" description={`Charged to your card now. Minimum ${formatUsdText(min)}.`}>
      <form className="form" onSubmit={submit}>
        {cards.length === 0 && !methods.isLoading ? <p className="error-note">Add a payment method first.</p> : null}
        <TextField label="Amount to add" inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} required placeholder={min} hint={`USD, ${formatUsdText(min)} to ${formatUsdText(max)}.`} />
        {cards.length > 1 ? (
          <SelectField label="Card" value={method} onChange={(e) => setMethod(e.target.value)}>
            <option value="">{cardLabel(cards[0]!)} (newest)</option>
            {cards.slice(1).map((c) => (
              <option key={c.id} value={c.id}>
                {cardLabel(c)}
              </option>
            ))}
          </SelectField>
        ) : null}
        <ErrorNote error={formError ?? buy.error} />
        <div className="dialog-actions">
          <Button onClick={() => onOpenChange(false)}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={buy.isPending || cards.length === 0}>
            Continue
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
