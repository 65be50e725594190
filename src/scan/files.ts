import { open, readdir, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { findingsInLine, type Finding } from './finding.js';
import { gitListFiles } from './git.js';

/** Larger files are build output, data or media, not configuration that holds keys. */
export const DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024;
/** Git's own test: a NUL byte in the first 8000 bytes makes a file binary. */
const BINARY_SNIFF_BYTES = 8000;
const SKIPPED_DIRS = new Set(['.git', 'node_modules']);
const READ_CONCURRENCY = 8;

export interface TreeScan {
  findings: Finding[];
  filesScanned: number;
  skipped: { binary: number; tooLarge: number };
}

/**
 * Files under `dir` relative to it: from git when `dir` is in a work tree (so
 * .gitignore is honoured), else a walk. Neither descends into .git or node_modules.
 */
export async function listFiles(dir: string): Promise<string[]> {
  const fromGit = await gitListFiles(dir);
  const files = fromGit ?? (await walk(dir, ''));
  return files.filter((file) => !file.split(/[\\/]/).some((part) => SKIPPED_DIRS.has(part))).sort();
}

async function walk(root: string, rel: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(root, rel), { withFileTypes: true })) {
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    // Symbolic links are not followed: they can loop, or lead outside the tree.
    if (entry.isDirectory() && !SKIPPED_DIRS.has(entry.name)) out.push(...(await walk(root, path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** Scans `path` (a file, or a directory listed by `listFiles`). Paths are reported as `path` joined with the file. */
export async function scanTree(path: string, maxFileBytes = DEFAULT_MAX_FILE_BYTES): Promise<TreeScan> {
  const info = await stat(path);
  const files = info.isDirectory() ? (await listFiles(path)).map((file) => join(path, file.split('/').join(sep))) : [path];
  const result: TreeScan = { findings: [], filesScanned: 0, skipped: { binary: 0, tooLarge: 0 } };
  const perFile: Finding[][] = new Array(files.length);
  let cursor = 0;
  const worker = async () => {
    while (cursor < files.length) {
      const index = cursor++;
      perFile[index] = await scanFile(files[index]!, maxFileBytes, result);
    }
  };
  await Promise.all(Array.from({ length: READ_CONCURRENCY }, worker));
  result.findings = perFile.flat();
  return result;
}

async function scanFile(file: string, maxFileBytes: number, result: TreeScan): Promise<Finding[]> {
  const handle = await open(file, 'r').catch(() => null);
  // Listed but gone (a tracked file deleted from disk), or unreadable: nothing to scan.
  if (!handle) return [];
  try {
    const info = await handle.stat();
    if (!info.isFile()) return [];
    if (info.size > maxFileBytes) {
      result.skipped.tooLarge++;
      return [];
    }
    const content = await handle.readFile();
    if (content.subarray(0, BINARY_SNIFF_BYTES).includes(0)) {
      result.skipped.binary++;
      return [];
    }
    result.filesScanned++;
    const lines = content.toString('utf8').split(/\r?\n/);
    return lines.flatMap((text, i) => findingsInLine(text, { source: 'file', file, line: i + 1 }));
  } finally {
    await handle.close();
  }
}
