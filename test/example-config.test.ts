import { execFile } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../src/config/index.js';
import { ROOT } from './helpers/child.js';
import { tempDir } from './helpers/tollgate.js';

const exec = promisify(execFile);

describe('tollgate.example.yaml and .env', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('the commented example loads as it is', () => {
    const { config } = loadConfig({ file: join(ROOT, 'tollgate.example.yaml'), env: {} });
    expect(config.server.port).toBe(8787);
    expect(config.providers.local).toMatchObject({ kind: 'openai', api_key_env: 'LOCAL_API_KEY' });
    expect(config.models.map((m) => m.name)).toEqual(['llama']);
  });

  it('a .env in the working directory fills what the environment leaves unset; the environment wins', { timeout: 90_000 }, async () => {
    copyFileSync(join(ROOT, 'tollgate.example.yaml'), join(dir.path, 'tollgate.yaml'));
    writeFileSync(join(dir.path, '.env'), '# local settings\nTOLLGATE_SERVER_PORT=9123\nTOLLGATE_LOG_LEVEL=debug\n');
    const { stdout } = await exec(process.execPath, [join(ROOT, 'bin/tollgate.mjs'), 'config', 'print'], {
      cwd: dir.path,
      env: { PATH: process.env.PATH ?? '', TOLLGATE_LOG_LEVEL: 'warn' },
      timeout: 80_000,
    });
    const printed = parse(stdout);
    expect(printed.server.port).toBe(9123);
    expect(printed.log.level).toBe('warn');
    expect(printed.models[0].name).toBe('llama');
    // Each value says where it came from; defaults say nothing.
    expect(stdout).toContain('  port: 9123 # TOLLGATE_SERVER_PORT\n');
    expect(stdout).toContain('  level: warn # TOLLGATE_LOG_LEVEL\n');
    expect(stdout).toContain(`  host: 127.0.0.1 # ${join(dir.path, 'tollgate.yaml')}\n`);
    expect(stdout).toMatch(/^ {2}shutdown_timeout_ms: 30000\n/m);
  });
});
