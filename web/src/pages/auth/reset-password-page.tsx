import { useState, type FormEvent } from 'react';
import { account } from '../../api/account';
import { Button, ErrorNote, TextField } from '../../components/ui';
import { useSessionChanged } from '../../lib/session';
import { AuthCard, tokenFromLink } from './auth-card';

/** The reset link's page: a new password signs the account out everywhere and this browser in. */
export function ResetPasswordPage() {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const changed = useSessionChanged();
  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      await account.resetPassword(tokenFromLink(), password);
      history.replaceState(null, '', '/api-keys');
      await changed();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <AuthCard title="Choose a new password" onSubmit={submit}>
      <TextField label="New password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} required hint="At least 12 characters. Every other session of your account ends." />
      <ErrorNote error={error} />
      <Button type="submit" variant="primary">
        Set password
      </Button>
    </AuthCard>
  );
}
