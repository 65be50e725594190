import { useState, type FormEvent } from 'react';
import { account } from '../../api/account';
import { Button, ErrorNote, TextField } from '../../components/ui';
import { AuthCard, AuthLink } from './auth-card';

export function SignUpPage() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [sent, setSent] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await account.signUp(email.trim(), password);
      setSent(email.trim());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  if (sent) {
    return (
      <AuthCard title="Check your email" footer={<AuthLink href="/sign-in">Sign in</AuthLink>}>
        <p role="status">
          We sent a link to <strong>{sent}</strong>. Open it to verify your address, then sign in with your password.
        </p>
      </AuthCard>
    );
  }
  return (
    <AuthCard
      title="Create your account"
      onSubmit={submit}
      footer={
        <p>
          Already have an account? <AuthLink href="/sign-in">Sign in</AuthLink>
        </p>
      }
    >
      <TextField label="Email address" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} required />
      <TextField label="Password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} required hint="At least 12 characters; not a common password." />
      <ErrorNote error={error} />
      <Button type="submit" variant="primary" disabled={busy}>
        Create account
      </Button>
    </AuthCard>
  );
}
