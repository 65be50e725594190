/**
 * npm run bench: Tollgate against the metering floor (meter-floor.ts: what any
 * metering gateway must do, with nothing else), on this machine, with the
 * system under test pinned to its own core. See bench/README.md for the method.
 *
 * Each server is its own process on 127.0.0.1. The servers run on BENCH_SERVER_CORE
 * (default 1); wrk, the mock upstream and this driver on BENCH_LOAD_CORE (default 0).
 * Every (target, mode) is measured BENCH_REPEATS times (default 3), interleaved, after
 * a warm-up; the table gives medians. Written as JSON under bench/results/.
 *
 * BENCH_TARGETS: comma-separated, default meter-floor,pipeline-memory,pipeline-redis
 * (also: pipeline-redis-w2, raw-proxy, fastify-proxy, flat-gateway, gateway).
 * BENCH_DURATION (s, default 10), BENCH_CONNECTIONS (default 32), BENCH_KEYS (default 100000).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMs, hasWrk, median, memoryMb, timeToFirstByte, wrk, type LoadResult } from './measure.js';
import { pinned, ROOT, startProcess, tsArgs, type Core, type Started } from './processes.js';
import { findRedis, startTollgate, TOLLGATE_VARIANTS, type TollgateVariant } from './tollgate.js';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const KEYS = Number(process.env.BENCH_KEYS ?? 100_000);
const WARMUP = 2;
const LATENCY_SECONDS = Math.max(2, Math.round(DURATION / 2));
const TARGETS = (process.env.BENCH_TARGETS ?? 'meter-floor,pipeline-memory,pipeline-redis').split(',').map((t) => t.trim());
const MAX_SECONDS = String(DURATION * 60 + 600);

/** The targets of issue 13: the share of meter-floor's RPS each set-up must reach, and the memory limits. */
const RPS_TARGETS: Record<string, number> = { 'pipeline-memory': 0.6, 'pipeline-redis': 0.45 };
const LIMITS = { added_p50_ms: 0.3, added_p99_ms: 1, added_ttfb_ms: 0.3, idle_rss_mb: 90, peak_rss_mb: 200, healthz_s: 0.5, help_s: 0.3 };

const twoCores = cpus().length >= 2 && spawnSync('taskset', ['-V']).status === 0;
const SERVER_CORE: Core = twoCores ? Number(process.env.BENCH_SERVER_CORE ?? 1) : null;
const LOAD_CORE: Core = twoCores ? Number(process.env.BENCH_LOAD_CORE ?? 0) : null;

interface Target {
  name: string;
  url: string;
  key: string;
  /** The processes that serve it (one, or a primary and its workers). */
  pids: () => number[];
  idle_rss_mb: number | null;
  started: Started;
  healthz_s?: number;
}

type Mode = 'non-streaming' | 'streaming';

interface Run extends LoadResult {
  target: string;
  mode: Mode;
  cpu_us: number | null;
}

function sum(values: (number | null)[]): number | null {
  return values.some((v) => v === null) ? null : values.reduce<number>((a, b) => a + b!, 0);
}

const cpuOf = (t: Target) => sum(t.pids().map(cpuMs));
const rssOf = (t: Target) => sum(t.pids().map((pid) => memoryMb(pid)?.rss ?? null));
const peakOf = (t: Target) => sum(t.pids().map((pid) => memoryMb(pid)?.peak ?? null));

async function startReference(name: string, upstream: string): Promise<Target> {
  const file = `bench/${name}.ts`;
  const started = await startProcess(tsArgs(file, '--upstream', upstream, '--max-seconds', MAX_SECONDS), /listening (\d+)(?: key (\S+))?/, {}, 30_000, SERVER_CORE);
  await new Promise((r) => setTimeout(r, 1000));
  const pid = started.child.pid!;
  return { name, url: `http://127.0.0.1:${started.match[1]}`, key: started.match[2] ?? 'none', pids: () => [pid], idle_rss_mb: memoryMb(pid)?.rss ?? null, started };
}

async function measure(target: Target, stream: boolean): Promise<Run> {
  await wrk(target.url, target.key, stream, CONNECTIONS, WARMUP, LOAD_CORE);
  const before = cpuOf(target);
  const result = await wrk(target.url, target.key, stream, CONNECTIONS, DURATION, LOAD_CORE);
  const after = cpuOf(target);
  const cpu_us = before === null || after === null || result.requests === 0 ? null : Math.round(((after - before) * 1000) / result.requests);
  return { target: target.name, mode: stream ? 'streaming' : 'non-streaming', ...result, cpu_us };
}

/** Wall time of `tollgate <command> --help`, median of three, in s. */
function helpSeconds(command: string[]): number {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const [cmd, args] = pinned(SERVER_CORE, process.execPath, ['bin/tollgate.mjs', ...command, '--help']);
    const t0 = performance.now();
    const run = spawnSync(cmd, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } });
    times.push((performance.now() - t0) / 1000);
    if (run.status !== 0) throw new Error(`tollgate ${command.join(' ')} --help exited with ${run.status}: ${run.stderr}`);
  }
  return median(times);
}

