/**
 * Who performs a management action, for scoping and the audit log. Every
 * service function takes one: the admin API builds it from the admin key and
 * the request, the CLI in local mode from the operator's shell.
 */
export interface Actor {
  organizationId: string;
  type: 'api_key' | 'user' | 'cli' | 'system';
  /** Admin key id, user id, or null (cli, system). */
  id: string | null;
  ip: string | null;
  userAgent: string | null;
  /** The operator's authority (an operator's session or key, or the shell in local mode): admin keys it creates in the operator organization carry it too. */
  operator?: boolean;
  /** A person who sees only the projects they are a member of (an organization Reader). */
  memberProjectsOnly?: boolean;
}

export function systemActor(organizationId: string): Actor {
  return { organizationId, type: 'system', id: null, ip: null, userAgent: null };
}
