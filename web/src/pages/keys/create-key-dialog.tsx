import { useMutation, useQueryClient } from '@tanstack/react-query';
import { RadioGroup } from 'radix-ui';
import { useId, useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import type { NewKeyBody, NewProjectKey, Project } from '../../api/types';
import { Button, Dialog, ErrorNote, SelectField, TextField } from '../../components/ui';
import { usdInput } from '../../lib/money';
import { LEVEL_NAMES, RESOURCES, type Level, type Permissions, type Resource } from './permissions';

type Mode = Permissions['mode'];

function PermissionPicker(props: { resources: Partial<Record<Resource, Level>>; onChange(r: Partial<Record<Resource, Level>>): void }) {
  return (
    <fieldset className="picker">
      <legend>Endpoint permissions</legend>
      {(Object.keys(RESOURCES) as Resource[]).map((name) => (
        <SelectField
          key={name}
          label={RESOURCES[name].label}
          value={props.resources[name] ?? 'none'}
          onChange={(e) => props.onChange({ ...props.resources, [name]: e.target.value as Level })}
        >
          {RESOURCES[name].levels.map((level) => (
            <option key={level} value={level}>
              {LEVEL_NAMES[level]}
            </option>
          ))}
        </SelectField>
      ))}
    </fieldset>
  );
}

/** "Create new secret key": name, project, permissions, and the optional expiry, IP ranges and monthly limit. */
export function CreateKeyDialog(props: { open: boolean; onOpenChange(open: boolean): void; projects: Project[]; projectId: string; onCreated(key: NewProjectKey): void }) {
  const [name, setName] = useState('');
  const [projectId, setProjectId] = useState(props.projectId);
  const [mode, setMode] = useState<Mode>('all');
  const [resources, setResources] = useState<Partial<Record<Resource, Level>>>({});
  const [expires, setExpires] = useState('');
  const [ips, setIps] = useState('');
  const [limit, setLimit] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  const modeLabel = useId();
  const queries = useQueryClient();
  const create = useMutation({
    mutationFn: (body: NewKeyBody) => unwrap(api.POST('/v1/organization/projects/{project_id}/api_keys', { params: { path: { project_id: projectId } }, body })),
    onSuccess: (key) => {
      void queries.invalidateQueries({ queryKey: ['keys'] });
      setName('');
      setMode('all');
      setResources({});
      setExpires('');
      setIps('');
      setLimit('');
      props.onCreated(key);
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    setFormError(null);
    const monthly = limit.trim() === '' ? null : usdInput(limit);
    if (monthly === null && limit.trim() !== '') return setFormError('Monthly limit: enter a dollar amount such as 25 or 25.50.');
    // The picker offers each resource only the levels it takes (RESOURCES is typed by the API's schema).
    const permissions = (mode === 'restricted' ? { mode, resources } : { mode }) as Permissions;
    const body: NewKeyBody = {
      name: name.trim() || 'Secret key',
      permissions,
      ...(expires ? { expires_at: Math.floor(Date.parse(`${expires}T23:59:59Z`) / 1000) } : {}),
      ...(ips.trim() ? { allowed_ips: ips.split(/[\s,]+/).filter(Boolean) } : {}),
      ...(monthly ? { monthly_usage_limit_usd: monthly } : {}),
    };
    create.mutate(body);
  }

  return (
    <Dialog open={props.open} onOpenChange={props.onOpenChange} title="Create new secret key" wide>
      <form onSubmit={submit} className="form">
        <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} placeholder="My test key" maxLength={200} hint="Optional: helps you find the key later." />
        <SelectField label="Project" value={projectId} onChange={(e) => setProjectId(e.target.value)}>
          {props.projects
            .filter((p) => p.status === 'active')
            .map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
        </SelectField>
        <div className="field">
          <span id={modeLabel} className="label">
            Permissions
          </span>
          <RadioGroup.Root className="radio-row" aria-labelledby={modeLabel} value={mode} onValueChange={(v) => setMode(v as Mode)}>
            {(
              [
                ['all', 'All'],
                ['restricted', 'Restricted'],
                ['read_only', 'Read only'],
              ] as const
            ).map(([value, label]) => (
              <label key={value} className="radio">
                <RadioGroup.Item value={value} aria-label={label} className="radio-item">
                  <RadioGroup.Indicator className="radio-dot" />
                </RadioGroup.Item>
                <span aria-hidden="true">{label}</span>
              </label>
            ))}
          </RadioGroup.Root>
        </div>
        {mode === 'restricted' ? <PermissionPicker resources={resources} onChange={setResources} /> : null}
        <details className="advanced">
          <summary>Expiry, IP ranges and monthly limit</summary>
          <TextField label="Expires on" type="date" value={expires} onChange={(e) => setExpires(e.target.value)} hint="Leave empty for a key that does not expire." />
          <TextField label="Allowed IP ranges" value={ips} onChange={(e) => setIps(e.target.value)} placeholder="203.0.113.0/24, 2001:db8::/32" hint="Comma-separated addresses or CIDR ranges. Empty: any address." />
          <TextField label="Monthly limit" inputMode="decimal" value={limit} onChange={(e) => setLimit(e.target.value)} placeholder="25.00" hint="USD a month this key may spend. Empty: no limit of its own." />
        </details>
        <ErrorNote error={formError ?? create.error} />
        <div className="dialog-actions">
          <Button onClick={() => props.onOpenChange(false)}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={create.isPending}>
            Create secret key
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
