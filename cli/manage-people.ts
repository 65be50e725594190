import type { Command } from 'commander';
import type { AdminClient } from './admin-client.js';
import { act, listFlags, withConnection } from './manage-common.js';
import { CliError, formatList, formatObject } from './manage-format.js';

/**
 * `tollgate users ...` and `tollgate orgs ...`: the operator's commands. With
 * --url they use /v1/operator with TOLLGATE_ADMIN_KEY (an operator key, such
 * as the first start's); locally (--data-dir / --config) they act as the
 * operator directly on the store.
 */
const USER_COLUMNS = ['id', 'email', 'name', 'status', 'operator', 'email_verified', 'created_at'];
const ORG_COLUMNS = ['id', 'name', 'status', 'members', 'owners', 'created_at'];

/** A user id, or an address that names one. */
async function userId(c: AdminClient, idOrEmail: string): Promise<string> {
  if (!idOrEmail.includes('@')) return idOrEmail;
  const page = await c.call('operatorListUsers', { query: { email: idOrEmail, limit: 1 } });
  if (!page.data[0]) throw new CliError(`no account with the address ${idOrEmail}`);
  return page.data[0].id as string;
}

function withMemberships(value: Record<string, any>): string {
  const { organizations, ...user } = value;
  const lines = (organizations as Record<string, any>[] | undefined)?.map((o) => `  ${o.id}  ${o.name}  ${o.role}${o.projects?.length ? `  (${o.projects.map((p: any) => `${p.name}: ${p.role}`).join(', ')})` : ''}`) ?? [];
  return `${formatObject(user)}\norganizations:${lines.length ? `\n${lines.join('\n')}` : ' none'}`;
}

