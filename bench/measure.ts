/**
 * How `npm run bench` measures: wrk for throughput and latency, a sequential
 * client for the time to the first streamed byte, /proc for CPU time and memory.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { pinned, ROOT, type Core } from './processes.js';

export interface LoadResult {
  requests: number;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
  non2xx: number;
}

export const BODY = (stream: boolean) =>
  JSON.stringify({ model: 'bench-model', messages: [{ role: 'user', content: 'Hello, benchmark! Please answer briefly.' }], ...(stream ? { stream: true } : {}) });

/** Whether wrk is on the PATH. */
export function hasWrk(): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => existsSync(join(dir, 'wrk')));
}

/** One wrk run (one thread, `connections` connections, `seconds` long) against the chat endpoint, on `core`. */
export function wrk(url: string, key: string, stream: boolean, connections: number, seconds: number, core: Core): Promise<LoadResult> {
  const [command, args] = pinned(core, 'wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '-s', join(ROOT, 'bench/wrk.lua'), `${url}/v1/chat/completions`]);
  return new Promise((resolve, reject) => {
    execFile(command, args, { env: { ...process.env, BENCH_BODY: BODY(stream), BENCH_KEY: key }, timeout: (seconds + 30) * 1000 }, (err, stdout) => {
      if (err) return reject(err);
      const line = stdout.split('\n').find((l) => l.startsWith('{"requests"'));
      if (!line) return reject(new Error(`wrk printed no result:\n${stdout}`));
      const r = JSON.parse(line) as { requests: number; duration_us: number; non2xx: number; errors: number; p50_us: number; p99_us: number };
      resolve({ requests: r.requests, rps: Math.round(r.requests / (r.duration_us / 1e6)), p50_ms: r.p50_us / 1000, p99_ms: r.p99_us / 1000, errors: r.errors, non2xx: r.non2xx });
    });
  });
}

/** Median time to the first byte of a streamed answer, in ms, over `count` sequential requests on one connection. */
export async function timeToFirstByte(url: string, key: string, count: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < count + 20; i++) {
    const t0 = performance.now();
    const response = await request(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: BODY(true),
    });
    let first = true;
    for await (const _ of response.body) {
      if (first && i >= 20) times.push(performance.now() - t0);
      first = false;
    }
  }
  return median(times);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** CPU time (user + system, all threads) a process has used so far, in ms; null without /proc. */
export function cpuMs(pid: number): number | null {
  const file = `/proc/${pid}/stat`;
  if (!existsSync(file)) return null;
  const text = readFileSync(file, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // utime and stime, fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** Resident set size now (VmRSS) and its peak so far (VmHWM), in MB; null without /proc. */
export function memoryMb(pid: number): { rss: number; peak: number } | null {
  const file = `/proc/${pid}/status`;
  if (!existsSync(file)) return null;
  const text = readFileSync(file, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: Math.round(kb('VmRSS') / 1024), peak: Math.round(kb('VmHWM') / 1024) };
}
