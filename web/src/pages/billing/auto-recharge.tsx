import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { Button, ErrorNote, Loading, Section, TextField } from '../../components/ui';
import { usdInput } from '../../lib/money';

/** Auto recharge: when the balance falls below a threshold, buy enough to bring it back to a target. */
export function AutoRechargeForm() {
  const settings = useQuery({ queryKey: ['auto-recharge'], queryFn: () => unwrap(api.GET('/v1/organization/billing/auto_recharge')) });
  const [enabled, setEnabled] = useState(false);
  const [threshold, setThreshold] = useState('');
  const [target, setTarget] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  const queries = useQueryClient();
  const checkbox = useId();
  useEffect(() => {
    if (!settings.data) return;
    setEnabled(settings.data.enabled);
    setThreshold(settings.data.threshold_usd ?? '');
    setTarget(settings.data.target_usd ?? '');
  }, [settings.data]);
  const save = useMutation({
    mutationFn: (body: { enabled: boolean; threshold_usd?: string; target_usd?: string }) => unwrap(api.POST('/v1/organization/billing/auto_recharge', { body })),
    onSuccess: (saved) => queries.setQueryData(['auto-recharge'], saved),
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    setFormError(null);
    const below = threshold.trim() === '' ? undefined : usdInput(threshold);
    const upTo = target.trim() === '' ? undefined : usdInput(target);
    if (below === null) return setFormError('When credit balance goes below: a dollar amount, such as 5.');
    if (upTo === null) return setFormError('Bring credit balance back up to: a dollar amount, such as 20.');
    if (enabled && (below === undefined || upTo === undefined)) return setFormError('Enter both amounts to turn on auto recharge.');
    save.mutate({ enabled, ...(below ? { threshold_usd: below } : {}), ...(upTo ? { target_usd: upTo } : {}) });
  }
  if (settings.isLoading) return <Loading what="auto recharge" />;
  const data = settings.data;
  return (
    <Section title="Auto recharge">
      <form className="form" onSubmit={submit} aria-label="Auto recharge">
        <p className="muted">Keep requests flowing: when your balance runs low, your newest card is charged to top it up.</p>
        {data?.disabled_reason ? <p className="error-note">Auto recharge was turned off: {data.disabled_reason}.</p> : null}
        <label className="checkbox" htmlFor={checkbox}>
          <input id={checkbox} type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
          Enable auto recharge
        </label>
        <div className="form-row">
          <TextField label="When credit balance goes below" inputMode="decimal" value={threshold} onChange={(e) => setThreshold(e.target.value)} placeholder="5.00" />
          <TextField label="Bring credit balance back up to" inputMode="decimal" value={target} onChange={(e) => setTarget(e.target.value)} placeholder="20.00" />
        </div>
        <ErrorNote error={formError ?? settings.error ?? save.error} />
        <div>
          <Button type="submit" variant="primary" disabled={save.isPending}>
            Save settings
          </Button>
          <span role="status" className="saved">
            {save.isSuccess ? 'Saved' : ''}
          </span>
        </div>
      </form>
    </Section>
  );
}
