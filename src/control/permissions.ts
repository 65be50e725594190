import { z } from 'zod';

/**
 * What a key may do, in OpenAI's three modes: `all`, `read_only` (every read
 * scope), and `restricted` with a level (none/read/write) per resource. A
 * level grants scopes; the endpoint-to-scope table lives in
 * `gateway/scopes.ts` and only ever asks "does this key hold scope X".
 */
export type Level = 'none' | 'read' | 'write';

interface ResourceSpec {
  /** The levels this resource accepts (model capabilities have no read). */
  levels: readonly Level[];
  read: readonly string[];
  /** Write implies read. */
  write: readonly string[];
  description: string;
}

const resource = (levels: readonly Level[], read: string[], write: string[], description: string): ResourceSpec => ({ levels, read, write, description });

export const RESOURCES = {
  models: resource(['none', 'read'], ['model.read'], [], 'List and retrieve models (/v1/models).'),
  chat_completions: resource(['none', 'write'], [], ['model.request', 'api.chat.completions.write'], 'Call /v1/chat/completions.'),
  completions: resource(['none', 'write'], [], ['model.request', 'api.completions.write'], 'Call /v1/completions.'),
  embeddings: resource(['none', 'write'], [], ['model.request', 'api.embeddings.write'], 'Call /v1/embeddings.'),
  responses: resource(['none', 'read', 'write'], ['api.responses.read'], ['model.request', 'api.responses.write'], 'Create (write) and retrieve (read) /v1/responses.'),
  projects: resource(['none', 'read', 'write'], ['api.organization.projects.read'], ['api.organization.projects.write'], 'Admin API: projects.'),
  api_keys: resource(['none', 'read', 'write'], ['api.organization.api_keys.read'], ['api.organization.api_keys.write'], 'Admin API: project keys and service accounts.'),
  admin_api_keys: resource(['none', 'read', 'write'], ['api.organization.admin_api_keys.read'], ['api.organization.admin_api_keys.write'], 'Admin API: admin keys.'),
  audit_logs: resource(['none', 'read'], ['api.organization.audit_logs.read'], [], 'Admin API: the audit log.'),
  usage: resource(['none', 'read'], ['api.usage.read'], [], 'Admin API: usage and costs.'),
  rate_limits: resource(['none', 'read', 'write'], ['api.organization.rate_limits.read'], ['api.organization.rate_limits.write'], 'Admin API: project rate limits.'),
  billing: resource(['none', 'read', 'write'], ['api.organization.billing.read'], ['api.organization.billing.write'], 'Admin API: credits, tiers and budgets.'),
  providers: resource(['none', 'read', 'write'], ['api.organization.providers.read'], ['api.organization.providers.write'], 'Admin API: upstream provider credentials.'),
  users: resource(
    ['none', 'read', 'write'],
    ['api.organization.users.read', 'api.organization.invites.read', 'api.organization.projects.users.read'],
    ['api.organization.users.write', 'api.organization.invites.write', 'api.organization.projects.users.write'],
    'Admin API: organization members, invitations and project members.',
  ),
} satisfies Record<string, ResourceSpec>;

export type Resource = keyof typeof RESOURCES;
export const RESOURCE_NAMES = Object.keys(RESOURCES) as Resource[];

export type Permissions =
  | { mode: 'all' }
  | { mode: 'read_only' }
  | { mode: 'restricted'; resources: Partial<Record<Resource, Level>> };

export const ALL_PERMISSIONS: Permissions = { mode: 'all' };

/** The API and CLI input shape; an unknown resource or a level it does not take is a 400 naming it. */
export const permissionsSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('all') }).strict(),
  z.object({ mode: z.literal('read_only') }).strict(),
  z
    .object({
      mode: z.literal('restricted'),
      resources: z
        .object(Object.fromEntries(RESOURCE_NAMES.map((name) => [name, z.enum(RESOURCES[name].levels as [Level, ...Level[]]).optional()])))
        .strict(),
    })
    .strict(),
]);

/** Every scope the restricted levels can grant, for docs and the OpenAPI document. */
export function knownScopes(): string[] {
  return [...new Set(RESOURCE_NAMES.flatMap((name) => [...RESOURCES[name].read, ...RESOURCES[name].write]))];
}

export function grantsScope(permissions: Permissions, scope: string): boolean {
  if (permissions.mode === 'all') return true;
  if (permissions.mode === 'read_only') return scope.endsWith('.read');
  for (const name of RESOURCE_NAMES) {
    const level = permissions.resources[name] ?? 'none';
    const spec = RESOURCES[name];
    if (level === 'write' && (spec.write.includes(scope) || spec.read.includes(scope))) return true;
    if (level === 'read' && spec.read.includes(scope)) return true;
  }
  return false;
}

export function parsePermissions(text: string): Permissions {
  try {
    const parsed = permissionsSchema.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data as Permissions;
  } catch {
    // fall through: an unreadable record grants nothing
  }
  return { mode: 'restricted', resources: {} };
}
