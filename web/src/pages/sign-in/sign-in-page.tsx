import { useState, type FormEvent } from 'react';
import { ApiError, api, unwrap } from '../../api/client';
import { credential } from '../../api/credential';
import { Button, ErrorNote, TextField } from '../../components/ui';

/**
 * Sign in with an admin key (sk-admin-...): the key printed at first start,
 * or one made later. It is checked against the API before it is kept, and
 * kept for this tab only.
 */
export function SignInPage() {
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const value = key.trim();
    if (!value.startsWith('sk-admin-')) return setError(new Error('An admin key starts with sk-admin-. Project keys cannot open the dashboard.'));
    setPending(true);
    try {
      await unwrap(
        api.GET('/v1/organization/projects', { params: { query: { limit: 1 } }, headers: { Authorization: `Bearer ${value}` } }),
      );
      credential.set(value);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? new Error('That key is not valid, or no longer works.') : err);
    } finally {
      setPending(false);
    }
  }
  return (
    <main id="main" className="auth">
      <form className="auth-card form" onSubmit={submit}>
        <h1>Sign in to Tollgate</h1>
        <p className="muted">Use an admin key: the one printed when this server first started, or one made since.</p>
        <TextField label="Admin key" type="password" autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} required spellCheck={false} />
        <ErrorNote error={error} />
        <Button type="submit" variant="primary" disabled={pending}>
          Sign in
        </Button>
      </form>
    </main>
  );
}
