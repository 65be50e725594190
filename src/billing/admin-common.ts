import type { Kysely } from 'kysely';
import { z } from 'zod';
import { TollgateError } from '../common/errors.js';
import { formatUsd, formatUsdExact, MAX_REQUEST_PICOS, parseUsd } from '../common/money.js';
import type { KeyPrincipal } from '../control/index.js';
import type { Database } from '../store/index.js';

/** Exact USD text: as many decimals as the amount needs, at least two. */
export const usdText = formatUsdExact;

/** A USD amount in a request: decimal text ("1.50") or a JSON number; never a float in arithmetic. */
export const usdInput = z.union([z.string().regex(/^\d+(\.\d{1,12})?$/, 'a USD amount such as "1.50"'), z.number().nonnegative().finite()]).transform((v, ctx) => {
  try {
    const picos = parseUsd(typeof v === 'number' ? v.toFixed(12).replace(/\.?0+$/, '') : v);
    if (picos > MAX_REQUEST_PICOS) throw new RangeError('too large');
    return picos;
  } catch {
    ctx.addIssue({ code: 'custom', message: `a USD amount with at most 12 decimals, at most ${formatUsd(MAX_REQUEST_PICOS, 0)}` });
    return z.NEVER;
  }
});

/** A signed USD amount in a request ("-2.50"): for adjustments, which may take money away. */
export const signedUsdInput = z
  .string()
  .regex(/^-?\d+(\.\d{1,12})?$/, 'a USD amount such as "-2.50"')
  .transform((v) => parseUsd(v))
  .refine((picos) => picos <= MAX_REQUEST_PICOS && picos >= -MAX_REQUEST_PICOS, `at most ${formatUsd(MAX_REQUEST_PICOS, 0)} either way`);

export const thresholdsInput = z.array(z.number().int().min(1).max(1000)).max(20);

export function callerOf(principal: KeyPrincipal | undefined): KeyPrincipal {
  if (!principal) throw new TollgateError('missing_api_key');
  return principal;
}

/** The project, when it belongs to the caller's organization; 404 otherwise (never reveal another organization's ids). */
export async function ownProject(db: Kysely<Database>, organizationId: string, projectId: string): Promise<void> {
  const row = await db.selectFrom('projects').select('id').where('id', '=', projectId).where('organization_id', '=', organizationId).executeTakeFirst();
  if (!row) throw new TollgateError('not_found', { message: `No such project: ${projectId.slice(0, 100)}` });
}

export async function ownKey(db: Kysely<Database>, organizationId: string, projectId: string, keyId: string): Promise<void> {
  await ownProject(db, organizationId, projectId);
  const row = await db.selectFrom('api_keys').select('id').where('id', '=', keyId).where('project_id', '=', projectId).executeTakeFirst();
  if (!row) throw new TollgateError('not_found', { message: `No such API key in project ${projectId}: ${keyId.slice(0, 100)}` });
}
