import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createColumnHelper } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { api, unwrap } from '../../api/client';
import type { NewProjectKey, ProjectKey } from '../../api/types';
import { DataTable } from '../../components/data-table';
import { Button, Confirm, ErrorNote, Loading, PageHeader, Section } from '../../components/ui';
import { formatUsdText } from '../../lib/money';
import { useProject } from '../../lib/project';
import { formatDate, formatDateTime } from '../../lib/time';
import { useCursorPages } from '../../lib/use-cursor-pages';
import { CreateKeyDialog } from './create-key-dialog';
import { FirstCall } from './first-call';
import { describePermissions } from './permissions';
import { SecretDialog } from './secret-dialog';

const PAGE_SIZE = 20;
const column = createColumnHelper<ProjectKey>();

function ownerOf(key: ProjectKey): string {
  if (key.owner.type === 'service_account') return `Service account ${'name' in key.owner.service_account ? key.owner.service_account.name : key.owner.service_account.id}`;
  const user = key.owner.user;
  return user ? String(user.email ?? user.name ?? user.id) : 'Organization';
}

function statusOf(key: ProjectKey): string {
  if (key.status !== 'active') return key.status === 'revoked' ? 'Revoked' : 'Expired';
  if (key.revokes_at) return `Rotated: stops ${formatDateTime(key.revokes_at)}`;
  return 'Active';
}

function KeyActions({ keyRecord, projectId }: { keyRecord: ProjectKey; projectId: string }) {
  const queries = useQueryClient();
  const [rotated, setRotated] = useState<NewProjectKey | null>(null);
  const path = { project_id: projectId, key_id: keyRecord.id };
  const done = () => queries.invalidateQueries({ queryKey: ['keys'] });
  const revoke = useMutation({ mutationFn: () => unwrap(api.DELETE('/v1/organization/projects/{project_id}/api_keys/{key_id}', { params: { path } })), onSuccess: done });
  const rotate = useMutation({
    mutationFn: () => unwrap(api.POST('/v1/organization/projects/{project_id}/api_keys/{key_id}/rotate', { params: { path }, body: { grace_period_seconds: 86_400 } })),
    onSuccess: (key) => {
      setRotated(key);
      void done();
    },
  });
  if (keyRecord.status !== 'active' || keyRecord.revokes_at) return null;
  return (
    <div className="row-actions">
      <Confirm
        trigger={<Button variant="ghost" aria-label={`Rotate ${keyRecord.name}`}>Rotate</Button>}
        title="Rotate secret key"
        description={`A new secret replaces ${keyRecord.redacted_value}. The old one keeps working for 24 hours, so you can deploy the new one first.`}
        action="Rotate key"
        onConfirm={() => rotate.mutate()}
      />
      <Confirm
        trigger={<Button variant="ghost" aria-label={`Revoke ${keyRecord.name}`}>Revoke</Button>}
        title="Revoke secret key"
        description={`${keyRecord.name} (${keyRecord.redacted_value}) stops working at once. Requests using it will be refused. This cannot be undone.`}
        action="Revoke key"
        onConfirm={() => revoke.mutate()}
      />
      <ErrorNote error={revoke.error ?? rotate.error} />
      <SecretDialog created={rotated} onDone={() => setRotated(null)} />
    </div>
  );
}

export function KeysPage() {
  const { current, projects, loading } = useProject();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<NewProjectKey | null>(null);
  const [showRevoked, setShowRevoked] = useState(false);
  const pages = useCursorPages();
  const projectId = current?.id ?? '';
  const list = useQuery({
    queryKey: ['keys', projectId, showRevoked, pages.after],
    enabled: projectId !== '',
    placeholderData: keepPreviousData,
    queryFn: () =>
      unwrap(
        api.GET('/v1/organization/projects/{project_id}/api_keys', {
          params: { path: { project_id: projectId }, query: { limit: PAGE_SIZE, ...(pages.after ? { after: pages.after } : {}), ...(showRevoked ? { include_revoked: 'true' } : {}) } },
        }),
      ),
  });
  const columns = useMemo(
    () => [
      column.accessor('name', { header: 'Name' }),
      column.accessor('redacted_value', { header: 'Secret key', cell: (c) => <code>{c.getValue()}</code> }),
      column.display({ id: 'project', header: 'Project', cell: () => current?.name ?? '' }),
      column.display({ id: 'owner', header: 'Owner', cell: (c) => ownerOf(c.row.original) }),
      column.accessor('created_at', { header: 'Created', cell: (c) => formatDate(c.getValue()) }),
      column.accessor('last_used_at', { header: 'Last used', cell: (c) => (c.getValue() ? formatDateTime(c.getValue()) : 'Never') }),
      column.accessor('permissions', { header: 'Permissions', cell: (c) => describePermissions(c.getValue()) }),
      column.accessor('monthly_usage_limit_usd', { header: 'Monthly limit', cell: (c) => (c.getValue() ? formatUsdText(c.getValue()) : '—') }),
      column.display({ id: 'status', header: 'Status', cell: (c) => statusOf(c.row.original) }),
      column.accessor('rotation_due', { header: 'Rotation due', cell: (c) => (c.getValue() ? 'Yes' : 'No') }),
      column.display({ id: 'actions', header: 'Actions', cell: (c) => <KeyActions keyRecord={c.row.original} projectId={projectId} /> }),
    ],
    [current, projectId],
  );

  if (loading) return <Loading what="projects" />;
  const keys = list.data?.data ?? [];
  const firstKeyJustMade = created !== null || (keys.length > 0 && keys.length <= 2 && pages.after === undefined);
  return (
    <>
      <PageHeader
        title="API keys"
        description="Your secret API keys are listed below. The secret is shown once, when the key is made; do not share it or expose it in the browser or other client-side code."
        actions={
          <Button variant="primary" onClick={() => setCreating(true)} disabled={!current}>
            Create new secret key
          </Button>
        }
      />
      <label className="checkbox">
        <input
          type="checkbox"
          checked={showRevoked}
          onChange={(e) => {
            setShowRevoked(e.target.checked);
            pages.reset();
          }}
        />
        Show revoked keys
      </label>
      <ErrorNote error={list.error} />
      {list.isLoading ? (
        <Loading what="keys" />
      ) : (
        <DataTable
          caption={`API keys of ${current?.name ?? 'the project'}`}
          columns={columns}
          rows={keys}
          rowKey={(k) => k.id}
          pager={pages.pager(list.data)}
          empty="This project has no keys yet. Create one to make your first call."
        />
      )}
      {firstKeyJustMade ? (
        <Section title="Make your first call">
          <p>Set your key as <code>TOLLGATE_API_KEY</code>, then call any model this project may use:</p>
          <FirstCall />
        </Section>
      ) : null}
      {current ? (
        <CreateKeyDialog
          open={creating}
          onOpenChange={setCreating}
          projects={projects}
          projectId={current.id}
          onCreated={(key) => {
            setCreating(false);
            setCreated(key);
          }}
        />
      ) : null}
      <SecretDialog created={created} onDone={() => setCreated(null)} />
    </>
  );
}
