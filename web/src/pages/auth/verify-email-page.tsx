import { useEffect, useRef, useState } from 'react';
import { account } from '../../api/account';
import { ErrorNote, Loading } from '../../components/ui';
import { useSessionChanged } from '../../lib/session';
import { AuthCard, AuthLink, tokenFromLink } from './auth-card';

/** The verification link's page: the token is used once, as soon as the page opens. */
export function VerifyEmailPage() {
  const [state, setState] = useState<'checking' | 'verified' | Error>('checking');
  const started = useRef(false);
  const changed = useSessionChanged();
  useEffect(() => {
    if (started.current) return; // StrictMode runs effects twice: the token works once
    started.current = true;
    account
      .verifyEmail(tokenFromLink())
      .then(() => {
        setState('verified');
        void changed();
      })
      .catch((err: unknown) => setState(err instanceof Error ? err : new Error(String(err))));
  }, [changed]);
  return (
    <AuthCard title="Verify your email address" footer={<AuthLink href="/api-keys">Continue to Tollgate</AuthLink>}>
      {state === 'checking' ? <Loading what="your link" /> : null}
      {state === 'verified' ? <p role="status">Your email address is verified. Sign in to continue.</p> : null}
      {state instanceof Error ? <ErrorNote error={new Error(`${state.message} Sign in and ask for a new link.`)} /> : null}
    </AuthCard>
  );
}
