import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { account, isSecondFactor, type SecondFactorRequired } from '../../api/account';
import { Button, ErrorNote, TextField } from '../../components/ui';
import { useSessionChanged } from '../../lib/session';
import { AuthCard, AuthLink } from './auth-card';

/** What the SSO callback's `?sso_error=` codes mean to the person. */
const SSO_ERRORS: Record<string, string> = {
  sso_state_invalid: 'That sign-in link expired or was opened in another browser. Try again.',
  sso_denied: 'The identity provider did not sign you in.',
  sso_failed: 'Signing in with the identity provider failed. Try again.',
  sso_email_unverified: 'The identity provider has not verified your email address.',
  sso_email_missing: 'The identity provider did not share your email address.',
  signup_restricted: 'This Tollgate does not let this address create an account. Ask its operator for an invite.',
  account_disabled: 'This account is disabled. Ask the operator of this Tollgate to enable it.',
  sso_provider_unavailable: 'The identity provider cannot be reached right now. Try again later.',
};

/** A sign-in that stopped at the second factor: from the password answer, or from SSO's redirect (`#pending_token=...&factors=totp`). */
function pendingFromFragment(): SecondFactorRequired | null {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const token = fragment.get('pending_token');
  return token ? { object: 'sign_in.second_factor_required', pending_token: token, factors: (fragment.get('factors') ?? 'totp').split(',') } : null;
}

function SecondFactorForm({ pending }: { pending: SecondFactorRequired }) {
  const [code, setCode] = useState('');
  const [recovery, setRecovery] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const changed = useSessionChanged();
  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await account.signInWithCode(pending.pending_token, recovery ? { recovery_code: code.trim() } : { code: code.replace(/\s+/g, '') });
      history.replaceState(null, '', '/api-keys');
      await changed();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <AuthCard title="Two-step verification" onSubmit={submit}>
      <p className="muted">{recovery ? 'Enter one of the recovery codes you saved when you turned on two-step verification.' : 'Enter the 6-digit code from your authenticator app.'}</p>
      {recovery ? (
        <TextField label="Recovery code" autoComplete="off" value={code} onChange={(e) => setCode(e.target.value)} required spellCheck={false} />
      ) : (
        <TextField label="Authentication code" inputMode="numeric" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} required />
      )}
      <ErrorNote error={error} />
      <Button type="submit" variant="primary" disabled={busy}>
        Verify
      </Button>
      <Button variant="ghost" onClick={() => (setRecovery(!recovery), setCode(''))}>
        {recovery ? 'Use the authenticator app' : 'Use a recovery code'}
      </Button>
    </AuthCard>
  );
}

/** The provider's sign-in, pre-filled with the address typed here (if any), back to the dashboard afterwards. */
function ssoStart(startUrl: string, email: string): string {
  const query = new URLSearchParams({ return_to: '/api-keys' });
  if (email.trim()) query.set('login_hint', email.trim());
  return `${startUrl}?${query}`;
}

export function SignInPage() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [pending, setPending] = useState<SecondFactorRequired | null>(pendingFromFragment);
  const providers = useQuery({ queryKey: ['sso-providers'], queryFn: account.ssoProviders, staleTime: Infinity });
  const changed = useSessionChanged();
  const ssoError = new URLSearchParams(window.location.search).get('sso_error');

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const answer = await account.signIn(email.trim(), password);
      if (isSecondFactor(answer)) return setPending(answer);
      if (window.location.pathname === '/sign-in') history.replaceState(null, '', '/api-keys');
      await changed();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  if (pending) return <SecondFactorForm pending={pending} />;
  const sso = providers.data ?? [];
  return (
    <AuthCard
      title="Sign in to Tollgate"
      onSubmit={submit}
      footer={
        <>
          <p>
            New here? <AuthLink href="/sign-up">Create an account</AuthLink>
          </p>
          <p>
            <AuthLink href="/forgot-password">Forgot your password?</AuthLink>
          </p>
        </>
      }
    >
      {ssoError ? <ErrorNote error={SSO_ERRORS[ssoError] ?? 'Signing in with the identity provider failed.'} /> : null}
      <TextField label="Email address" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} required />
      <TextField label="Password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
      <ErrorNote error={error} />
      <Button type="submit" variant="primary" disabled={busy}>
        Sign in
      </Button>
      {sso.length > 0 ? (
        <div className="sso">
          <p className="muted divider">or</p>
          {sso.map((p) => (
            // A navigation, not a fetch: the provider's pages take over the tab and come back to the callback.
            <a key={p.id} className="button" href={ssoStart(p.start_url, email)}>
              Continue with {p.name}
            </a>
          ))}
        </div>
      ) : null}
    </AuthCard>
  );
}
