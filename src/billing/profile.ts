import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../store/index.js';

/** The organization's billing details, as receipts and statements show them. */
export const addressInput = z
  .object({
    line1: z.string().max(200).nullable().optional(),
    line2: z.string().max(200).nullable().optional(),
    city: z.string().max(100).nullable().optional(),
    postal_code: z.string().max(30).nullable().optional(),
    state: z.string().max(100).nullable().optional(),
    country: z.string().regex(/^[A-Z]{2}$/, 'a two-letter ISO country code such as "DE"').nullable().optional(),
  })
  .strict();

export const profileBody = z
  .object({
    legal_name: z.string().min(1).max(200).nullable().optional(),
    email: z.email().max(320).nullable().optional(),
    address: addressInput.nullable().optional(),
    tax_id: z.string().min(1).max(50).nullable().optional(),
  })
  .strict();

export type Address = z.infer<typeof addressInput>;

export interface BillingProfile {
  organizationId: string;
  /** The organization's name in Tollgate. */
  name: string;
  legalName: string | null;
  email: string | null;
  address: Address | null;
  taxId: string | null;
}

export async function readProfile(db: Kysely<Database>, organizationId: string): Promise<BillingProfile> {
  const [org, row] = await Promise.all([
    db.selectFrom('organizations').select('name').where('id', '=', organizationId).executeTakeFirst(),
    db.selectFrom('billing_profiles').selectAll().where('organization_id', '=', organizationId).executeTakeFirst(),
  ]);
  return {
    organizationId,
    name: org?.name ?? organizationId,
    legalName: row?.legal_name ?? null,
    email: row?.email ?? null,
    address: row?.address ? (JSON.parse(row.address) as Address) : null,
    taxId: row?.tax_id ?? null,
  };
}

/** Changes the fields given (null clears one); the rest stay. */
export async function writeProfile(db: Kysely<Database>, organizationId: string, input: z.infer<typeof profileBody>, now: number): Promise<BillingProfile> {
  const current = await readProfile(db, organizationId);
  const pick = <T>(given: T | undefined, kept: T) => (given === undefined ? kept : given);
  const address = pick(input.address, current.address);
  const values = {
    legal_name: pick(input.legal_name, current.legalName),
    email: pick(input.email, current.email),
    address: address === null ? null : JSON.stringify(address),
    tax_id: pick(input.tax_id, current.taxId),
    updated_at: now,
  };
  await db
    .insertInto('billing_profiles')
    .values({ organization_id: organizationId, ...values })
    .onConflict((oc) => oc.column('organization_id').doUpdateSet(values))
    .execute();
  return readProfile(db, organizationId);
}

/** The profile as address lines: legal name (else the organization's name), street, city, country, tax id. */
export function profileLines(profile: BillingProfile): string[] {
  const a = profile.address;
  const lines = [profile.legalName ?? profile.name];
  if (a?.line1) lines.push(a.line1);
  if (a?.line2) lines.push(a.line2);
  const city = [a?.postal_code, a?.city].filter(Boolean).join(' ');
  const region = [city, a?.state].filter(Boolean).join(', ');
  if (region) lines.push(region);
  if (a?.country) lines.push(a.country);
  if (profile.email) lines.push(profile.email);
  if (profile.taxId) lines.push(`Tax ID: ${profile.taxId}`);
  return lines;
}