/** Every command of the CLI, from the help texts (`tollgate --help`, then each group's). */
function cliCommands(): string[][] {
  const commandsOf = (prefix: string[]): string[][] => {
    const help = execFileSync(process.execPath, ['bin/tollgate.mjs', ...prefix, '--help'], { cwd: ROOT, encoding: 'utf8' });
    const section = help.split(/^Commands:$/m)[1] ?? '';
    const names = [...section.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]!).filter((n) => n !== 'help');
    return names.flatMap((name) => {
      const command = [...prefix, name];
      return prefix.length === 0 ? [command, ...commandsOf(command)] : [command];
    });
  };
  return [[], ...commandsOf([])];
}

function fmt(value: number | null, digits = 0): string {
  return value === null ? 'n/a' : value.toFixed(digits);
}

async function main(): Promise<void> {
  if (!hasWrk()) {
    process.stderr.write('npm run bench needs wrk (the load generator): apt-get install -y wrk (Debian/Ubuntu), brew install wrk (macOS).\n');
    process.exit(1);
  }
  // This driver (and the time-to-first-byte client) runs on the load generator's core.
  if (LOAD_CORE !== null) execFileSync('taskset', ['-a', '-p', '-c', String(LOAD_CORE), String(process.pid)], { stdio: 'ignore' });
  if (!twoCores) process.stdout.write('WARNING: fewer than 2 cores or no taskset: nothing is pinned, the figures mix the load generator with the server.\n');

  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
  const started: Started[] = [];
  const targets: Target[] = [];
  try {
    const mock = await startProcess(tsArgs('bench/mock-upstream.ts', '--max-seconds', MAX_SECONDS), /listening (\d+)/, {}, 30_000, LOAD_CORE);
    started.push(mock);
    const upstream = `http://127.0.0.1:${mock.match[1]}`;
    const redisUrl = await findRedis();
    for (const name of TARGETS) {
      if (name in TOLLGATE_VARIANTS) {
        const variant: TollgateVariant = TOLLGATE_VARIANTS[name]!;
        if (variant.redis && !redisUrl) {
          process.stdout.write(`${name}: skipped, no Redis answers (set TOLLGATE_REDIS_URL)\n`);
          continue;
        }
        // Workers spread over every core (the load generator's too, on a 2-core machine).
        const core = variant.workers ? null : SERVER_CORE;
        const t = await startTollgate(name, variant, { upstream, dataDir, redisUrl, keys: KEYS, core, maxSeconds: MAX_SECONDS });
        started.push(t.started);
        targets.push({ ...t, idle_rss_mb: rssOf(t as Target) });
      } else {
        const t = await startReference(name, upstream);
        started.push(t.started);
        targets.push(t);
      }
      process.stdout.write(`${name}: started\n`);
    }

    const runs: Run[] = [];
    const latency: { target: string; p50_ms: number; p99_ms: number; ttfb_ms: number }[] = [];
    for (let repeat = 1; repeat <= REPEATS; repeat++) {
      for (const stream of [false, true]) {
        for (const target of targets) {
          const run = await measure(target, stream);
          runs.push(run);
          process.stdout.write(`repeat ${repeat}: ${target.name} ${run.mode}: ${run.rps} RPS, ${fmt(run.cpu_us)} µs CPU/req\n`);
        }
      }
      for (const target of targets) {
        const one = await wrk(target.url, target.key, false, 1, LATENCY_SECONDS, LOAD_CORE);
        latency.push({ target: target.name, p50_ms: one.p50_ms, p99_ms: one.p99_ms, ttfb_ms: await timeToFirstByte(target.url, target.key, 300) });
      }
    }

    const floor = targets.find((t) => t.name === 'meter-floor');
    const rows = targets.flatMap((t) =>
      (['non-streaming', 'streaming'] as Mode[]).map((mode) => {
        const mine = runs.filter((r) => r.target === t.name && r.mode === mode);
        const floorRps = floor ? median(runs.filter((r) => r.target === 'meter-floor' && r.mode === mode).map((r) => r.rps)) : null;
        const rps = median(mine.map((r) => r.rps));
        return {
          target: t.name,
          mode,
          rps,
          rps_runs: mine.map((r) => r.rps),
          ratio_to_floor: floorRps ? Number((rps / floorRps).toFixed(3)) : null,
          p50_ms: median(mine.map((r) => r.p50_ms)),
          p99_ms: median(mine.map((r) => r.p99_ms)),
          cpu_us: mine.some((r) => r.cpu_us === null) ? null : median(mine.map((r) => r.cpu_us!)),
          errors: mine.reduce((s, r) => s + r.errors, 0),
          non2xx: mine.reduce((s, r) => s + r.non2xx, 0),
        };
      }),
    );
    const floorLatency = latency.filter((l) => l.target === 'meter-floor');
    const latencyRows = targets.map((t) => {
      const mine = latency.filter((l) => l.target === t.name);
      const p50 = median(mine.map((l) => l.p50_ms));
      const p99 = median(mine.map((l) => l.p99_ms));
      const ttfb = median(mine.map((l) => l.ttfb_ms));
      return {
        target: t.name,
        p50_ms: p50,
        p99_ms: p99,
        ttfb_ms: Number(ttfb.toFixed(3)),
        added_p50_ms: floorLatency.length ? Number((p50 - median(floorLatency.map((l) => l.p50_ms))).toFixed(3)) : null,
        added_p99_ms: floorLatency.length ? Number((p99 - median(floorLatency.map((l) => l.p99_ms))).toFixed(3)) : null,
        added_ttfb_ms: floorLatency.length ? Number((ttfb - median(floorLatency.map((l) => l.ttfb_ms))).toFixed(3)) : null,
      };
    });
    const memory = targets.map((t) => ({ target: t.name, idle_rss_mb: t.idle_rss_mb, peak_rss_mb: peakOf(t), healthz_s: t.healthz_s ?? null }));
    const help = targets.some((t) => t.name in TOLLGATE_VARIANTS) ? cliCommands().map((command) => ({ command: ['tollgate', ...command].join(' '), seconds: Number(helpSeconds(command).toFixed(3)) })) : [];

    const out: string[] = [];
    out.push(`\nThroughput: ${CONNECTIONS} connections, ${DURATION} s per run, median of ${REPEATS}; servers on core ${SERVER_CORE ?? 'any'}, wrk and the mock on core ${LOAD_CORE ?? 'any'}\n`);
    out.push('| target | mode | RPS | RPS / meter-floor | target | p50 ms | p99 ms | server CPU µs/req | errors | non-2xx |');
    out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of rows) {
      const goal = RPS_TARGETS[r.target.replace(/-w\d+$/, '')];
      out.push(`| ${r.target} | ${r.mode} | ${r.rps} | ${fmt(r.ratio_to_floor, 3)} | ${goal === undefined ? '' : `>= ${goal}`} | ${r.p50_ms} | ${r.p99_ms} | ${fmt(r.cpu_us)} | ${r.errors} | ${r.non2xx} |`);
    }
    out.push(`\nLatency at 1 connection (${LATENCY_SECONDS} s, median of ${REPEATS}), time to the first streamed byte (median of 300 sequential streams)\n`);
    out.push('| target | p50 ms | p99 ms | added p50 (<= 0.3) | added p99 (<= 1) | first byte ms | added (<= 0.3) |');
    out.push('|---|---:|---:|---:|---:|---:|---:|');
    for (const l of latencyRows) out.push(`| ${l.target} | ${l.p50_ms} | ${l.p99_ms} | ${fmt(l.added_p50_ms, 3)} | ${fmt(l.added_p99_ms, 3)} | ${l.ttfb_ms} | ${fmt(l.added_ttfb_ms, 3)} |`);
    out.push(`\nMemory (${KEYS.toLocaleString('en-US')} keys in each Tollgate store) and start\n`);
    out.push(`| target | idle RSS MB (<= ${LIMITS.idle_rss_mb}) | peak RSS MB over the bench (<= ${LIMITS.peak_rss_mb}) | start to /healthz s (<= ${LIMITS.healthz_s}) |`);
    out.push('|---|---:|---:|---:|');
    for (const m of memory) out.push(`| ${m.target} | ${fmt(m.idle_rss_mb)} | ${fmt(m.peak_rss_mb)} | ${m.healthz_s === null ? '' : m.healthz_s.toFixed(3)} |`);
    if (help.length) {
      const slowest = help.reduce((a, b) => (b.seconds > a.seconds ? b : a));
      out.push(`\nCLI --help (${help.length} commands, median of 3 each): slowest \`${slowest.command} --help\` ${slowest.seconds} s (<= ${LIMITS.help_s}); over the limit: ${help.filter((h) => h.seconds > LIMITS.help_s).map((h) => h.command).join(', ') || 'none'}`);
    }
    const bad = rows.filter((r) => r.errors > 0 || r.non2xx > 0);
    if (bad.length > 0) out.push(`\nWARNING: errors or non-2xx answers in: ${bad.map((r) => `${r.target}/${r.mode}`).join(', ')}`);
    process.stdout.write(`${out.join('\n')}\n`);

    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    const file = join(ROOT, 'bench/results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    const settings = { connections: CONNECTIONS, duration_s: DURATION, repeats: REPEATS, keys: KEYS, server_core: SERVER_CORE, load_core: LOAD_CORE };
    writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, settings, limits: { rps_ratio: RPS_TARGETS, ...LIMITS }, rows, latency: latencyRows, memory, help, runs }, null, 2));
    process.stdout.write(`\nwritten ${file}\n`);
  } finally {
    await Promise.all(started.map((s) => s.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
