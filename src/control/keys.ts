import type { Kysely } from 'kysely';
import type { Clock } from '../common/clock.js';
import { newId } from '../common/ids.js';
import type { ServerSecret } from '../secrets/index.js';
import { toNumber, type Database } from '../store/index.js';
import { generateKey, parseKey, redactKey, type KeyKind } from './api-key-format.js';
import { ALL_PERMISSIONS, parsePermissions, type Permissions } from './permissions.js';

/** Who is calling, as the gateway and the admin API see it. */
export interface KeyPrincipal {
  keyId: string;
  kind: KeyKind;
  name: string;
  organizationId: string;
  projectId: string | null;
  permissions: Permissions;
  expiresAt: number | null;
  /** CIDR ranges the key may be used from; null = anywhere. */
  allowedIps: string[] | null;
  /** Optional per-key limits, enforced by the limits layer. */
  limits: KeyLimits;
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
}

export interface CreatedKey {
  id: string;
  /** The full secret: returned here and never again. */
  secret: string;
  redacted: string;
}

export interface KeyService {
  create(input: CreateKeyInput, db?: Kysely<Database>): Promise<CreatedKey>;
  /** The principal for a presented secret, or null when it is not a live key. */
  authenticate(secret: string): Promise<KeyPrincipal | null>;
  /** Drops cached state for a key so the next request sees the store. */
  invalidate(keyId: string): void;
}

interface CacheEntry {
  principal: KeyPrincipal | null;
  /** Unknown hashes are remembered briefly so a flood of bad keys does not reach the store. */
  until: number;
}

const NEGATIVE_TTL_MS = 2_000;
const POSITIVE_TTL_MS = 60_000;
const MAX_ENTRIES = 50_000;

export function createKeyService(deps: { db: Kysely<Database>; secret: ServerSecret; clock: Clock }): KeyService {
  const { db, secret, clock } = deps;
  const cache = new Map<string, CacheEntry>();
  const hashById = new Map<string, string>();

  async function load(hash: string): Promise<KeyPrincipal | null> {
    const row = await db
      .selectFrom('api_keys')
      .innerJoin('organizations', 'organizations.id', 'api_keys.organization_id')
      .leftJoin('projects', 'projects.id', 'api_keys.project_id')
      .select([
        'api_keys.id',
        'api_keys.kind',
        'api_keys.name',
        'api_keys.organization_id',
        'api_keys.project_id',
        'api_keys.permissions',
        'api_keys.status',
        'api_keys.expires_at',
        'api_keys.allowed_ips',
        'api_keys.rpm_limit',
        'api_keys.tpm_limit',
        'api_keys.monthly_budget_picos',
        'organizations.status as organization_status',
        'projects.status as project_status',
      ])
      .where('api_keys.hash', '=', hash)
      .executeTakeFirst();
    if (!row || row.status !== 'active' || row.organization_status !== 'active') return null;
    if (row.project_id !== null && row.project_status !== 'active') return null;
    return {
      keyId: row.id,
      kind: row.kind as KeyKind,
      name: row.name,
      organizationId: row.organization_id,
      projectId: row.project_id,
      permissions: parsePermissions(row.permissions),
      expiresAt: toNumber(row.expires_at),
      allowedIps: row.allowed_ips ? (JSON.parse(row.allowed_ips) as string[]) : null,
      limits: { rpm: toNumber(row.rpm_limit), tpm: toNumber(row.tpm_limit), monthlyBudgetPicos: row.monthly_budget_picos },
    };
  }

  function remember(hash: string, principal: KeyPrincipal | null, now: number): void {
    if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
    cache.set(hash, { principal, until: now + (principal ? POSITIVE_TTL_MS : NEGATIVE_TTL_MS) });
    if (principal) hashById.set(principal.keyId, hash);
  }

  return {
    async create(input, executor = db) {
      const id = newId('key');
      const key = generateKey(input.kind);
      await executor
        .insertInto('api_keys')
        .values({
          id,
          kind: input.kind,
          organization_id: input.organizationId,
          project_id: input.projectId,
          name: input.name,
          hash: secret.hash(key),
          redacted: redactKey(key),
          status: 'active',
          permissions: JSON.stringify(input.permissions ?? ALL_PERMISSIONS),
          created_by: input.createdBy ?? null,
          created_at: clock.now(),
          expires_at: input.expiresAt ?? null,
          last_used_at: null,
          allowed_ips: null,
          rpm_limit: null,
          tpm_limit: null,
          monthly_budget_picos: null,
        })
        .execute();
      return { id, secret: key, redacted: redactKey(key) };
    },

    async authenticate(presented) {
      if (!parseKey(presented)) return null;
      const hash = secret.hash(presented);
      const now = clock.now();
      let entry = cache.get(hash);
      if (!entry || entry.until <= now) {
        remember(hash, await load(hash), now);
        entry = cache.get(hash)!;
      }
      const principal = entry.principal;
      if (!principal) return null;
      if (principal.expiresAt !== null && principal.expiresAt <= now) return null;
      return principal;
    },

    invalidate(keyId) {
      const hash = hashById.get(keyId);
      if (hash) cache.delete(hash);
      hashById.delete(keyId);
    },
  };
}
