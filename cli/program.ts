import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { packageRoot } from '../src/common/package-root.js';
import type { Config, LoadConfigOptions } from '../src/config/index.js';
import { registerBillingCommands } from './billing.js';
import { registerManagementCommands } from './manage.js';
import { registerModelsCommand, registerProviderCommands } from './providers.js';
import { estimateCommand } from './estimate.js';
import { registerScan } from './scan.js';
import { usageCommand } from './usage.js';

// Commands import what they need when they run (the config schema too), so
// `tollgate scan` or any `--help` loads commander and the command table only.

const pkg = JSON.parse(readFileSync(join(packageRoot(import.meta.url), 'package.json'), 'utf8')) as { version: string };

interface CommonFlags {
  config?: string;
  dataDir?: string;
}

async function configFrom(flags: CommonFlags & { port?: string; host?: string }): Promise<Config> {
  return (await loadedFrom(flags)).config;
}

async function loadedFrom(flags: CommonFlags & { port?: string; host?: string }) {
  const overrides: Record<string, unknown> = {};
  if (flags.dataDir) overrides.data_dir = flags.dataDir;
  const server: Record<string, unknown> = {};
  if (flags.host) server.host = flags.host;
  if (flags.port !== undefined) server.port = Number(flags.port);
  if (Object.keys(server).length > 0) overrides.server = server;
  const options: LoadConfigOptions = { file: flags.config, overrides };
  const { loadConfig } = await import('../src/config/index.js');
  return loadConfig(options);
}

/** The effective configuration as YAML, each value that is not a default followed by where it came from. */
async function annotated(loaded: Awaited<ReturnType<typeof loadedFrom>>): Promise<string> {
  const [{ redactConfig }, { Document, isNode }] = await Promise.all([import('../src/config/index.js'), import('yaml')]);
  const doc = new Document(redactConfig(loaded.config));
  doc.commentBefore = ' The effective configuration (secrets redacted). A comment names where a value came from; a value without one is the default.';
  for (const [path, source] of Object.entries(loaded.sources)) {
    const node = doc.getIn(path.split('.'), true);
    if (isNode(node)) node.comment = ` ${source}`;
  }
  return doc.toString();
}

/** Config errors are the user's to fix: print them plainly, exit 2, no stack trace. */
async function run(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (err) {
    if (err instanceof Error && ['CatalogueError', 'ConfigError', 'CredentialError'].includes(err.name)) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`tollgate: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}

/**
 * The whole command tree, unparsed (tests walk it). One convention for all of
 * it: a parse error (unknown option, missing argument, bad choice) exits 2,
 * as the commands' own usage and config errors do; help and version exit 0.
 */
export function buildProgram(): Command {
  const program = new Command()
    .name('tollgate')
    .description('Tollgate: a self-hostable LLM API platform with an OpenAI-compatible gateway.')
    .version(pkg.version, '-v, --version')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ tollgate start',
        '  $ tollgate start --port 9000 --data-dir /var/lib/tollgate',
        '  $ tollgate migrate',
        '  $ tollgate config print',
        '  $ tollgate keys create -p proj_... --name ci --data-dir ./data',
        '  $ tollgate estimate --model gpt-5.4-nano --requests-per-day 1000 --input-tokens 2000 --output-tokens 1000',
        '  $ tollgate scan --git .',
        '',
        'Every command has its own --help with an example.',
        'Short flags: -c (--config), -d (--data-dir), -p (--project), -h (--help), -v (--version).',
        'Exit codes: 0 done; 1 the command failed; 2 a usage or configuration mistake.',
      ].join('\n'),
    );

  const withConfig = (cmd: Command) =>
    cmd.option('-c, --config <file>', 'config file (default: ./tollgate.yaml when present)').option('-d, --data-dir <dir>', 'data directory (SQLite store, server secret)');

  withConfig(program.command('start').description('Start the server (creates the store and the first keys on the first run).'))
    .addOption(new Option('--port <port>', 'port to listen on (default 8787)'))
    .addOption(new Option('--host <host>', 'address to listen on (default 127.0.0.1)'))
    .addOption(new Option('--workers <n>', 'worker processes sharing the port (default 1); more than 1 needs redis_url or PostgreSQL'))
    .addHelpText(
      'after',
      '\nExample:\n  $ tollgate start --port 8787 --host 127.0.0.1 --data-dir ./data\n\nOn several cores (the workers share state through Redis or PostgreSQL):\n  $ TOLLGATE_REDIS_URL=redis://127.0.0.1:6379 tollgate start --workers 2',
    )
    .action((flags) =>
      run(async () => {
        const workers = flags.workers === undefined ? 1 : Number(flags.workers);
        if (!Number.isSafeInteger(workers) || workers < 1) throw Object.assign(new Error(`--workers must be a whole number of 1 or more, got ${flags.workers}`), { name: 'ConfigError' });
        const config = await configFrom(flags);
        const { startServer } = await import('./start.js');
        await startServer(config, workers);
      }),
    );

  withConfig(program.command('migrate').description('Apply pending database migrations and exit.'))
    .addHelpText('after', '\nExample:\n  $ TOLLGATE_DATABASE_URL=postgres://localhost/tollgate tollgate migrate')
    .action((flags) =>
      run(async () => {
        const config = await configFrom(flags);
        const { openStore } = await import('../src/store/index.js');
        const store = await openStore({ databaseUrl: config.database_url, dataDir: config.data_dir });
        try {
          const applied = await store.migrate();
          process.stdout.write(applied.length > 0 ? `Applied ${applied.length} migration(s): ${applied.join(', ')}\n` : 'The store is up to date.\n');
        } finally {
          await store.close();
        }
      }),
    );

  const configCommand = program.command('config').description('Inspect the configuration.').addHelpText('after', '\nExamples:\n  $ tollgate config print --config tollgate.yaml');
  withConfig(configCommand.command('print').description('Print the effective configuration (defaults < file < .env < TOLLGATE_* env < flags), secrets redacted, each value with where it came from.'))
    .addHelpText('after', '\nExample:\n  $ TOLLGATE_SERVER_PORT=9000 tollgate config print')
    .action((flags) =>
      run(async () => {
        process.stdout.write(await annotated(await loadedFrom(flags)));
      }),
    );

  registerProviderCommands(program, withConfig, configFrom, run);
  registerModelsCommand(program, withConfig, configFrom, run);
  registerScan(program);
  program.addCommand(estimateCommand());
  program.addCommand(usageCommand());
  registerManagementCommands(program);
  registerBillingCommands(program);
  for (const command of everyCommand(program)) command.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));
  return program;
}

/** A command and all its subcommands, depth first. */
export function everyCommand(command: Command): Command[] {
  return [command, ...command.commands.flatMap((sub) => everyCommand(sub))];
}
