import { z } from 'zod';
import { TollgateError } from '../common/errors.js';
import { parseUsd, type Picos } from '../common/money.js';
import { formatRange, MAX_LEAK_STRINGS, parseRange, permissionsSchema, type KeyLimits, type KeySettings, type Permissions } from '../control/index.js';

/**
 * Input schemas of the admin API (and so of the CLI, which calls the same
 * operations). zod turns the first problem into OpenAI's 400 naming `param`.
 */
const name = z.string().trim().min(1).max(256);
const limit = z.coerce.number().int().min(1).max(100).default(20);
/** A list cursor is an id of the list (its first_id or last_id): anything else would silently page from nowhere. */
const cursor = z
  .string()
  .regex(/^[a-z]+(_[a-z]+)*_[0-9a-z]{26}$/, 'not an id from this list (pass the first_id or last_id of a page)')
  .optional();
const positiveInt = z.number().int().min(1).max(1_000_000_000_000);

export const pageQuery = z.object({ limit, after: cursor }).strict();
export const projectListQuery = pageQuery.extend({ include_archived: z.enum(['true', 'false']).optional() }).strict();
export const keyListQuery = pageQuery.extend({ include_revoked: z.enum(['true', 'false']).optional() }).strict();
export const adminKeyListQuery = pageQuery.extend({ order: z.enum(['asc', 'desc']).optional() }).strict();

const idList = z.array(z.string().min(1).max(128)).max(100).optional();
export const auditQuery = z
  .object({
    limit,
    after: cursor,
    before: cursor,
    event_types: idList,
    project_ids: idList,
    resource_ids: idList,
    'effective_at[gte]': z.coerce.number().int().min(0).optional(),
    'effective_at[lte]': z.coerce.number().int().min(0).optional(),
  })
  .strict();

export const projectBody = z.object({ name }).strict();

const keyFields = {
  name: name.optional(),
  permissions: permissionsSchema.optional(),
  allowed_ips: z.array(z.string().max(64)).max(100).nullable().optional(),
  expires_at: z.number().int().min(0).nullable().optional(),
  rpm_limit: positiveInt.nullable().optional(),
  tpm_limit: positiveInt.nullable().optional(),
  monthly_usage_limit_usd: z.union([z.string().max(32), z.number()]).nullable().optional(),
};
export const keyBody = z.object(keyFields).strict();
export const adminKeyBody = z.object({ name, permissions: keyFields.permissions, expires_at: keyFields.expires_at }).strict();
export const rotateBody = z
  .object({ grace_period_seconds: z.number().int().min(0).max(30 * 24 * 3600).optional(), name: name.optional() })
  .strict();
export const serviceAccountBody = z.object({ name }).strict();
export const leakBody = z
  .object({ strings: z.array(z.string().max(4096)).min(1).max(MAX_LEAK_STRINGS), source: z.string().max(512).optional() })
  .strict();

/** Exact picodollars from a decimal string or a plain-decimal number (never through a float sum). */
export function usdToPicos(value: string | number): Picos {
  const text = typeof value === 'number' ? String(value) : value;
  let picos: Picos;
  try {
    picos = parseUsd(text);
  } catch {
    throw new TollgateError('invalid_value', {
      param: 'monthly_usage_limit_usd',
      message: `Invalid 'monthly_usage_limit_usd': expected a decimal amount of USD with at most 12 decimals (e.g. "25.50"), but got ${JSON.stringify(value).slice(0, 40)}.`,
    });
  }
  if (picos < 0n) throw new TollgateError('invalid_value', { param: 'monthly_usage_limit_usd', message: "Invalid 'monthly_usage_limit_usd': it must not be negative." });
  return picos;
}

/** Each entry must be an IPv4/IPv6 address or CIDR range; stored in canonical form. */
export function parseAllowedIps(list: string[] | null): string[] | null {
  if (list === null) return null;
  return list.map((text, i) => {
    const range = parseRange(text);
    if (!range) throw new TollgateError('invalid_value', { param: `allowed_ips[${i}]`, message: `Invalid 'allowed_ips[${i}]': ${JSON.stringify(text)} is not an IPv4 or IPv6 address or CIDR range.` });
    return formatRange(range);
  });
}

/** API body -> service settings (absent stays absent; null clears). */
export function keySettings(body: z.infer<typeof keyBody>): KeySettings {
  const settings: KeySettings = {};
  if (body.name !== undefined) settings.name = body.name;
  if (body.permissions !== undefined) settings.permissions = body.permissions as Permissions;
  if (body.allowed_ips !== undefined) settings.allowedIps = parseAllowedIps(body.allowed_ips);
  if (body.expires_at !== undefined) settings.expiresAt = body.expires_at === null ? null : body.expires_at * 1000;
  const limits: Partial<KeyLimits> = {};
  if (body.rpm_limit !== undefined) limits.rpm = body.rpm_limit;
  if (body.tpm_limit !== undefined) limits.tpm = body.tpm_limit;
  if (body.monthly_usage_limit_usd !== undefined) limits.monthlyBudgetPicos = body.monthly_usage_limit_usd === null ? null : usdToPicos(body.monthly_usage_limit_usd);
  if (Object.keys(limits).length > 0) settings.limits = limits;
  return settings;
}

/** `event_types[]=a&event_types[]=b` and `event_types=a` both become arrays; other keys pass through. */
export function normaliseQuery(query: unknown, arrays: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [rawKey, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    const key = rawKey.endsWith('[]') ? rawKey.slice(0, -2) : rawKey;
    if (value === undefined) continue;
    if (arrays.includes(key)) {
      const list = Array.isArray(value) ? value : [value];
      out[key] = [...((out[key] as unknown[]) ?? []), ...list.flatMap((v) => String(v).split(','))];
    } else {
      out[key] = Array.isArray(value) ? value[value.length - 1] : value;
    }
  }
  return out;
}
