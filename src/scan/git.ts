import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { findingsInLine, type Finding, type FindingSource } from './finding.js';

/** Quoting and colours would change the paths and lines we parse; prefixes we do not need. */
const DIFF_FLAGS = ['-U0', '--no-color', '--no-ext-diff', '--no-textconv', '--no-prefix', '--relative'];
const GIT = ['-c', 'core.quotePath=false'];

/** Runs git in `dir` and returns its stdout, or null when git is missing or fails (not a repository). */
export function gitOutput(dir: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('git', [...GIT, '-C', dir, ...args], { maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' }, (err, stdout) => resolve(err ? null : stdout));
  });
}

export async function isGitWorkTree(dir: string): Promise<boolean> {
  return (await gitOutput(dir, ['rev-parse', '--is-inside-work-tree']))?.trim() === 'true';
}

/**
 * Tracked and untracked files under `dir` (relative to it), minus what .gitignore
 * excludes; null outside a repository, or when `dir` itself is ignored (a build
 * folder named on the command line is meant to be scanned).
 */
export async function gitListFiles(dir: string): Promise<string[] | null> {
  if ((await gitOutput(dir, ['check-ignore', '-q', '.'])) !== null) return null;
  const out = await gitOutput(dir, ['ls-files', '-z', '--cached', '--others', '--exclude-standard']);
  if (out === null) return null;
  // A file both tracked and modified appears once; a tracked file deleted from disk is dropped later by stat.
  return [...new Set(out.split('\0').filter(Boolean))];
}

/** Every line added by every commit reachable from any ref: keys committed and later deleted included. */
export function scanHistory(dir: string, displayRoot: string): Promise<{ findings: Finding[]; commits: number }> {
  // A NUL-led sha line cannot be confused with diff output, whose content lines all start with +, - or space.
  return scanDiff(dir, ['log', '--all', '-p', '--format=%x00%H', ...DIFF_FLAGS], 'history', displayRoot);
}

/** The lines the next commit would add: what a pre-commit hook must look at. */
export async function scanStaged(dir: string, displayRoot: string): Promise<Finding[]> {
  return (await scanDiff(dir, ['diff', '--cached', ...DIFF_FLAGS], 'staged', displayRoot)).findings;
}

async function scanDiff(dir: string, args: string[], source: FindingSource, displayRoot: string): Promise<{ findings: Finding[]; commits: number }> {
  const child = spawn('git', [...GIT, '-C', dir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4096)));
  const exited = new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code ?? 1));
  });
  const reader = createDiffReader(source, displayRoot);
  const findings: Finding[] = [];
  for await (const line of createInterface({ input: child.stdout, crlfDelay: Infinity })) findings.push(...reader.read(line));
  const code = await exited;
  if (code !== 0) throw new Error(`git ${args[0]} failed (exit ${code}): ${stderr.trim()}`);
  return { findings, commits: reader.commits() };
}

/**
 * A line-at-a-time reader of `git log -p` / `git diff` output with `--no-prefix -U0`:
 * tracks the commit, the new-side path and the new-side line number of each added line.
 */
export function createDiffReader(source: FindingSource, displayRoot: string) {
  let commit: string | null = null;
  let commits = 0;
  let file: string | null = null;
  let inHunk = false;
  let next = 0;
  return {
    commits: () => commits,
    read(line: string): Finding[] {
      if (line.startsWith('\0')) {
        commit = line.slice(1);
        commits++;
        file = null;
        inHunk = false;
        return [];
      }
      if (line.startsWith('diff --git ')) {
        file = null;
        inHunk = false;
        return [];
      }
      if (line.startsWith('@@')) {
        const m = /^@@ -\S+ \+(\d+)/.exec(line);
        next = m ? Number(m[1]) : 0;
        inHunk = true;
        return [];
      }
      if (!inHunk) {
        if (line.startsWith('+++ ')) file = newSidePath(line.slice(4));
        return [];
      }
      if (line.startsWith('+')) {
        const number = next++;
        if (file === null) return [];
        return findingsInLine(line.slice(1), { source, file: join(displayRoot, file), line: number, commit });
      }
      if (line.startsWith(' ')) next++;
      return [];
    },
  };
}

/** `+++ path` (git appends a tab to names with spaces; quotes names with unusual bytes); null for a deleted file. */
function newSidePath(raw: string): string | null {
  if (raw === '/dev/null') return null;
  return raw.startsWith('"') ? unquote(raw) : raw.replace(/\t$/, '');
}

const ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '"': 34, '\\': 92 };

/** Git's C-style quoting: \" \\ \t \n ... and octal bytes of UTF-8. */
function unquote(quoted: string): string {
  const body = quoted.replace(/\t$/, '').slice(1, -1);
  const parts: Buffer[] = [];
  for (const m of body.matchAll(/\\([0-7]{3}|.)|[^\\]+/gsu)) {
    const escape = m[1];
    if (escape === undefined) parts.push(Buffer.from(m[0], 'utf8'));
    else if (/^[0-7]{3}$/.test(escape)) parts.push(Buffer.from([parseInt(escape, 8)]));
    else parts.push(Buffer.from([ESCAPES[escape] ?? escape.charCodeAt(0)]));
  }
  return Buffer.concat(parts).toString('utf8');
}
