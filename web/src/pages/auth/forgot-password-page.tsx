import { useState, type FormEvent } from 'react';
import { account } from '../../api/account';
import { Button, ErrorNote, TextField } from '../../components/ui';
import { AuthCard, AuthLink } from './auth-card';

export function ForgotPasswordPage() {
  const [email, setEmail] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [sent, setSent] = useState<string | null>(null);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      setSent((await account.forgotPassword(email.trim())).message);
    } catch (err) {
      setError(err);
    }
  }
  return (
    <AuthCard title="Reset your password" onSubmit={sent ? undefined : submit} footer={<AuthLink href="/sign-in">Back to sign in</AuthLink>}>
      {sent ? (
        <p role="status">{sent}</p>
      ) : (
        <>
          <p className="muted">We will email you a link to choose a new password.</p>
          <TextField label="Email address" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} required />
          <ErrorNote error={error} />
          <Button type="submit" variant="primary">
            Send reset link
          </Button>
        </>
      )}
    </AuthCard>
  );
}
