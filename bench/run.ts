/**
 * npm run bench: a mock OpenAI-compatible upstream, a raw pass-through proxy
 * (node:http + undici, the floor for any Node gateway), a bare Fastify proxy
 * (the framework floor: Fastify + undici + JSON, nothing else), a flat
 * gateway (a metered gateway's per-request work in one handler, see
 * flat-gateway.ts) and Tollgate
 * with an OpenAI-compatible provider pointed at the mock, each a separate
 * process on 127.0.0.1, driven in turn by autocannon with the same
 * connections and duration, non-streaming and streaming. Each row also gives
 * the server process's CPU time per request (from /proc, where there is one):
 * unlike RPS, it does not depend on how the cores are shared with the load
 * generator and the mock. Tollgate runs in three set-ups:
 *   - gateway:         auth on, the `unlimited` tier, postpaid: no limits to check;
 *   - pipeline-memory: auth + RPM/TPM limits + spend reservation + metering, in-process backend;
 *   - pipeline-redis:  the same with the Redis backend (when TOLLGATE_REDIS_URL or 127.0.0.1:6379 answers).
 * Prints a table and writes it as JSON under bench/results/. Everything stops at the end.
 *
 * BENCH_DURATION (s, default 10), BENCH_CONNECTIONS (default 32).
 */
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { stringify } from 'yaml';
import { ROOT, startProcess, tsArgs, type Started } from './processes.js';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const WARMUP = 2;
const MAX_SECONDS = String(DURATION * 8 + 120);

interface Target {
  name: string;
  url: string;
  key: string;
  pid: number;
}

interface Row {
  target: string;
  mode: 'non-streaming' | 'streaming';
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** Server CPU (user + system, all threads) per request, in microseconds; null without /proc. */
  cpu_us: number | null;
}

