import { Command, Option } from 'commander';
import { registerAccountCommands } from './manage-accounts.js';
import { registerModelPermissionCommands } from './manage-models.js';
import { registerNoticeCommands } from './manage-notices.js';
import { registerPeopleCommands } from './manage-people.js';
import { act, listFlags, secretNotice, withConnection } from './manage-common.js';
import { formatList, formatObject, int, parseDuration, parsePermissions, parseTime } from './manage-format.js';

/**
 * `tollgate projects|keys|service-accounts|admin-keys|audit`: the admin API from the shell. With --url
 * (or TOLLGATE_URL) it talks to a running server using TOLLGATE_ADMIN_KEY;
 * otherwise it opens the local store (--data-dir / --config) directly.
 */
const PROJECT_COLUMNS = ['id', 'name', 'status', 'created_at'];
const KEY_COLUMNS = ['id', 'name', 'redacted_value', 'kind', 'status', 'last_used_at', 'expires_at', 'rotation_due'];
const AUDIT_COLUMNS = ['effective_at', 'type', 'actor.type', 'actor.ip_address', 'project.id', 'id'];


function keyOptions(cmd: Command): Command {
  return cmd
    .option('--name <name>', 'key name')
    .addOption(new Option('--permissions <mode>', 'all, read_only or restricted').choices(['all', 'read_only', 'restricted']))
    .option('--resource <resource=level...>', 'with restricted: models=read, chat_completions=write, embeddings=write, ...')
    .option('--allowed-ip <cidr...>', 'IPv4/IPv6 address or CIDR range the key may be used from (repeatable)')
    .option('--expires-at <date>', 'expiry: 2027-01-31, ISO 8601 or Unix seconds')
    .option('--expires-in <duration>', 'expiry from now: 30d, 12h, ...')
    .option('--rpm <n>', 'requests per minute limit')
    .option('--tpm <n>', 'tokens per minute limit')
    .option('--monthly-usd <amount>', 'monthly usage limit in USD, e.g. 25.50');
}

/** Key options -> API body. `none` clears a setting on update. */
function keyBody(flags: Record<string, any>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (flags.name) body.name = flags.name;
  const permissions = parsePermissions(flags.permissions, flags.resource ?? []);
  if (permissions) body.permissions = permissions;
  if (flags.allowedIp) body.allowed_ips = flags.allowedIp[0] === 'none' ? null : flags.allowedIp;
  if (flags.expiresAt) body.expires_at = flags.expiresAt === 'none' ? null : parseTime(flags.expiresAt, '--expires-at');
  if (flags.expiresIn) body.expires_at = Math.floor(Date.now() / 1000) + parseDuration(flags.expiresIn, '--expires-in');
  if (flags.rpm) body.rpm_limit = flags.rpm === 'none' ? null : int(flags.rpm, '--rpm');
  if (flags.tpm) body.tpm_limit = flags.tpm === 'none' ? null : int(flags.tpm, '--tpm');
  if (flags.monthlyUsd) body.monthly_usage_limit_usd = flags.monthlyUsd === 'none' ? null : flags.monthlyUsd;
  return body;
}


export function registerManagementCommands(program: Command): void {
  registerProjectCommands(program);
  registerKeyCommands(program);
  const command = (name: string) => program.commands.find((c) => c.name() === name)!;
  registerModelPermissionCommands(command('projects'), command('keys'));
  registerAccountCommands(program);
  registerAuditCommand(program);
  registerPeopleCommands(program);
  registerNoticeCommands(program);
}

function registerProjectCommands(program: Command): void {
  const projects = program.command('projects').description('Create, list, rename and archive projects.').addHelpText('after', '\nExamples:\n  $ tollgate projects list --data-dir ./data\n  $ tollgate projects create "Mobile app"');
  withConnection(projects.command('list').description('List projects.'))
    .option('--include-archived', 'include archived projects')
    .option('--limit <n>', 'page size (1-100)', '20')
    .option('--after <id>', 'continue after this project id')
    .addHelpText('after', '\nExample:\n  $ tollgate projects list --data-dir ./data')
    .action(act(async (c, _a, f) => {
      const value = await c.call('listProjects', { query: { ...listFlags(f), include_archived: f.includeArchived ? 'true' : undefined } });
      return { value, text: formatList(value, PROJECT_COLUMNS) };
    }));
  withConnection(projects.command('create <name>').description('Create a project.'))
    .addHelpText('after', '\nExample:\n  $ TOLLGATE_ADMIN_KEY=sk-admin-... tollgate projects create "Mobile app" --url http://127.0.0.1:8787')
    .action(act(async (c, [name]) => {
      const value = await c.call('createProject', { body: { name } });
      return { value, text: formatObject(value) };
    }));
  withConnection(projects.command('show <project_id>').description('Show a project.'))
    .addHelpText('after', '\nExample:\n  $ tollgate projects show proj_01jd... --data-dir ./data')
    .action(act(async (c, [id]) => {
      const value = await c.call('retrieveProject', { params: { project_id: id! } });
      return { value, text: formatObject(value) };
    }));
  withConnection(projects.command('rename <project_id> <name>').description('Rename a project.'))
    .addHelpText('after', '\nExample:\n  $ tollgate projects rename proj_01jd... "Mobile app (prod)"')
    .action(act(async (c, [id, name]) => {
      const value = await c.call('modifyProject', { params: { project_id: id! }, body: { name } });
      return { value, text: formatObject(value) };
    }));
  withConnection(projects.command('archive <project_id>').description("Archive a project: its keys stop working at once."))
    .addHelpText('after', '\nExample:\n  $ tollgate projects archive proj_01jd...')
    .action(act(async (c, [id]) => {
      const value = await c.call('archiveProject', { params: { project_id: id! } });
      return { value, text: formatObject(value) };
    }));
}

