import type { Kysely } from 'kysely';
import type { Clock } from '../common/clock.js';
import { TollgateError } from '../common/errors.js';
import type { Config } from '../config/index.js';
import { recordAudit, type Actor } from '../control/index.js';
import type { Database } from '../store/index.js';

export type SignupPolicyName = 'open' | 'invite' | 'domains' | 'closed';
export const SIGNUP_POLICIES: readonly SignupPolicyName[] = ['open', 'invite', 'domains', 'closed'];

export interface SignupPolicy {
  policy: SignupPolicyName;
  domains: string[];
}

const META_KEY = 'signup_policy';

/** The policy in force: the operator's (kept in the store, shared by every instance), else the configuration's. */
export async function readSignupPolicy(db: Kysely<Database>, config: Config): Promise<SignupPolicy & { source: 'operator' | 'config' }> {
  const row = await db.selectFrom('meta').select('value').where('key', '=', META_KEY).executeTakeFirst();
  if (row) return { ...(JSON.parse(row.value) as SignupPolicy), source: 'operator' };
  return { policy: config.signup, domains: config.signup_domains.map((d) => d.toLowerCase()), source: 'config' };
}

export async function writeSignupPolicy(db: Kysely<Database>, clock: Clock, actor: Actor, next: SignupPolicy, before: SignupPolicy): Promise<void> {
  const value = JSON.stringify({ policy: next.policy, domains: next.domains.map((d) => d.toLowerCase()) });
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('meta').values({ key: META_KEY, value }).onConflict((oc) => oc.column('key').doUpdateSet({ value })).execute();
    await recordAudit(trx, clock, actor, { type: 'signup_policy.updated', projectId: null, resourceId: null, details: { from: { policy: before.policy, domains: before.domains }, to: JSON.parse(value) } });
  });
}

/**
 * The sign-up gate: whether an address may create an account by itself.
 * `invite` lets in invited addresses (a pending invite, or accepting one),
 * `domains` the listed domains and invited addresses, `closed` nobody: then
 * only the operator creates accounts (`tollgate users create`).
 */
export function signupGate(db: Kysely<Database>, clock: Clock, config: Config) {
  return async (email: string, options: { invited?: boolean } = {}): Promise<void> => {
    const { policy, domains } = await readSignupPolicy(db, config);
    if (policy === 'open') return;
    if (policy === 'closed') throw new TollgateError('signup_restricted', { message: 'Sign-up is closed on this Tollgate: ask its operator for an account.' });
    let invited = options.invited === true;
    if (!invited) {
      const pending = await db.selectFrom('invites').select('id').where('email', '=', email).where('status', '=', 'pending').where('expires_at', '>', BigInt(clock.now())).executeTakeFirst();
      invited = pending !== undefined;
    }
    if (invited) return;
    if (policy === 'domains' && domains.includes(email.slice(email.lastIndexOf('@') + 1))) return;
    throw new TollgateError('signup_restricted', {
      message: policy === 'invite' ? 'Sign-up is by invitation only on this Tollgate.' : 'Sign-up on this Tollgate is open to addresses of its allowed domains, and to invited addresses.',
    });
  };
}
