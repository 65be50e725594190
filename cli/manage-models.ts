import type { Command } from 'commander';
import { act, withConnection } from './manage-common.js';
import { CliError } from './manage-format.js';

/**
 * `tollgate projects models <project_id>` and `tollgate keys models <key_id> -p <project_id>`:
 * show or set which models a project or a key may use (OpenAI's model permissions).
 */
interface ModelFlags {
  allow?: string[];
  deny?: string[];
  clear?: boolean;
}

function request(flags: ModelFlags): { action: 'show' | 'set' | 'clear'; body?: { mode: string; model_ids: string[] } } {
  const chosen = [flags.allow, flags.deny, flags.clear].filter((f) => f !== undefined && f !== false).length;
  if (chosen > 1) throw new CliError('choose one of --allow, --deny and --clear');
  if (flags.clear) return { action: 'clear' };
  if (flags.allow) return { action: 'set', body: { mode: 'allow_list', model_ids: flags.allow } };
  if (flags.deny) return { action: 'set', body: { mode: 'deny_list', model_ids: flags.deny[0] === 'none' ? [] : flags.deny } };
  return { action: 'show' };
}

function describe(value: { mode?: string; model_ids?: string[]; deleted?: boolean }): string {
  if (value.deleted !== undefined) return 'Model permissions removed: every model is allowed (for a key: every model its project allows).';
  if (value.mode === 'allow_list') return `Allowed models: ${value.model_ids!.length > 0 ? value.model_ids!.join(', ') : 'none'}`;
  return value.model_ids!.length > 0 ? `Every model except: ${value.model_ids!.join(', ')}` : 'Every model (no list set).';
}

function modelOptions(cmd: Command): Command {
  return cmd
    .option('--allow <model...>', 'allow only these models (public names or aliases)')
    .option('--deny <model...>', 'allow every model but these')
    .option('--clear', 'remove the list: every model again');
}

export function registerModelPermissionCommands(projects: Command, keys: Command): void {
  modelOptions(withConnection(projects.command('models <project_id>').description('Show or set which models a project may use.')))
    .addHelpText('after', '\nExample:\n  $ tollgate projects models proj_01jd...\n  $ tollgate projects models proj_01jd... --allow gpt-4.1-mini text-embedding-3-small\n  $ tollgate projects models proj_01jd... --clear')
    .action(act(async (c, [id], f) => {
      const { action, body } = request(f);
      const params = { project_id: id! };
      const operation = { show: 'retrieveProjectModelPermissions', set: 'updateProjectModelPermissions', clear: 'deleteProjectModelPermissions' }[action];
      const value = await c.call(operation, { params, body });
      return { value, text: describe(value) };
    }));
  modelOptions(withConnection(keys.command('models <key_id>').description("Show or set which models a key may use (within its project's).")))
    .requiredOption('-p, --project <project_id>', 'the project the key belongs to')
    .addHelpText('after', '\nExample:\n  $ tollgate keys models key_01jd... -p proj_01jd... --deny o3\n  $ tollgate keys models key_01jd... -p proj_01jd... --clear')
    .action(act(async (c, [id], f) => {
      const { action, body } = request(f);
      const params = { project_id: f.project, key_id: id! };
      const operation = { show: 'retrieveKeyModelPermissions', set: 'updateKeyModelPermissions', clear: 'deleteKeyModelPermissions' }[action];
      const value = await c.call(operation, { params, body });
      return { value, text: describe(value) };
    }));
}