function registerAuditCommand(program: Command): void {
  withConnection(program.command('audit').description('Show the audit log, newest first.'))
    .option('--type <event_type...>', 'only these event types (api_key.created, api_key.revoked, project.archived, ...)')
    .option('--project <project_id...>', 'only events of these projects')
    .option('--resource <id...>', 'only events about these keys, projects or service accounts')
    .option('--limit <n>', 'page size (1-100)', '20')
    .option('--after <id>', 'continue after this entry id')
    .addHelpText('after', '\nExample:\n  $ tollgate audit --type api_key.revoked --limit 50 --data-dir ./data')
    .action(act(async (c, _a, f) => {
      const value = await c.call('listAuditLogs', { query: { ...listFlags(f), event_types: f.type, project_ids: f.project, resource_ids: f.resource } });
      return { value, text: formatList(value, AUDIT_COLUMNS) };
    }));
}

function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description('Create, list, show, update, revoke and rotate project keys.').addHelpText('after', '\nExamples:\n  $ tollgate keys create -p proj_... --name ci\n  $ tollgate keys list -p proj_...');
  const project = (cmd: Command) => cmd.requiredOption('-p, --project <project_id>', 'the project the key belongs to');
  keyOptions(withConnection(project(keys.command('create').description('Create a project key; its secret is printed once.'))))
    .addHelpText('after', '\nExample:\n  $ tollgate keys create -p proj_01jd... --name ci --permissions restricted --resource models=read --resource chat_completions=write --allowed-ip 10.0.0.0/8 --expires-in 90d --monthly-usd 25')
    .action(act(async (c, _a, f) => {
      const value = await c.call('createProjectApiKey', { params: { project_id: f.project }, body: keyBody(f) });
      return { value, text: secretNotice(value) };
    }));
  withConnection(project(keys.command('list').description('List the keys of a project (redacted).')))
    .option('--include-revoked', 'include revoked keys')
    .option('--limit <n>', 'page size (1-100)', '20')
    .option('--after <id>', 'continue after this key id')
    .addHelpText('after', '\nExample:\n  $ tollgate keys list -p proj_01jd... --include-revoked')
    .action(act(async (c, _a, f) => {
      const value = await c.call('listProjectApiKeys', { params: { project_id: f.project }, query: { ...listFlags(f), include_revoked: f.includeRevoked ? 'true' : undefined } });
      return { value, text: formatList(value, KEY_COLUMNS) };
    }));
  withConnection(project(keys.command('show <key_id>').description('Show one key (redacted).')))
    .addHelpText('after', '\nExample:\n  $ tollgate keys show key_01jd... -p proj_01jd...')
    .action(act(async (c, [id], f) => {
      const value = await c.call('retrieveProjectApiKey', { params: { project_id: f.project, key_id: id! } });
      return { value, text: formatObject(value) };
    }));
  keyOptions(withConnection(project(keys.command('update <key_id>').description('Change name, permissions, allowed IPs, expiry or limits (`none` clears one).'))))
    .addHelpText('after', '\nExample:\n  $ tollgate keys update key_01jd... -p proj_01jd... --rpm 600 --allowed-ip none --expires-at 2027-06-30')
    .action(act(async (c, [id], f) => {
      const value = await c.call('updateProjectApiKey', { params: { project_id: f.project, key_id: id! }, body: keyBody(f) });
      return { value, text: formatObject(value) };
    }));
  withConnection(project(keys.command('revoke <key_id>').description('Revoke a key: it stops working on the next request.')))
    .addHelpText('after', '\nExample:\n  $ tollgate keys revoke key_01jd... -p proj_01jd...')
    .action(act(async (c, [id], f) => {
      const value = await c.call('deleteProjectApiKey', { params: { project_id: f.project, key_id: id! } });
      return { value, text: `Revoked ${value.id}.` };
    }));
  withConnection(project(keys.command('rotate <key_id>').description('Issue a new secret; the old one keeps working for the grace period, then is revoked.')))
    .option('--grace <duration>', 'how long the old secret keeps working (0 = revoke now)', '24h')
    .addHelpText('after', '\nExample:\n  $ tollgate keys rotate key_01jd... -p proj_01jd... --grace 1h')
    .action(act(async (c, [id], f) => {
      const value = await c.call('rotateProjectApiKey', { params: { project_id: f.project, key_id: id! }, body: { grace_period_seconds: parseDuration(f.grace, '--grace') } });
      const { previous, ...fresh } = value;
      return { value, text: `${secretNotice(fresh)}\nThe previous key ${previous.id} (${previous.redacted_value}) stops working at ${new Date(previous.revokes_at * 1000).toISOString()}.` };
    }));
}
