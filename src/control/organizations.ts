import type { Kysely } from 'kysely';
import type { Clock } from '../common/clock.js';
import { newId } from '../common/ids.js';
import type { Database } from '../store/index.js';

/**
 * Organizations arrive with accounts and sign-up; until then the first one is
 * made at bootstrap and further ones by operators (the CLI) and tests.
 */
export async function createOrganization(db: Kysely<Database>, clock: Clock, name: string): Promise<{ id: string; name: string }> {
  const id = newId('org', clock.now());
  await db.insertInto('organizations').values({ id, name, status: 'active', created_at: clock.now() }).execute();
  return { id, name };
}

/** The organization created at first start, which the operator owns; a store bootstrapped before that record: the oldest one. */
export async function operatorOrganization(db: Kysely<Database>): Promise<string | undefined> {
  const recorded = await db.selectFrom('meta').select('value').where('key', '=', 'operator_organization').executeTakeFirst();
  if (recorded) return recorded.value;
  const first = await db.selectFrom('organizations').select('id').orderBy('created_at').orderBy('id').limit(1).executeTakeFirst();
  return first?.id;
}
