import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { account } from '../../api/account';
import { Button, ErrorNote, Loading, TextField } from '../../components/ui';
import { useMe, useSessionChanged } from '../../lib/session';
import { AuthCard, AuthLink, tokenFromLink } from './auth-card';

/** The invite link's page: join as the account already signed in, or create the invited account with a password. */
export function InvitePage() {
  const token = tokenFromLink();
  const offer = useQuery({ queryKey: ['invite', token], queryFn: () => account.lookupInvite(token), retry: false });
  const { me } = useMe();
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const changed = useSessionChanged();
  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      await account.acceptInvite(token, me ? {} : { password });
      history.replaceState(null, '', '/api-keys');
      await changed();
    } catch (err) {
      setError(err);
    }
  }
  if (offer.isLoading) return <AuthCard title="Join an organization"><Loading what="the invite" /></AuthCard>;
  if (!offer.data) return <AuthCard title="Join an organization" footer={<AuthLink href="/sign-in">Sign in</AuthLink>}><ErrorNote error={offer.error} /></AuthCard>;
  const invite = offer.data;
  const mustSignIn = !me && invite.account_exists;
  return (
    <AuthCard title={`Join ${invite.organization.name}`} onSubmit={mustSignIn ? undefined : submit} footer={mustSignIn ? <AuthLink href="/sign-in">Sign in as {invite.email}</AuthLink> : undefined}>
      <p>
        You are invited as <strong>{invite.role === 'owner' ? 'Owner' : 'Reader'}</strong> with <strong>{invite.email}</strong>.
      </p>
      {mustSignIn ? <p>This address has an account: sign in first, then open the link again.</p> : null}
      {!me && !invite.account_exists ? <TextField label="Password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} required hint="At least 12 characters." /> : null}
      <ErrorNote error={error} />
      {mustSignIn ? null : (
        <Button type="submit" variant="primary">
          Accept invite
        </Button>
      )}
    </AuthCard>
  );
}