/** CPU time a process has used so far, in ms (Linux /proc; null elsewhere). */
function cpuMs(pid: number): number | null {
  const file = `/proc/${pid}/stat`;
  if (!existsSync(file)) return null;
  const text = readFileSync(file, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // utime and stime, fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

function body(stream: boolean): string {
  return JSON.stringify({ model: 'bench-model', messages: [{ role: 'user', content: 'Hello, benchmark! Please answer briefly.' }], ...(stream ? { stream: true } : {}) });
}

async function drive(target: Target, stream: boolean, duration: number): Promise<autocannon.Result> {
  return autocannon({
    url: `${target.url}/v1/chat/completions`,
    method: 'POST',
    connections: CONNECTIONS,
    duration,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${target.key}` },
    body: body(stream),
  });
}

async function measure(target: Target, stream: boolean): Promise<Row> {
  await drive(target, stream, WARMUP);
  const before = cpuMs(target.pid);
  const result = await drive(target, stream, DURATION);
  const after = cpuMs(target.pid);
  return {
    target: target.name,
    mode: stream ? 'streaming' : 'non-streaming',
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    cpu_us: before === null || after === null || result.requests.total === 0 ? null : Math.round(((after - before) * 1000) / result.requests.total),
  };
}

interface Variant {
  name: string;
  settings: Record<string, unknown>;
}

/** Limits that are checked on every request but never refuse one in a benchmark. */
const PIPELINE = {
  limits: { tiers: { bench: { rpm: 100_000_000, tpm: 2_000_000_000 } }, bootstrap_tier: 'bench' },
  billing: { mode: 'prepaid', trial_grant_usd: '1000000' },
  pricing: { models: { 'bench-upstream': { input: '0.20', cached_input: '0.02', output: '1.25' } } },
};

function variants(redisUrl: string | undefined): Variant[] {
  const list: Variant[] = [
    { name: 'gateway', settings: { limits: { bootstrap_tier: 'unlimited' }, billing: { mode: 'postpaid' } } },
    { name: 'pipeline-memory', settings: PIPELINE },
  ];
  if (redisUrl) list.push({ name: 'pipeline-redis', settings: { ...PIPELINE, redis_url: redisUrl, redis_prefix: `tollgate-bench:${process.pid}:` } });
  return list;
}

async function startTollgate(variant: Variant, upstreamPort: number, dataDir: string): Promise<{ target: Target; process: Started }> {
  const dir = join(dataDir, variant.name);
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, 'tollgate.yaml');
  writeFileSync(
    configFile,
    stringify({
      server: { host: '127.0.0.1', port: 0 },
      data_dir: dir,
      log: { level: 'warn' },
      simulator: { enabled: false },
      providers: { mock: { kind: 'openai', base_url: `http://127.0.0.1:${upstreamPort}/v1`, api_key: 'bench-upstream-key' } },
      models: [{ name: 'bench-model', deployments: [{ provider: 'mock', model: 'bench-upstream' }] }],
      ...variant.settings,
    }),
  );
  const started = await startProcess(['bin/tollgate.mjs', 'start', '--config', configFile], /Project key[^\n]*\n\s+(sk-proj-\S+)[\s\S]*?curl (http:\/\/127\.0\.0\.1:\d+)/);
  return { target: { name: variant.name, key: started.match[1]!, url: started.match[2]!, pid: started.child.pid! }, process: started };
}

/** Redis for the pipeline-redis set-up: the configured URL, else a local one if it answers. */
async function findRedis(): Promise<string | undefined> {
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

function table(rows: Row[]): string {
  const lines = ['| target | mode | RPS | p50 ms | p99 ms | server CPU µs/req | errors | non-2xx |', '|---|---|---:|---:|---:|---:|---:|---:|'];
  for (const r of rows) lines.push(`| ${r.target} | ${r.mode} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.cpu_us ?? 'n/a'} | ${r.errors} | ${r.non2xx} |`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
  const started: Started[] = [];
  try {
    const upstream = await startProcess(tsArgs('bench/mock-upstream.ts', '--max-seconds', MAX_SECONDS), /listening (\d+)/);
    started.push(upstream);
    const upstreamPort = Number(upstream.match[1]);
    const raw = await startProcess(tsArgs('bench/raw-proxy.ts', '--upstream', `http://127.0.0.1:${upstreamPort}`, '--max-seconds', MAX_SECONDS), /listening (\d+)/);
    started.push(raw);
    const rawTarget: Target = { name: 'raw-proxy', url: `http://127.0.0.1:${raw.match[1]}`, key: 'none', pid: raw.child.pid! };
    const floor = await startProcess(tsArgs('bench/fastify-proxy.ts', '--upstream', `http://127.0.0.1:${upstreamPort}`, '--max-seconds', MAX_SECONDS), /listening (\d+)/);
    started.push(floor);
    const floorTarget: Target = { name: 'fastify-proxy', url: `http://127.0.0.1:${floor.match[1]}`, key: 'none', pid: floor.child.pid! };
    const flat = await startProcess(tsArgs('bench/flat-gateway.ts', '--upstream', `http://127.0.0.1:${upstreamPort}`, '--max-seconds', MAX_SECONDS), /listening (\d+) key (\S+)/);
    started.push(flat);
    const flatTarget: Target = { name: 'flat-gateway', url: `http://127.0.0.1:${flat.match[1]}`, key: flat.match[2]!, pid: flat.child.pid! };
    const references = [floorTarget, flatTarget];
    const targets: Target[] = [];
    for (const variant of variants(await findRedis())) {
      const tollgate = await startTollgate(variant, upstreamPort, dataDir);
      started.push(tollgate.process);
      targets.push(tollgate.target);
    }

    const rows: Row[] = [];
    for (const stream of [false, true]) {
      rows.push(await measure(rawTarget, stream));
      for (const target of references) rows.push(await measure(target, stream));
      for (const target of targets) rows.push(await measure(target, stream));
    }
    const ratios = (['non-streaming', 'streaming'] as const).flatMap((mode) => {
      const base = rows.find((r) => r.target === 'raw-proxy' && r.mode === mode)!;
      return [...references, ...targets].map((t) => {
        const ours = rows.find((r) => r.target === t.name && r.mode === mode)!;
        return { target: t.name, mode, rps_ratio: Number((ours.rps / base.rps).toFixed(3)), added_p50_ms: ours.p50 - base.p50, added_p99_ms: ours.p99 - base.p99 };
      });
    });

    process.stdout.write(`\nTollgate vs raw proxy, ${CONNECTIONS} connections, ${DURATION} s per run, all on 127.0.0.1\n\n${table(rows)}\n\n`);
    for (const r of ratios) process.stdout.write(`${r.target}, ${r.mode}: RPS / raw proxy RPS = ${r.rps_ratio} (added latency p50 ${r.added_p50_ms} ms, p99 ${r.added_p99_ms} ms)\n`);
    const bad = rows.filter((r) => r.errors > 0 || r.non2xx > 0);
    if (bad.length > 0) process.stdout.write(`\nWARNING: errors or non-2xx answers in: ${bad.map((r) => `${r.target}/${r.mode}`).join(', ')}\n`);

    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    const file = join(ROOT, 'bench/results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, connections: CONNECTIONS, duration_s: DURATION, rows, ratios }, null, 2));
    process.stdout.write(`\nwritten ${file}\n`);
  } finally {
    await Promise.all(started.map((s) => s.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
