import { useState, type FormEvent } from 'react';
import { account } from '../../api/account';
import { Button, ErrorNote, TextField } from '../../components/ui';
import { useSessionChanged } from '../../lib/session';
import { AuthCard, tokenFromLink } from './auth-card';

/**
 * The setup link's page: the one printed at first start makes the operator
 * (Owner of the first organization); one from `tollgate users create` sets
 * that account's password (its address is already known, so it may be left empty).
 */
export function SetupPage() {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const changed = useSessionChanged();
  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      await account.setup(tokenFromLink(), { ...(email.trim() ? { email: email.trim() } : {}), ...(name.trim() ? { name: name.trim() } : {}), password });
      history.replaceState(null, '', '/api-keys');
      await changed();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <AuthCard title="Set up Tollgate" onSubmit={submit}>
      <p className="muted">This link works once. The first one makes you the operator of this Tollgate and Owner of its first organization.</p>
      <TextField label="Email address" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} hint="Leave empty if your account was created for you." />
      <TextField label="Your name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
      <TextField label="Password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} required hint="At least 12 characters." />
      <ErrorNote error={error} />
      <Button type="submit" variant="primary">
        Finish setup
      </Button>
    </AuthCard>
  );
}
