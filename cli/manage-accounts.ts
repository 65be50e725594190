import type { Command } from 'commander';
import { act, listFlags, secretNotice, withConnection } from './manage-common.js';
import { formatList, formatObject } from './manage-format.js';

/** `tollgate service-accounts ...` and `tollgate admin-keys ...`. */
export function registerAccountCommands(program: Command): void {
  const accounts = program.command('service-accounts').description('Service accounts of a project and their sk-svcacct- keys.').addHelpText('after', '\nExamples:\n  $ tollgate service-accounts create deployer -p proj_...\n  $ tollgate service-accounts list -p proj_...');
  const project = (cmd: Command) => cmd.requiredOption('-p, --project <project_id>', 'the project');
  withConnection(project(accounts.command('create <name>').description('Create a service account; its key is printed once.')))
    .addHelpText('after', '\nExample:\n  $ tollgate service-accounts create deployer -p proj_01jd...')
    .action(act(async (c, [name], f) => {
      const value = await c.call('createServiceAccount', { params: { project_id: f.project }, body: { name } });
      const { api_key: key, ...account } = value;
      return { value, text: `${formatObject(account)}\n\n${secretNotice(key)}` };
    }));
  withConnection(project(accounts.command('list').description('List service accounts.')))
    .option('--limit <n>', 'page size (1-100)', '20')
    .option('--after <id>', 'continue after this id')
    .addHelpText('after', '\nExample:\n  $ tollgate service-accounts list -p proj_01jd...')
    .action(act(async (c, _a, f) => {
      const value = await c.call('listServiceAccounts', { params: { project_id: f.project }, query: listFlags(f) });
      return { value, text: formatList(value, ['id', 'name', 'role', 'created_at']) };
    }));
  withConnection(project(accounts.command('delete <service_account_id>').description('Delete a service account and revoke its keys.')))
    .addHelpText('after', '\nExample:\n  $ tollgate service-accounts delete svc_acct_01jd... -p proj_01jd...')
    .action(act(async (c, [id], f) => {
      const value = await c.call('deleteServiceAccount', { params: { project_id: f.project, service_account_id: id! } });
      return { value, text: `Deleted ${value.id}; its keys are revoked.` };
    }));

  const admins = program.command('admin-keys').description('Admin keys of the organization (sk-admin-..., admin API only).').addHelpText('after', '\nExamples:\n  $ tollgate admin-keys create ops\n  $ tollgate admin-keys list');
  withConnection(admins.command('create <name>').description('Create an admin key; its secret is printed once.'))
    .addHelpText('after', '\nExample:\n  $ tollgate admin-keys create ops --data-dir ./data')
    .action(act(async (c, [name]) => {
      const value = await c.call('createAdminApiKey', { body: { name } });
      return { value, text: secretNotice(value) };
    }));
  withConnection(admins.command('list').description('List admin keys (redacted).'))
    .option('--limit <n>', 'page size (1-100)', '20')
    .option('--after <id>', 'continue after this id')
    .addHelpText('after', '\nExample:\n  $ tollgate admin-keys list --data-dir ./data')
    .action(act(async (c, _a, f) => {
      const value = await c.call('listAdminApiKeys', { query: listFlags(f) });
      return { value, text: formatList(value, ['id', 'name', 'redacted_value', 'status', 'last_used_at', 'rotation_due']) };
    }));
  withConnection(admins.command('revoke <key_id>').description('Revoke an admin key.'))
    .addHelpText('after', '\nExample:\n  $ tollgate admin-keys revoke key_01jd... --data-dir ./data')
    .action(act(async (c, [id]) => {
      const value = await c.call('deleteAdminApiKey', { params: { key_id: id! } });
      return { value, text: `Revoked ${value.id}.` };
    }));
}
