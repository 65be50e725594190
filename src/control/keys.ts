import type { Kysely } from 'kysely';
import type { Clock } from '../common/clock.js';
import { newId } from '../common/ids.js';
import type { ServerSecret } from '../secrets/index.js';
import { toNumber, type Database } from '../store/index.js';
import { generateKey, parseKey, redactKey, type KeyKind } from './api-key-format.js';
import { ipAllowed, parseRange, type IpRange } from './ip-ranges.js';
import { createLastUsedTracker } from './last-used.js';
import { parseModelPolicy, type ModelPolicy } from './model-permissions.js';
import { ALL_PERMISSIONS, parsePermissions, type Permissions } from './permissions.js';

/** Who is calling, as the gateway and the admin API see it. */
export interface KeyPrincipal {
  /** The key's id; for a session (the dashboard), the session's id. */
  keyId: string;
  /** A key's kind, or `session` for a person signed in to the dashboard. */
  kind: KeyKind | 'session';
  name: string;
  organizationId: string;
  projectId: string | null;
  /** The service account holding the key (service account keys only). */
  serviceAccountId?: string | null;
  permissions: Permissions;
  /** When the key stops working: its expiry or the end of a rotation grace, whichever is first. */
  expiresAt: number | null;
  /** CIDR ranges the key may be used from; null = anywhere. */
  allowedIps: string[] | null;
  /** Optional per-key limits, enforced by the limits layer. */
  limits: KeyLimits;
  /** The person behind the call: a session's account, or the person who created the key (null: the organization's own key). */
  userId?: string | null;
  /** The operator's authority: an operator's session, or an operator admin key. */
  operator?: boolean;
  /** A session's role in the organization it acts in (null: the operator acting in an organization it is not a member of). */
  role?: 'owner' | 'reader' | null;
  /** The models the project and the key allow (null: no policy); both must let a model through. */
  models?: { project: ModelPolicy | null; key: ModelPolicy | null };
}

export interface KeyLimits {
  rpm: number | null;
  tpm: number | null;
  monthlyBudgetPicos: bigint | null;
}

export interface CreateKeyInput {
  kind: KeyKind;
  organizationId: string;
  projectId: string | null;
  name: string;
  permissions?: Permissions;
  createdBy?: string | null;
  expiresAt?: number | null;
  serviceAccountId?: string | null;
  allowedIps?: string[] | null;
  limits?: Partial<KeyLimits>;
  rotatedFromId?: string | null;
  /** An admin key with the operator's authority. */
  operator?: boolean;
}

export interface CreatedKey {
  id: string;
  /** The full secret: returned here and never again. */
  secret: string;
  redacted: string;
}

export type AuthResult = { ok: true; principal: KeyPrincipal } | { ok: false; reason: 'invalid' | 'ip_not_allowed' };

export interface KeyService {
  create(input: CreateKeyInput, db?: Kysely<Database>): Promise<CreatedKey>;
  /** Checks a presented secret (and the client address against the key's ranges). */
  authenticate(secret: string, clientIp?: string): Promise<AuthResult>;
  /** Drops cached state for a key so the next request sees the store (this instance only). */
  invalidate(keyId: string): void;
  /** Drops cached state for every key of a project (this instance only). */
  invalidateProject(projectId: string): void;
  /** Last use seen by this instance and not yet written to the store. */
  pendingLastUsed(keyId: string): number | null;
  flushLastUsed(): Promise<void>;
  close(): Promise<void>;
}

interface CacheEntry {
  principal: KeyPrincipal | null;
  ranges: IpRange[] | null;
  /** Unknown hashes are remembered briefly so a flood of bad keys does not reach the store. */
  until: number;
}

const NEGATIVE_TTL_MS = 2_000;
/** A safety net only: invalidations and store re-validation keep entries current. */
const POSITIVE_TTL_MS = 60_000;
const MAX_ENTRIES = 50_000;

function loadQuery(db: Kysely<Database>, hash: string) {
  return db
    .selectFrom('api_keys')
    .innerJoin('organizations', 'organizations.id', 'api_keys.organization_id')
    .leftJoin('projects', 'projects.id', 'api_keys.project_id')
    .selectAll('api_keys')
    .select(['organizations.status as organization_status', 'projects.status as project_status', 'projects.model_permissions as project_model_permissions'])
    .where('api_keys.hash', '=', hash)
    .executeTakeFirst();
}

type LoadedRow = NonNullable<Awaited<ReturnType<typeof loadQuery>>>;

function firstOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  return b === null ? a : Math.min(a, b);
}

