import { useState, type FormEvent } from 'react';
import { account } from '../../api/account';
import { Button, ErrorNote, TextField } from '../../components/ui';
import { useSessionChanged } from '../../lib/session';
import { AuthCard } from './auth-card';

/** A new account belongs to no organization yet: it makes its own (with a Default project and the trial credit), or waits for an invite. */
export function CreateOrganizationPage({ onSignOut }: { onSignOut(): void }) {
  const [name, setName] = useState('Personal');
  const [error, setError] = useState<unknown>(null);
  const changed = useSessionChanged();
  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      await account.createOrganization(name.trim());
      await changed();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <AuthCard title="Create your organization" onSubmit={submit} footer={<Button variant="ghost" onClick={onSignOut}>Sign out</Button>}>
      <p className="muted">Keys, usage and billing belong to an organization. Invited to one? Open the link from the invite instead.</p>
      <TextField label="Organization name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={256} />
      <ErrorNote error={error} />
      <Button type="submit" variant="primary">
        Create organization
      </Button>
    </AuthCard>
  );
}
