import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { Button, Confirm, Dialog, ErrorNote, Loading, PageHeader, Section, SelectField, TableFrame, TextField } from '../../components/ui';
import { useSession } from '../../lib/session';
import { formatDate } from '../../lib/time';

/** GET /v1/organization/users and /invites answer OpenAI's shapes; their fields, as the page reads them. */
interface Member {
  id: string;
  name: string | null;
  email: string;
  role: 'owner' | 'reader';
  added_at: number;
}

interface Invite {
  id: string;
  email: string;
  role: 'owner' | 'reader';
  status: 'pending' | 'accepted' | 'expired';
  created_at: number;
  expires_at: number;
}

const ROLE_NAMES = { owner: 'Owner', reader: 'Reader' } as const;

function InviteDialog({ open, onOpenChange }: { open: boolean; onOpenChange(open: boolean): void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<'owner' | 'reader'>('reader');
  const queries = useQueryClient();
  const send = useMutation({
    mutationFn: () => unwrap(api.POST('/v1/organization/invites', { body: { email: email.trim(), role } })),
    onSuccess: () => {
      void queries.invalidateQueries({ queryKey: ['invites'] });
      setEmail('');
      onOpenChange(false);
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    send.mutate();
  }
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title="Invite a member" description="They get a link by mail; it works once, for the address you enter.">
      <form className="form" onSubmit={submit}>
        <TextField label="Email address" type="email" value={email} onChange={(e) => setEmail(e.target.value)} required />
        <SelectField label="Role" value={role} onChange={(e) => setRole(e.target.value as 'owner' | 'reader')}>
          <option value="reader">Reader: uses the projects they are added to</option>
          <option value="owner">Owner: manages everything, billing included</option>
        </SelectField>
        <ErrorNote error={send.error} />
        <div className="dialog-actions">
          <Button onClick={() => onOpenChange(false)}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={send.isPending}>
            Send invite
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

function MemberRow({ member, self, canManage }: { member: Member; self: boolean; canManage: boolean }) {
  const queries = useQueryClient();
  const done = () => queries.invalidateQueries({ queryKey: ['members'] });
  const changeRole = useMutation({
    mutationFn: (role: 'owner' | 'reader') => unwrap(api.POST('/v1/organization/users/{user_id}', { params: { path: { user_id: member.id } }, body: { role } })),
    onSuccess: done,
  });
  const remove = useMutation({ mutationFn: () => unwrap(api.DELETE('/v1/organization/users/{user_id}', { params: { path: { user_id: member.id } } })), onSuccess: done });
  const other = member.role === 'owner' ? 'reader' : 'owner';
  return (
    <tr>
      <td>{member.name ?? '—'}</td>
      <td>{member.email}</td>
      <td>{ROLE_NAMES[member.role]}</td>
      <td>{formatDate(member.added_at)}</td>
      <td>
        {canManage ? (
          <div className="row-actions">
            <Button variant="ghost" aria-label={`Make ${member.email} ${ROLE_NAMES[other]}`} onClick={() => changeRole.mutate(other)} disabled={changeRole.isPending}>
              Make {ROLE_NAMES[other]}
            </Button>
            <Confirm
              trigger={<Button variant="ghost" aria-label={`Remove ${member.email}`}>Remove</Button>}
              title="Remove member"
              description={`${member.email} loses access to the organization, and every key they created is revoked.`}
              action="Remove member"
              onConfirm={() => remove.mutate()}
            />
            <ErrorNote error={changeRole.error ?? remove.error} />
          </div>
        ) : self ? (
          <span className="muted">You</span>
        ) : null}
      </td>
    </tr>
  );
}

export function MembersPage() {
  const { me, isOwner } = useSession();
  const [inviting, setInviting] = useState(false);
  const queries = useQueryClient();
  const members = useQuery({ queryKey: ['members'], queryFn: () => unwrap(api.GET('/v1/organization/users', { params: { query: { limit: 100 } } })).then((l) => (l as unknown as { data: Member[] }).data) });
  const invites = useQuery({
    queryKey: ['invites'],
    enabled: isOwner,
    queryFn: () => unwrap(api.GET('/v1/organization/invites', { params: { query: { limit: 100 } } })).then((l) => (l as unknown as { data: Invite[] }).data),
  });
  const cancel = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/v1/organization/invites/{invite_id}', { params: { path: { invite_id: id } } })),
    onSuccess: () => queries.invalidateQueries({ queryKey: ['invites'] }),
  });
  const pending = (invites.data ?? []).filter((i) => i.status === 'pending');
  return (
    <>
      <PageHeader
        title="Members"
        description="Owners manage the organization, its billing and every project; Readers use the projects they are added to."
        actions={isOwner ? <Button variant="primary" onClick={() => setInviting(true)}>Invite member</Button> : null}
      />
      <ErrorNote error={members.error ?? invites.error ?? cancel.error} />
      {members.isLoading ? (
        <Loading what="members" />
      ) : (
        <TableFrame caption="Members">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Added</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {(members.data ?? []).map((m) => (
              <MemberRow key={m.id} member={m} self={m.id === me.id} canManage={isOwner} />
            ))}
          </tbody>
        </TableFrame>
      )}
      {isOwner ? (
        <Section title="Pending invites">
          {pending.length === 0 ? (
            <p className="muted">No pending invites.</p>
          ) : (
            <ul className="plain-list">
              {pending.map((i) => (
                <li key={i.id}>
                  <span>
                    {i.email} as {ROLE_NAMES[i.role]}, until {formatDate(i.expires_at)}
                  </span>
                  <Button variant="ghost" aria-label={`Cancel invite for ${i.email}`} onClick={() => cancel.mutate(i.id)}>
                    Cancel invite
                  </Button>
                </li>
              ))}
            </ul>
          )}
        </Section>
      ) : null}
      <InviteDialog open={inviting} onOpenChange={setInviting} />
    </>
  );
}