function principalOf(row: LoadedRow): KeyPrincipal {
  return {
    keyId: row.id,
    kind: row.kind as KeyKind,
    name: row.name,
    organizationId: row.organization_id,
    projectId: row.project_id,
    serviceAccountId: row.service_account_id,
    permissions: parsePermissions(row.permissions),
    expiresAt: firstOf(toNumber(row.expires_at), toNumber(row.revoke_at)),
    allowedIps: row.allowed_ips ? (JSON.parse(row.allowed_ips) as string[]) : null,
    limits: { rpm: toNumber(row.rpm_limit), tpm: toNumber(row.tpm_limit), monthlyBudgetPicos: row.monthly_budget_picos },
    userId: row.created_by?.startsWith('usr_') ? row.created_by : null,
    operator: row.kind === 'admin' && Number(row.operator ?? 0) === 1,
    models: { project: parseModelPolicy(row.project_model_permissions), key: parseModelPolicy(row.model_permissions) },
  };
}

function isLive(row: LoadedRow | undefined): row is LoadedRow {
  if (!row || row.status !== 'active' || row.organization_status !== 'active') return false;
  return row.project_id === null || row.project_status === 'active';
}

export function createKeyService(deps: { db: Kysely<Database>; secret: ServerSecret; clock: Clock; lastUsedFlushMs?: number }): KeyService {
  const { db, secret, clock } = deps;
  const cache = new Map<string, CacheEntry>();
  const hashById = new Map<string, string>();
  const lastUsed = createLastUsedTracker(db, deps.lastUsedFlushMs ?? 10_000);
  // Bumped by every invalidation: a load that started before one must not repopulate the cache.
  let generation = 0;

  function entryFor(principal: KeyPrincipal | null, now: number): CacheEntry {
    const ranges = principal?.allowedIps ? principal.allowedIps.map(parseRange).filter((r): r is IpRange => r !== null) : null;
    return { principal, ranges, until: now + (principal ? POSITIVE_TTL_MS : NEGATIVE_TTL_MS) };
  }

  function remember(hash: string, entry: CacheEntry): CacheEntry {
    if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
    cache.set(hash, entry);
    if (entry.principal) hashById.set(entry.principal.keyId, hash);
    return entry;
  }

  async function lookup(hash: string, now: number): Promise<CacheEntry> {
    const cached = cache.get(hash);
    if (cached && cached.until > now) return cached;
    for (let attempt = 0; ; attempt++) {
      const seen = generation;
      const row = await loadQuery(db, hash);
      const entry = entryFor(isLive(row) ? principalOf(row) : null, now);
      if (seen === generation) return remember(hash, entry);
      // An invalidation landed while loading: the row may predate it. Read again, and
      // if changes keep racing, answer from the newest read without caching it.
      if (attempt >= 2) return entry;
    }
  }

  return {
    async create(input, executor = db) {
      const id = newId('key');
      const key = generateKey(input.kind);
      const now = clock.now();
      await executor
        .insertInto('api_keys')
        .values({
          id,
          kind: input.kind,
          organization_id: input.organizationId,
          project_id: input.projectId,
          service_account_id: input.serviceAccountId ?? null,
          name: input.name,
          hash: secret.hash(key),
          redacted: redactKey(key),
          status: 'active',
          permissions: JSON.stringify(input.permissions ?? ALL_PERMISSIONS),
          created_by: input.createdBy ?? null,
          created_at: now,
          updated_at: now,
          expires_at: input.expiresAt ?? null,
          last_used_at: null,
          allowed_ips: input.allowedIps ? JSON.stringify(input.allowedIps) : null,
          rpm_limit: input.limits?.rpm ?? null,
          tpm_limit: input.limits?.tpm ?? null,
          monthly_budget_picos: input.limits?.monthlyBudgetPicos ?? null,
          rotated_from_id: input.rotatedFromId ?? null,
          operator: input.kind === 'admin' && input.operator ? 1 : 0,
        })
        .execute();
      return { id, secret: key, redacted: redactKey(key) };
    },

    async authenticate(presented, clientIp) {
      if (!parseKey(presented)) return { ok: false, reason: 'invalid' };
      const now = clock.now();
      const entry = await lookup(secret.hash(presented), now);
      const principal = entry.principal;
      if (!principal) return { ok: false, reason: 'invalid' };
      if (principal.expiresAt !== null && principal.expiresAt <= now) return { ok: false, reason: 'invalid' };
      if (clientIp !== undefined && !ipAllowed(entry.ranges, clientIp)) return { ok: false, reason: 'ip_not_allowed' };
      lastUsed.touch(principal.keyId, now);
      return { ok: true, principal };
    },

    invalidate(keyId) {
      generation++;
      const hash = hashById.get(keyId);
      if (hash) cache.delete(hash);
      hashById.delete(keyId);
    },

    invalidateProject(projectId) {
      generation++;
      for (const [hash, entry] of cache) {
        if (entry.principal?.projectId !== projectId) continue;
        cache.delete(hash);
        hashById.delete(entry.principal.keyId);
      }
    },

    pendingLastUsed: (keyId) => lastUsed.pending(keyId),
    flushLastUsed: () => lastUsed.flush(),
    close: () => lastUsed.close(),
  };
}