export function registerPeopleCommands(program: Command): void {
  const users = program.command('users').description('Accounts of this Tollgate (operator): list, create, show, disable, remove-2fa.').addHelpText('after', '\nExamples:\n  $ tollgate users list --data-dir ./data\n  $ tollgate users create ada@example.com --operator');
  withConnection(users.command('list').description('List every account.'))
    .option('--limit <n>', 'page size (1-100)', '20')
    .option('--after <id>', 'continue after this user id')
    .addHelpText('after', '\nExample:\n  $ tollgate users list --data-dir ./data')
    .action(act(async (c, _a, f) => {
      const value = await c.call('operatorListUsers', { query: listFlags(f) });
      return { value, text: formatList(value, USER_COLUMNS) };
    }));
  withConnection(users.command('create <email>').description('Create an account; prints once a link (7 days) where its owner chooses a password.'))
    .option('--name <name>', 'the person\'s name')
    .option('--operator', 'make the account an operator (credits, tiers, upstream keys, sign-up policy, every organization)')
    .addHelpText('after', '\nExample:\n  $ tollgate users create you@example.com --operator --data-dir ./data\n  $ tollgate users create ada@example.com --name "Ada Lovelace" --url http://127.0.0.1:8787')
    .action(act(async (c, [email], f) => {
      const value = await c.call('operatorCreateUser', { body: { email, ...(f.name ? { name: f.name } : {}), ...(f.operator ? { operator: true } : {}) } });
      const { setup_url: link, ...user } = value;
      return { value, text: `${formatObject(user)}\n\nTo choose a password, open (once, within 7 days):\n  ${link}` };
    }));
  withConnection(users.command('show <user>').description('Show an account (id or email) and its organizations.'))
    .addHelpText('after', '\nExample:\n  $ tollgate users show ada@example.com --data-dir ./data')
    .action(act(async (c, [user]) => {
      const value = await c.call('operatorRetrieveUser', { params: { user_id: await userId(c, user!) } });
      return { value, text: withMemberships(value) };
    }));
  withConnection(users.command('disable <user>').description('Disable an account (id or email): its sessions end, the keys it created are revoked.'))
    .addHelpText('after', '\nExample:\n  $ tollgate users disable ada@example.com --data-dir ./data')
    .action(act(async (c, [user]) => {
      const value = await c.call('operatorDisableUser', { params: { user_id: await userId(c, user!) } });
      return { value, text: `Disabled ${value.email} (${value.id}); ${value.keys_revoked} key(s) revoked.` };
    }));
  withConnection(users.command('enable <user>').description('Enable a disabled account (id or email).'))
    .addHelpText('after', '\nExample:\n  $ tollgate users enable ada@example.com --data-dir ./data')
    .action(act(async (c, [user]) => {
      const value = await c.call('operatorEnableUser', { params: { user_id: await userId(c, user!) } });
      return { value, text: `Enabled ${value.email} (${value.id}).` };
    }));
  withConnection(users.command('remove-2fa <user>').description("Turn off an account's two-step sign-in (authenticator app and recovery codes) for a person who lost both; the address is told by mail."))
    .addHelpText('after', '\nExample:\n  $ tollgate users remove-2fa ada@example.com --data-dir ./data')
    .action(act(async (c, [user]) => {
      const value = await c.call('operatorRemoveSecondFactor', { params: { user_id: await userId(c, user!) } });
      return { value, text: value.second_factor_removed ? `Two-step sign-in is off for ${value.email} (${value.id}).` : `${value.email} (${value.id}) had no two-step sign-in.` };
    }));

  const orgs = program.command('orgs').description('Organizations of this Tollgate (operator): list, create, show, disable.').addHelpText('after', '\nExamples:\n  $ tollgate orgs list --data-dir ./data\n  $ tollgate orgs create "Analytical Engines"');
  withConnection(orgs.command('list').description('List every organization.'))
    .option('--limit <n>', 'page size (1-100)', '20')
    .option('--after <id>', 'continue after this organization id')
    .addHelpText('after', '\nExample:\n  $ tollgate orgs list --data-dir ./data')
    .action(act(async (c, _a, f) => {
      const value = await c.call('operatorListOrganizations', { query: listFlags(f) });
      return { value, text: formatList(value, ORG_COLUMNS) };
    }));
  withConnection(orgs.command('create <name>').description('Create an organization (trial grant, a Default project); --owner makes an account its Owner, or invites the address.'))
    .option('--owner <email>', 'its first Owner')
    .addHelpText('after', '\nExample:\n  $ tollgate orgs create "Acme" --owner ada@acme.test --data-dir ./data')
    .action(act(async (c, [name], f) => {
      const value = await c.call('operatorCreateOrganization', { body: { name, ...(f.owner ? { owner_email: f.owner } : {}) } });
      return { value, text: formatObject(value) };
    }));
  withConnection(orgs.command('show <organization_id>').description('Show an organization.'))
    .addHelpText('after', '\nExample:\n  $ tollgate orgs show org_01jd... --data-dir ./data')
    .action(act(async (c, [id]) => {
      const value = await c.call('operatorRetrieveOrganization', { params: { organization_id: id! } });
      return { value, text: formatObject(value) };
    }));
  withConnection(orgs.command('disable <organization_id>').description('Disable an organization: its keys stop working at once.'))
    .addHelpText('after', '\nExample:\n  $ tollgate orgs disable org_01jd... --data-dir ./data')
    .action(act(async (c, [id]) => {
      const value = await c.call('operatorDisableOrganization', { params: { organization_id: id! } });
      return { value, text: `Disabled ${value.name} (${value.id}): its keys stop working.` };
    }));
  withConnection(orgs.command('enable <organization_id>').description('Enable a disabled organization.'))
    .addHelpText('after', '\nExample:\n  $ tollgate orgs enable org_01jd... --data-dir ./data')
    .action(act(async (c, [id]) => {
      const value = await c.call('operatorEnableOrganization', { params: { organization_id: id! } });
      return { value, text: `Enabled ${value.name} (${value.id}).` };
    }));
}
