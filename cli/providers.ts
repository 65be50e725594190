import type { Command } from 'commander';
import type { Config } from '../src/config/index.js';
import type { CredentialStore } from '../src/providers/index.js';

// Loaded when a command runs, so `tollgate --help` and other commands stay light.
const loadProviders = () => import('../src/providers/index.js');

/** A user's mistake, printed plainly by the CLI (exit 2). */
class CredentialError extends Error {
  override readonly name = 'CredentialError';
}

type WithConfig = (cmd: Command) => Command;
type ConfigFrom = (flags: { config?: string; dataDir?: string }) => Promise<Config>;
type Run = (action: () => Promise<void>) => Promise<void>;

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new CredentialError('Pipe the key on standard input (e.g. `printenv OPENAI_API_KEY | tollgate providers set-key openai`) or use --from-env.');
  let text = '';
  for await (const chunk of process.stdin) text += chunk.toString();
  return text.trim();
}

/** The store and secret of this configuration, for commands that change stored credentials. */
async function withCredentials<T>(config: Config, action: (store: CredentialStore) => Promise<T>): Promise<T> {
  const [{ resolveServerSecret }, { openStore }, { createCredentialStore }, { systemClock }] = await Promise.all([
    import('../src/secrets/index.js'),
    import('../src/store/index.js'),
    loadProviders(),
    import('../src/common/clock.js'),
  ]);
  const { secret } = resolveServerSecret({ secret: config.secret, secretFile: config.secret_file, dataDir: config.data_dir });
  const store = await openStore({ databaseUrl: config.database_url, dataDir: config.data_dir });
  try {
    await store.migrate();
    return await action(createCredentialStore({ db: store.db, secret, clock: systemClock }));
  } finally {
    await store.close();
  }
}

async function knownProvider(config: Config, id: string): Promise<void> {
  const { withEnvProviders } = await loadProviders();
  const { config: effective } = await withEnvProviders(config, process.env);
  if (!effective.providers[id]) {
    const known = Object.keys(effective.providers);
    throw new CredentialError(`No provider named '${id}' is configured${known.length > 0 ? ` (configured: ${known.join(', ')})` : ''}.`);
  }
}

export function registerProviderCommands(program: Command, withConfig: WithConfig, configFrom: ConfigFrom, run: Run): void {
  const providers = program.command('providers').description('Upstream providers and their keys (stored encrypted with the server secret).').addHelpText('after', '\nExamples:\n  $ tollgate providers list\n  $ printenv OPENAI_API_KEY | tollgate providers set-key openai');

  withConfig(providers.command('set-key <provider>').description('Store the upstream API key of a provider, read from standard input (never from the command line).'))
    .option('--from-env <variable>', 'read the key from this environment variable instead of standard input')
    .addHelpText('after', '\nExamples:\n  $ printenv OPENAI_API_KEY | tollgate providers set-key openai\n  $ tollgate providers set-key deepseek --from-env DEEPSEEK_API_KEY')
    .action((id: string, flags) =>
      run(async () => {
        const config = await configFrom(flags);
        await knownProvider(config, id);
        const key = flags.fromEnv ? (process.env[flags.fromEnv] ?? '').trim() : await readStdin();
        if (!key) throw new CredentialError(flags.fromEnv ? `The environment variable ${flags.fromEnv} is empty or unset.` : 'No key was read from standard input.');
        await withCredentials(config, (store) => store.set(id, key, 'cli'));
        process.stdout.write(`Stored the key of provider '${id}' (encrypted). Running servers on this store use it within 10 s.\n`);
      }),
    );

  withConfig(providers.command('clear-key <provider>').description('Remove the stored key of a provider (config or environment keys apply again).')).addHelpText('after', '\nExamples:\n  $ tollgate providers clear-key openai --data-dir ./data').action((id: string, flags) =>
    run(async () => {
      const removed = await withCredentials(await configFrom(flags), (store) => store.clear(id));
      process.stdout.write(removed ? `Removed the stored key of provider '${id}'.\n` : `Provider '${id}' had no stored key.\n`);
    }),
  );

  withConfig(providers.command('list').description('List providers and where each key comes from (the keys are never shown).')).addHelpText('after', '\nExamples:\n  $ tollgate providers list --data-dir ./data').action((flags) =>
    run(async () => {
      const config = await configFrom(flags);
      const { withEnvProviders } = await loadProviders();
      const { config: effective } = await withEnvProviders(config, process.env);
      const stored = await withCredentials(config, (store) => store.list());
      const storedIds = new Set(stored.map((c) => c.providerId));
      const rows = Object.entries(effective.providers).map(([id, p]) => {
        const source = storedIds.has(id) ? 'store' : p.api_key ? 'config' : p.api_key_env && process.env[p.api_key_env] ? `env (${p.api_key_env})` : 'none';
        return [id, p.kind, p.base_url ?? '(default)', source];
      });
      process.stdout.write(table(['PROVIDER', 'KIND', 'BASE URL', 'KEY'], rows));
    }),
  );
}

export function registerModelsCommand(program: Command, withConfig: WithConfig, configFrom: ConfigFrom, run: Run): void {
  withConfig(program.command('models').description('List the model catalogue: public names, aliases, deployments, fallbacks, limits and capabilities.'))
    .option('--json', 'print JSON instead of a table')
    .addHelpText('after', '\nExample:\n  $ OPENAI_API_KEY=sk-... tollgate models')
    .action((flags) =>
      run(async () => {
        const [{ withEnvProviders, createProviderRegistry }, { createCatalogue }, { systemClock }] = await Promise.all([loadProviders(), import('../src/routing/index.js'), import('../src/common/clock.js')]);
        const { config } = await withEnvProviders(await configFrom(flags), process.env);
        const registry = createProviderRegistry(config, systemClock, process.env);
        try {
          const models = createCatalogue(config, registry, Date.now()).list();
          if (flags.json) {
            process.stdout.write(`${JSON.stringify(models.map(({ created: _c, ...m }) => m), null, 2)}\n`);
            return;
          }
          const rows = models.map((m) => [
            m.name,
            m.type,
            m.deployments.map((d) => `${d.provider}/${d.model}${m.deployments.length > 1 ? ` x${d.weight}` : ''}`).join(', '),
            m.fallbacks.join(', ') || '-',
            m.contextWindow ? String(m.contextWindow) : '-',
            m.maxOutputTokens ? String(m.maxOutputTokens) : '-',
            m.capabilities.join(','),
            m.aliases.join(', ') || '-',
          ]);
          process.stdout.write(table(['MODEL', 'TYPE', 'DEPLOYMENTS', 'FALLBACKS', 'CONTEXT', 'MAX OUT', 'CAPABILITIES', 'ALIASES'], rows));
        } finally {
          await registry.close();
        }
      }),
    );
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return `${[line(head), ...rows.map(line)].join('\n')}\n`;
}
