import type { NewKeyBody } from '../../api/types';

export type Permissions = NonNullable<NewKeyBody['permissions']>;
type Resources = Extract<Permissions, { mode: 'restricted' }>['resources'];
export type Resource = keyof Resources;
export type Level = NonNullable<Resources[Resource]>;

/**
 * The per-endpoint picker of a Restricted key. Typed against the API's own
 * schema: a resource added on the server and missing here (or a level it
 * does not take) fails the dashboard's type check.
 */
export const RESOURCES: { [K in Resource]-?: { label: string; levels: NonNullable<Resources[K]>[] } } = {
  models: { label: 'Models (/v1/models)', levels: ['none', 'read'] },
  chat_completions: { label: 'Chat completions', levels: ['none', 'write'] },
  completions: { label: 'Completions (legacy)', levels: ['none', 'write'] },
  embeddings: { label: 'Embeddings', levels: ['none', 'write'] },
  responses: { label: 'Responses', levels: ['none', 'read', 'write'] },
  projects: { label: 'Projects (admin)', levels: ['none', 'read', 'write'] },
  api_keys: { label: 'API keys (admin)', levels: ['none', 'read', 'write'] },
  admin_api_keys: { label: 'Admin keys (admin)', levels: ['none', 'read', 'write'] },
  audit_logs: { label: 'Audit log (admin)', levels: ['none', 'read'] },
  usage: { label: 'Usage (admin)', levels: ['none', 'read'] },
  rate_limits: { label: 'Rate limits (admin)', levels: ['none', 'read', 'write'] },
  billing: { label: 'Billing (admin)', levels: ['none', 'read', 'write'] },
  providers: { label: 'Providers (admin)', levels: ['none', 'read', 'write'] },
  users: { label: 'Members and invites (admin)', levels: ['none', 'read', 'write'] },
};

export const LEVEL_NAMES: Record<Level, string> = { none: 'None', read: 'Read', write: 'Write' };

export function describePermissions(p: Permissions): string {
  if (p.mode === 'all') return 'All';
  if (p.mode === 'read_only') return 'Read only';
  const granted = Object.entries(p.resources).filter(([, level]) => level && level !== 'none');
  return granted.length === 0 ? 'Restricted: nothing' : `Restricted: ${granted.map(([r, l]) => `${r} ${l}`).join(', ')}`;
}
