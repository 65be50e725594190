#!/usr/bin/env node
// Compiles the server and the CLI (src/, cli/) into dist/, the JavaScript that
// `tollgate` runs. TypeScript only emits here (`npm run typecheck` checks).
//
// Safe to run often and concurrently: it skips the compile when no input
// changed since the last build (a hash of every input file), and it compiles
// into a private directory first, then moves each changed file into dist/ with
// one rename, so a process reading dist/ never sees a half-written file.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');
const STAMP = join(DIST, '.inputs-hash');
const CONFIGS = ['tsconfig.json', 'tsconfig.build.json'];

function files(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...files(path));
    else out.push(path);
  }
  return out;
}

/** Hash of the compiler's inputs: every source file under src/ and cli/ and the configs. */
function inputsHash() {
  const hash = createHash('sha256');
  const inputs = [...files(join(ROOT, 'src')), ...files(join(ROOT, 'cli')), ...CONFIGS.map((c) => join(ROOT, c))].sort();
  for (const file of inputs) hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

export function buildServer({ quiet = false } = {}) {
  const hash = inputsHash();
  if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === hash) return false;
  const out = join(ROOT, '.tmp', `build-${process.pid}-${Date.now()}`);
  mkdirSync(out, { recursive: true });
  try {
    const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
    execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', out], { cwd: ROOT, stdio: quiet ? 'pipe' : 'inherit' });
    const built = new Set(files(out).map((f) => relative(out, f)));
    for (const file of built) {
      const target = join(DIST, file);
      const fresh = readFileSync(join(out, file));
      if (existsSync(target) && readFileSync(target).equals(fresh)) continue;
      mkdirSync(dirname(target), { recursive: true });
      renameSync(join(out, file), target);
    }
    // Output of deleted sources would be importable by mistake: remove it.
    if (existsSync(DIST)) for (const file of files(DIST)) if (file !== STAMP && !built.has(relative(DIST, file))) rmSync(file);
    const stampTmp = `${STAMP}.${process.pid}`;
    writeFileSync(stampTmp, hash);
    renameSync(stampTmp, STAMP);
    return true;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const t0 = Date.now();
  const built = buildServer();
  process.stdout.write(built ? `dist/ built in ${Date.now() - t0} ms\n` : 'dist/ is up to date\n');
}
