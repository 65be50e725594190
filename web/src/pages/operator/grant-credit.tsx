import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { Button, Dialog, ErrorNote, TextField } from '../../components/ui';
import { formatUsdText, usdInput } from '../../lib/money';

/** The operator adds credit to an organization (not a payment: it does not count toward usage tiers). */
export function GrantCreditDialog({ organization, onClose }: { organization: { id: string; name: string } | null; onClose(): void }) {
  const [amount, setAmount] = useState('');
  const [description, setDescription] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  const queries = useQueryClient();
  const grant = useMutation({
    mutationFn: (body: { amount_usd: string; description?: string }) =>
      unwrap(
        api.POST('/v1/organization/credits/grants', {
          body,
          // The grant goes to the organization chosen here, not the one the operator works in.
          headers: { 'OpenAI-Organization': organization!.id, 'Idempotency-Key': crypto.randomUUID() },
        }),
      ),
    onSuccess: () => {
      void queries.invalidateQueries({ queryKey: ['operator'] });
      setAmount('');
      setDescription('');
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    setFormError(null);
    const usd = usdInput(amount);
    if (usd === null || Number(usd) === 0) return setFormError('Amount: a dollar amount above zero, such as 25.');
    grant.mutate({ amount_usd: usd, ...(description.trim() ? { description: description.trim() } : {}) });
  }
  const close = (open: boolean) => {
    if (!open) {
      grant.reset();
      onClose();
    }
  };
  return (
    <Dialog open={organization !== null} onOpenChange={close} title="Grant credit" description={organization ? `Credit for ${organization.name}. It is not a payment and does not raise the usage tier.` : ''}>
      <form className="form" onSubmit={submit}>
        <TextField label="Amount" inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} required placeholder="25.00" hint="USD" />
        <TextField label="Description" value={description} onChange={(e) => setDescription(e.target.value)} maxLength={500} placeholder="Credit grant" />
        <ErrorNote error={formError ?? grant.error} />
        {grant.data ? (
          <p role="status">
            Granted {formatUsdText(grant.data.amount_usd)}. The balance is now {formatUsdText(grant.data.balance_usd)}.
          </p>
        ) : null}
        <div className="dialog-actions">
          <Button onClick={() => close(false)}>{grant.data ? 'Close' : 'Cancel'}</Button>
          <Button type="submit" variant="primary" disabled={grant.isPending}>
            Grant credit
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
