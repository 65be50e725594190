import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig, type Config } from '../../src/config/index.js';
import { startTollgate, type StartOptions, type Tollgate } from '../../src/tollgate.js';

export function tempDir(prefix = 'tollgate-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface TestTollgate extends Tollgate {
  projectKey: string;
  adminKey: string;
  organizationId: string;
  projectId: string;
  /** Closes the server and removes its data dir. */
  stop(): Promise<void>;
}

/**
 * A real Tollgate on 127.0.0.1 with a fresh SQLite store (or the given
 * database_url), a silent logger unless one is passed, and the bootstrap keys.
 */
export async function startTestTollgate(
  settings: Record<string, unknown> = {},
  options: StartOptions & { env?: Record<string, string | undefined> } = {},
): Promise<TestTollgate> {
  const dir = tempDir();
  const { config } = loadConfig({
    env: options.env ?? {},
    overrides: { data_dir: dir.path, server: { port: 0 }, log: { level: 'silent' }, secret: 'test-secret-test-secret-test-secret-0123', ...settings },
  });
  // The environment is the test's own (empty unless given): a provider key set in the developer's shell must not change what a test sees.
  const tollgate = await startTollgate(config, { logger: options.logger ?? pino({ level: 'silent' }), ...options, env: options.env ?? {} });
  const boot = tollgate.bootstrapped;
  if (!boot) throw new Error('expected a first-run bootstrap in a fresh store');
  return {
    ...tollgate,
    projectKey: boot.projectKey,
    adminKey: boot.adminKey,
    organizationId: boot.organizationId,
    projectId: boot.projectId,
    stop: async () => {
      await tollgate.close();
      dir.remove();
    },
  };
}

export function testConfig(settings: Record<string, unknown> = {}): Config {
  return loadConfig({ env: {}, overrides: settings }).config;
}
