import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createColumnHelper } from '@tanstack/react-table';
import { useMemo, useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import type { Project } from '../../api/types';
import { DataTable } from '../../components/data-table';
import { Button, Confirm, Dialog, ErrorNote, Loading, PageHeader, TextField } from '../../components/ui';
import { useProject } from '../../lib/project';
import { formatDate } from '../../lib/time';
import { useCursorPages } from '../../lib/use-cursor-pages';

const column = createColumnHelper<Project>();

function NameDialog(props: { open: boolean; onOpenChange(open: boolean): void; title: string; initial: string; action: string; onSave(name: string): Promise<unknown> }) {
  const [name, setName] = useState(props.initial);
  const save = useMutation({ mutationFn: props.onSave, onSuccess: () => props.onOpenChange(false) });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate(name.trim());
  };
  return (
    <Dialog open={props.open} onOpenChange={props.onOpenChange} title={props.title}>
      <form className="form" onSubmit={submit}>
        <TextField label="Project name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
        <ErrorNote error={save.error} />
        <div className="dialog-actions">
          <Button onClick={() => props.onOpenChange(false)}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={save.isPending || name.trim() === ''}>
            {props.action}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

function ProjectActions({ project }: { project: Project }) {
  const queries = useQueryClient();
  const [renaming, setRenaming] = useState(false);
  const refresh = () => queries.invalidateQueries({ queryKey: ['projects'] });
  const archive = useMutation({ mutationFn: () => unwrap(api.POST('/v1/organization/projects/{project_id}/archive', { params: { path: { project_id: project.id } } })), onSuccess: refresh });
  if (project.status === 'archived') return null;
  return (
    <div className="row-actions">
      <Button variant="ghost" aria-label={`Rename ${project.name}`} onClick={() => setRenaming(true)}>
        Rename
      </Button>
      <Confirm
        trigger={<Button variant="ghost" aria-label={`Archive ${project.name}`}>Archive</Button>}
        title="Archive project"
        description={`Every key of ${project.name} stops working at once. The project's usage stays in your reports.`}
        action="Archive project"
        onConfirm={() => archive.mutate()}
      />
      <ErrorNote error={archive.error} />
      {renaming ? (
        <NameDialog
          open
          onOpenChange={setRenaming}
          title="Rename project"
          initial={project.name}
          action="Save"
          onSave={(name) => unwrap(api.POST('/v1/organization/projects/{project_id}', { params: { path: { project_id: project.id } }, body: { name } })).then(refresh)}
        />
      ) : null}
    </div>
  );
}

export function ProjectsPage() {
  const [creating, setCreating] = useState(false);
  const [archived, setArchived] = useState(false);
  const pages = useCursorPages();
  const queries = useQueryClient();
  const { select } = useProject();
  const list = useQuery({
    queryKey: ['projects', 'page', archived, pages.after],
    placeholderData: keepPreviousData,
    queryFn: () => unwrap(api.GET('/v1/organization/projects', { params: { query: { limit: 20, ...(pages.after ? { after: pages.after } : {}), ...(archived ? { include_archived: 'true' } : {}) } } })),
  });
  const columns = useMemo(
    () => [
      column.accessor('name', { header: 'Name' }),
      column.accessor('id', { header: 'ID', cell: (c) => <code>{c.getValue()}</code> }),
      column.accessor('status', { header: 'Status', cell: (c) => (c.getValue() === 'active' ? 'Active' : `Archived ${formatDate(c.row.original.archived_at)}`) }),
      column.accessor('created_at', { header: 'Created', cell: (c) => formatDate(c.getValue()) }),
      column.display({ id: 'actions', header: 'Actions', cell: (c) => <ProjectActions project={c.row.original} /> }),
    ],
    [],
  );
  return (
    <>
      <PageHeader title="Projects" description="Keys, budgets and rate limits belong to a project. Archiving a project stops its keys." actions={<Button variant="primary" onClick={() => setCreating(true)}>Create project</Button>} />
      <label className="checkbox">
        <input
          type="checkbox"
          checked={archived}
          onChange={(e) => {
            setArchived(e.target.checked);
            pages.reset();
          }}
        />
        Show archived projects
      </label>
      <ErrorNote error={list.error} />
      {list.isLoading ? <Loading what="projects" /> : <DataTable caption="Projects" columns={columns} rows={list.data?.data ?? []} rowKey={(p) => p.id} pager={pages.pager(list.data)} />}
      {creating ? (
        <NameDialog
          open
          onOpenChange={setCreating}
          title="Create project"
          initial=""
          action="Create"
          onSave={async (name) => {
            const project = await unwrap(api.POST('/v1/organization/projects', { body: { name } }));
            await queries.invalidateQueries({ queryKey: ['projects'] });
            select(project.id);
          }}
        />
      ) : null}
    </>
  );
}
