import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/tollgate.js';
import { configLeaves, configSchema, ConfigError, loadConfig, redactConfig } from './index.js';

describe('config loading', () => {
  const dirs: { remove(): void }[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

  function dirWithYaml(yaml: string): string {
    const dir = tempDir();
    dirs.push(dir);
    writeFileSync(join(dir.path, 'tollgate.yaml'), yaml);
    return dir.path;
  }

  it('has embedded defaults: SQLite under ./data, 127.0.0.1:8787, the simulator on', () => {
    const { config, file } = loadConfig({ env: {}, cwd: tempDir().path });
    expect(file).toBeUndefined();
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 8787 });
    expect(config.data_dir).toBe('./data');
    expect(config.database_url).toBeUndefined();
    expect(config.simulator.enabled).toBe(true);
  });

  it('applies defaults < tollgate.yaml < TOLLGATE_* env < command-line overrides', () => {
    const cwd = dirWithYaml('server:\n  port: 9000\n  host: 0.0.0.0\nlog:\n  level: debug\nsimulator:\n  ttft_ms: 50\n');
    const fileOnly = loadConfig({ env: {}, cwd }).config;
    expect(fileOnly.server).toMatchObject({ port: 9000, host: '0.0.0.0' });
    expect(fileOnly.simulator.ttft_ms).toBe(50);

    const withEnv = loadConfig({ env: { TOLLGATE_SERVER_PORT: '9100', TOLLGATE_LOG_LEVEL: 'warn', TOLLGATE_SIMULATOR_ENABLED: 'false' }, cwd }).config;
    expect(withEnv.server.port).toBe(9100);
    expect(withEnv.server.host).toBe('0.0.0.0');
    expect(withEnv.log.level).toBe('warn');
    expect(withEnv.simulator.enabled).toBe(false);
    expect(withEnv.simulator.ttft_ms).toBe(50);

    const withFlags = loadConfig({ env: { TOLLGATE_SERVER_PORT: '9100' }, cwd, overrides: { server: { port: 9200 } } }).config;
    expect(withFlags.server.port).toBe(9200);
  });

  it('reads --config FILE over ./tollgate.yaml, and TOLLGATE_CONFIG', () => {
    const cwd = dirWithYaml('server:\n  port: 9000\n');
    writeFileSync(join(cwd, 'other.yaml'), 'server:\n  port: 9300\n');
    expect(loadConfig({ env: {}, cwd, file: 'other.yaml' }).config.server.port).toBe(9300);
    expect(loadConfig({ env: { TOLLGATE_CONFIG: 'other.yaml' }, cwd }).config.server.port).toBe(9300);
  });

  it('names the field, the problem and where the value came from', () => {
    const cwd = dirWithYaml('server:\n  port: 70000\n');
    expect(() => loadConfig({ env: {}, cwd })).toThrowError(ConfigError);
    expect(() => loadConfig({ env: {}, cwd })).toThrowErrorMatchingInlineSnapshot(`
      [ConfigError: Invalid configuration:
        - server.port: Too big: expected number to be <=65535; got 70000 (from ${join(cwd, 'tollgate.yaml')})]
    `);
    expect(() => loadConfig({ env: { TOLLGATE_SERVER_PORT: 'eighty' }, cwd: tempDir().path })).toThrowErrorMatchingInlineSnapshot(`
      [ConfigError: Invalid configuration:
        - server.port: Invalid input: expected number, received string; got "eighty" (from TOLLGATE_SERVER_PORT)]
    `);
  });

  it('rejects unknown settings and broken YAML by name', () => {
    expect(() => loadConfig({ env: {}, cwd: dirWithYaml('server:\n  prot: 1\n') })).toThrow(/server: unknown setting\(s\) prot/);
    expect(() => loadConfig({ env: {}, cwd: dirWithYaml('server: [\n') })).toThrow(/is not valid YAML/);
    expect(() => loadConfig({ env: {}, cwd: dirWithYaml('- 1\n- 2\n') })).toThrow(/must hold a mapping/);
    expect(() => loadConfig({ env: { TOLLGATE_LOG_LEVEL: 'loud' }, cwd: tempDir().path })).toThrow(/log\.level: .*got "loud" \(from TOLLGATE_LOG_LEVEL\)/);
  });

  it('redacts secrets for printing, keeping the shape', () => {
    const { config } = loadConfig({
      env: { TOLLGATE_SECRET: 'x'.repeat(40), TOLLGATE_DATABASE_URL: 'postgres://tollgate:hunter2@db:5432/tollgate' },
      cwd: tempDir().path,
      overrides: { providers: { up: { kind: 'openai', api_key: 'sk-upstream-secret' } } },
    });
    const printed = JSON.stringify(redactConfig(config));
    expect(printed).not.toContain('x'.repeat(40));
    expect(printed).not.toContain('hunter2');
    expect(printed).not.toContain('sk-upstream-secret');
    expect(printed).toContain('"secret":"[redacted]"');
    expect(printed).toContain('postgres://tollgate:redacted@db:5432/tollgate');
  });

  it('gives every scalar setting an environment name', () => {
    const names = configLeaves(configSchema).map((leaf) => leaf.env);
    expect(names).toContain('TOLLGATE_DATABASE_URL');
    expect(names).toContain('TOLLGATE_REDIS_URL');
    expect(names).toContain('TOLLGATE_SECRET');
    expect(names).toContain('TOLLGATE_SERVER_PORT');
    expect(new Set(names).size).toBe(names.length);
  });
});
