/**
 * npm run bench: a mock OpenAI-compatible upstream, a raw pass-through proxy
 * (node:http + undici, the floor for any Node gateway) and Tollgate (auth on,
 * simulator off, an OpenAI-compatible provider pointed at the mock), each a
 * separate process on 127.0.0.1, driven in turn by autocannon with the same
 * connections and duration, non-streaming and streaming. Prints a table and
 * writes it as JSON under bench/results/. Everything stops at the end.
 *
 * BENCH_DURATION (s, default 10), BENCH_CONNECTIONS (default 32).
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
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
}

interface Row {
  target: string;
  mode: 'non-streaming' | 'streaming';
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
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
  const result = await drive(target, stream, DURATION);
  return {
    target: target.name,
    mode: stream ? 'streaming' : 'non-streaming',
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

async function startTollgate(upstreamPort: number, dataDir: string): Promise<{ target: Target; process: Started }> {
  const configFile = join(dataDir, 'tollgate.yaml');
  writeFileSync(
    configFile,
    stringify({
      server: { host: '127.0.0.1', port: 0 },
      data_dir: dataDir,
      log: { level: 'warn' },
      simulator: { enabled: false },
      providers: { mock: { kind: 'openai', base_url: `http://127.0.0.1:${upstreamPort}/v1`, api_key: 'bench-upstream-key' } },
      models: [{ name: 'bench-model', deployments: [{ provider: 'mock', model: 'bench-upstream' }] }],
    }),
  );
  const started = await startProcess(['bin/tollgate.mjs', 'start', '--config', configFile], /Project key[^\n]*\n\s+(sk-proj-\S+)[\s\S]*?curl (http:\/\/127\.0\.0\.1:\d+)/, { TOLLGATE_LOG_LEVEL: 'warn' });
  return { target: { name: 'tollgate', key: started.match[1]!, url: started.match[2]! }, process: started };
}

function table(rows: Row[]): string {
  const lines = ['| target | mode | RPS | p50 ms | p99 ms | errors | non-2xx |', '|---|---|---:|---:|---:|---:|---:|'];
  for (const r of rows) lines.push(`| ${r.target} | ${r.mode} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.non2xx} |`);
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
    const tollgate = await startTollgate(upstreamPort, dataDir);
    started.push(tollgate.process);
    const rawTarget: Target = { name: 'raw-proxy', url: `http://127.0.0.1:${raw.match[1]}`, key: 'none' };

    const rows: Row[] = [];
    for (const stream of [false, true]) {
      rows.push(await measure(rawTarget, stream));
      rows.push(await measure(tollgate.target, stream));
    }
    const ratios = (['non-streaming', 'streaming'] as const).map((mode) => {
      const base = rows.find((r) => r.target === 'raw-proxy' && r.mode === mode)!;
      const ours = rows.find((r) => r.target === 'tollgate' && r.mode === mode)!;
      return { mode, rps_ratio: Number((ours.rps / base.rps).toFixed(3)), added_p50_ms: ours.p50 - base.p50, added_p99_ms: ours.p99 - base.p99 };
    });

    process.stdout.write(`\nTollgate vs raw proxy, ${CONNECTIONS} connections, ${DURATION} s per run, all on 127.0.0.1\n\n${table(rows)}\n\n`);
    for (const r of ratios) process.stdout.write(`${r.mode}: Tollgate/raw RPS = ${r.rps_ratio} (added latency p50 ${r.added_p50_ms} ms, p99 ${r.added_p99_ms} ms)\n`);
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
