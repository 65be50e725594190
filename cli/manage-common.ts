import type { Command } from 'commander';
import type { AdminClient } from './admin-client.js';
import { CliError, formatObject } from './manage-format.js';

/** What every management command shares: how it connects, its flags, how it prints and fails. */
interface ConnectionFlags {
  url?: string;
  dataDir?: string;
  config?: string;
  org?: string;
  json?: boolean;
}

/** The client is loaded when a command runs, so `tollgate --help` does not load the server. */
async function connect(flags: ConnectionFlags): Promise<AdminClient> {
  const { httpAdminClient, localAdminClient } = await import('./admin-client.js');
  const url = flags.url ?? process.env.TOLLGATE_URL;
  if (url) {
    const key = process.env.TOLLGATE_ADMIN_KEY;
    if (!key) throw new CliError('set TOLLGATE_ADMIN_KEY to an admin key (sk-admin-...) to use --url');
    return httpAdminClient(url, key);
  }
  const overrides: Record<string, unknown> = flags.dataDir ? { data_dir: flags.dataDir } : {};
  const { loadConfig } = await import('../src/config/index.js');
  return localAdminClient(loadConfig({ file: flags.config, overrides }).config, flags.org);
}

export function withConnection(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'a running server (env TOLLGATE_URL); the admin key comes from TOLLGATE_ADMIN_KEY')
    .option('-d, --data-dir <dir>', 'use the local store in this data directory instead of a server')
    .option('-c, --config <file>', 'config file for local mode (default: ./tollgate.yaml when present)')
    .option('--org <id-or-name>', 'organization, in local mode when the store has several')
    .option('--json', 'print the raw JSON answer');
}

export type Action = (client: AdminClient, args: string[], flags: Record<string, any>) => Promise<{ value: any; text: string }>;

/** Runs an action against a client; errors are printed plainly with exit code 1. */
export function act(action: Action) {
  return async (...received: unknown[]) => {
    const command = received[received.length - 1] as Command;
    const flags = command.optsWithGlobals() as Record<string, any> & ConnectionFlags;
    const args = received.slice(0, -2).filter((a): a is string => typeof a === 'string');
    let client: AdminClient | undefined;
    try {
      client = await connect(flags);
      const { value, text } = await action(client, args, flags);
      process.stdout.write(`${flags.json ? JSON.stringify(value, null, 2) : text}\n`);
    } catch (err) {
      process.stderr.write(`tollgate: ${err instanceof Error ? err.message : String(err)}\n`);
      // A mistake in how the command was written is a usage error (2); a refused or failed call is 1.
      process.exitCode = err instanceof CliError ? 2 : 1;
    } finally {
      await client?.close();
    }
  };
}

export const listFlags = (flags: Record<string, any>) => ({ limit: flags.limit, after: flags.after });

export function secretNotice(value: any): string {
  return `${formatObject(value)}\n\nThe secret above (value) is shown once: store it now.`;
}
