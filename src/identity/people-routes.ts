import { z } from 'zod';
import { TollgateError } from '../common/errors.js';
import { operatorOrganization } from '../control/index.js';
import { sendVerification, type SignupGate } from './accounts.js';
import { auditAccount, personActor, type IdentityDeps } from './context.js';
import { acceptInvite, lookupInvite } from './invites.js';
import { addOrgMember, addProjectMember, membershipsOf } from './members.js';
import { checkOrgName, createOrganizationWithOwner, type Onboard } from './organizations.js';
import { checkPasswordPolicy, hashPassword } from './passwords.js';
import type { AccountRoute } from './routes.js';
import { establishSession } from './sign-in.js';
import { consumeToken, tokenHash } from './tokens.js';
import { checkEmail, findUserRowByEmail, getUser, getUserRow, insertUser } from './users.js';

const token = z.string().max(200);
const orgBody = z.object({ name: z.string().max(256) }).strict();
const inviteTokenBody = z.object({ token }).strict();
const acceptBody = z.object({ token, password: z.string().max(1024).optional(), name: z.string().max(256).optional() }).strict();
const setupBody = z.object({ token, email: z.string().max(320).optional(), password: z.string().max(1024), name: z.string().max(256).optional() }).strict();

export interface PeopleRouteDeps {
  signupGate: SignupGate;
  onboard: Onboard;
}

/**
 * The operator's setup link (printed once at first start) and `tollgate users
 * create` links: a token without an account creates the first operator with
 * the address given, Owner of the organization made at first start; a token
 * of an account sets that account's password. Either way the browser is
 * signed in, and the address gets a verification link.
 */
async function setup(deps: IdentityDeps, ctx: Parameters<AccountRoute['handler']>[0]) {
  const { request, reply, body } = ctx;
  const row = await deps.db
    .selectFrom('user_tokens')
    .selectAll()
    .where('token_hash', '=', tokenHash(deps.secret, 'setup', body.token))
    .where('used_at', 'is', null)
    .where('expires_at', '>', BigInt(deps.clock.now()))
    .executeTakeFirst();
  if (!row) throw new TollgateError('invalid_token', { param: 'token' });
  let userId: string;
  if (row.user_id) {
    const user = await getUserRow(deps.db, row.user_id);
    if (!user) throw new TollgateError('invalid_token', { param: 'token' });
    checkPasswordPolicy(body.password, { email: user.email, name: user.name });
    await consumeToken(deps, 'setup', body.token);
    await deps.db.updateTable('users').set({ password_hash: await hashPassword(body.password), updated_at: deps.clock.now() }).where('id', '=', user.id).execute();
    userId = user.id;
  } else {
    if (body.email === undefined) throw new TollgateError('missing_required_parameter', { param: 'email', message: "Missing required parameter: 'email' (the operator's address)." });
    const email = checkEmail(body.email);
    const name = body.name?.trim() || null;
    checkPasswordPolicy(body.password, { email, name });
    if (await findUserRowByEmail(deps.db, email)) {
      throw new TollgateError('conflict', { param: 'email', message: `${email} already has an account: choose another address, or make it an operator with \`tollgate users create ${email} --operator\`.` });
    }
    await consumeToken(deps, 'setup', body.token);
    const user = await insertUser(deps.db, deps.clock, { email, name, passwordHash: await hashPassword(body.password), operator: true });
    const org = await operatorOrganization(deps.db);
    if (org) {
      await addOrgMember(deps.db, deps.clock, org, user.id, 'owner');
      const projects = await deps.db.selectFrom('projects').select('id').where('organization_id', '=', org).execute();
      for (const p of projects) await addProjectMember(deps.db, deps.clock, org, p.id, user.id, 'owner');
    }
    await auditAccount(deps, request, user.id, 'user.signed_up', { email, operator: true, setup: true });
    userId = user.id;
  }
  const user = await getUser(deps.db, userId);
  if (user.emailVerifiedAt === null) await sendVerification(deps, user);
  return establishSession(deps, request, reply, userId, 'setup');
}

/** Routes of the session API that concern organizations and invitations. */
export function peopleAccountRoutes(deps: IdentityDeps, people: PeopleRouteDeps): AccountRoute[] {
  return [
    {
      method: 'GET', path: '/v1/me/organizations', id: 'listMyOrganizations', session: true,
      summary: 'The organizations of the signed-in account, with its role in each and its projects there.',
      returns: 'list of organization',
      async handler({ session }) {
        const data = await membershipsOf(deps.db, session.userId);
        return { object: 'list', data, first_id: (data[0]?.id as string) ?? null, last_id: (data.at(-1)?.id as string) ?? null, has_more: false };
      },
    },
    {
      method: 'POST', path: '/v1/me/organizations', id: 'createOrganization', session: true, body: orgBody, status: 201,
      summary: 'Create an organization (with a Default project) owned by the signed-in account; it starts with the trial grant and the new organizations\' tier.',
      returns: 'organization',
      async handler({ request, session, body }) {
        const name = checkOrgName(body.name);
        const created = await createOrganizationWithOwner(deps.db, deps.clock, people.onboard, { name, ownerId: session.userId, actor: personActor(request, session.userId) });
        return (await membershipsOf(deps.db, session.userId)).find((o) => o.id === created.id);
      },
    },
    {
      method: 'POST', path: '/v1/auth/invites/lookup', id: 'lookupInvite', session: false, body: inviteTokenBody,
      summary: 'What an invite link offers (organization, address, role, projects) and whether its address already has an account.',
      returns: 'organization.invite with organization and account_exists',
      handler: ({ body }) => lookupInvite(deps, body.token),
    },
    {
      method: 'POST', path: '/v1/auth/invites/accept', id: 'acceptInvite', session: false, body: acceptBody,
      summary: 'Accept an invite: signed in as the invited address, join; with no account yet, create it (password, name) and sign in. The address counts as verified.',
      returns: 'organization.invite (signed in already) | session with user, invite and csrf_token',
      handler: ({ request, reply, body }) => acceptInvite({ ...deps, signupGate: people.signupGate }, request, reply, body),
    },
    {
      method: 'POST', path: '/v1/auth/setup', id: 'completeSetup', session: false, body: setupBody,
      summary: "Use a setup link: the first start's link creates the operator (email, password), Owner of the first organization; a `tollgate users create` link sets that account's password. Signs in.",
      returns: 'session with user and csrf_token',
      handler: (ctx) => setup(deps, ctx),
    },
  ];
}

