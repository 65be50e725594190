/**
 * Tollgate as a benchmark target: the compiled CLI (`bin/tollgate.mjs start`,
 * what users run), an OpenAI-compatible provider pointed at the mock upstream.
 * Started once to create the store and print its keys, stopped, given
 * BENCH_KEYS more keys and a budget on the key in use, and started again on
 * the existing store (that start is timed to the first /healthz answer).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startProcess, type Core, type Started } from './processes.js';
import { seedKeys } from './seed-keys.js';

export interface TollgateVariant {
  settings: Record<string, unknown>;
  redis?: boolean;
  workers?: number;
}

/** Limits that are checked on every request but never refuse one in a benchmark. */
const PIPELINE = {
  limits: { tiers: { bench: { rpm: 100_000_000, tpm: 2_000_000_000 } }, bootstrap_tier: 'bench' },
  billing: { mode: 'prepaid', trial_grant_usd: '1000000' },
  pricing: { models: { 'bench-upstream': { input: '0.20', cached_input: '0.02', output: '1.25' } } },
};

/**
 * gateway: auth only (the `unlimited` tier, postpaid); pipeline-memory: the
 * embedded defaults (SQLite, in-process limits, a key with a budget, metering);
 * pipeline-redis: the same with the Redis backend; -w2: `--workers 2`.
 */
export const TOLLGATE_VARIANTS: Record<string, TollgateVariant> = {
  gateway: { settings: { limits: { bootstrap_tier: 'unlimited' }, billing: { mode: 'postpaid' } } },
  'pipeline-memory': { settings: PIPELINE },
  'pipeline-redis': { settings: PIPELINE, redis: true },
  'pipeline-redis-w2': { settings: PIPELINE, redis: true, workers: 2 },
};

/** A process and its descendants (cluster workers), from /proc. */
export function processTree(pid: number): number[] {
  const out = [pid];
  const tasks = `/proc/${pid}/task`;
  if (!existsSync(tasks)) return out;
  for (const tid of readdirSync(tasks)) {
    const file = join(tasks, tid, 'children');
    if (!existsSync(file)) continue;
    for (const child of readFileSync(file, 'utf8').split(' ').filter(Boolean)) out.push(...processTree(Number(child)));
  }
  return out;
}

interface StartOptions {
  upstream: string;
  dataDir: string;
  redisUrl: string | undefined;
  keys: number;
  core: Core;
  maxSeconds: string;
}

export async function startTollgate(
  name: string,
  variant: TollgateVariant,
  options: StartOptions,
): Promise<{ name: string; url: string; key: string; pids: () => number[]; started: Started; healthz_s: number }> {
  const dir = join(options.dataDir, name);
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, 'tollgate.yaml');
  writeFileSync(
    configFile,
    stringify({
      server: { host: '127.0.0.1', port: 0 },
      data_dir: dir,
      log: { level: 'warn' },
      simulator: { enabled: false },
      providers: { mock: { kind: 'openai', base_url: `${options.upstream}/v1`, api_key: 'bench-upstream-key' } },
      models: [{ name: 'bench-model', deployments: [{ provider: 'mock', model: 'bench-upstream' }] }],
      ...variant.settings,
      ...(variant.redis ? { redis_url: options.redisUrl, redis_prefix: `tollgate-bench:${process.pid}:${name}:` } : {}),
    }),
  );
  const port = await freePort();
  const args = ['bin/tollgate.mjs', 'start', '--config', configFile, '--port', String(port), ...(variant.workers ? ['--workers', String(variant.workers)] : [])];
  // stdout is a pipe: the first start writes its keys to a file and logs where.
  const first = await startProcess(args, /"file":"([^"]+)"/, {}, 60_000, options.core);
  const key = /Project key[^\n]*\n\s+(sk-proj-\S+)/.exec(readFileSync(first.match[1]!, 'utf8'))![1]!;
  await first.stop();
  // A budget far above what the bench spends: every request reserves against it, none is refused.
  await seedKeys(dir, options.keys, 10n ** 18n);
  const t0 = performance.now();
  // With log level warn a later start prints nothing: it is ready when /healthz answers.
  const started = await startProcess(args, null, {}, 60_000, options.core);
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const healthz_s = Number(((performance.now() - t0) / 1000).toFixed(3));
  const pid = started.child.pid!;
  // Let the start's allocations settle before the idle figure is read.
  await new Promise((r) => setTimeout(r, 2000));
  return { name, url, key, pids: () => processTree(pid), started, healthz_s };
}

/** A port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Redis for the -redis set-ups: the configured URL, else a local one if it answers. */
export async function findRedis(): Promise<string | undefined> {
  const url = process.env.TOLLGATE_REDIS_URL ?? process.env.TOLLGATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const { hostname, port } = new URL(url);
  const answers = await new Promise<boolean>((resolve) => {
    const socket = connect(Number(port || 6379), hostname, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
  });
  return answers ? url : undefined;
}
