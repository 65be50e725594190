import { stat } from 'node:fs/promises';
import type { Finding } from './finding.js';
import { DEFAULT_MAX_FILE_BYTES, scanTree } from './files.js';
import { isGitWorkTree, scanHistory, scanStaged } from './git.js';
import { ScanUsageError } from './usage-error.js';

export interface ScanOptions {
  /** A file or a directory; default `.`. */
  path?: string;
  /** Also every line added by any commit of the repository's history. */
  git?: boolean;
  /** Only the staged changes (what `git commit` would record), instead of the files on disk. */
  staged?: boolean;
  maxFileBytes?: number;
}

export interface ScanResult {
  findings: Finding[];
  /** Files read from disk (0 with `staged`). */
  filesScanned: number;
  skipped: { binary: number; tooLarge: number };
  /** Commits read with `git`, else null. */
  commitsScanned: number | null;
}

/** Finds Tollgate- and OpenAI-shaped keys in the working tree, the index and/or the history under `path`. */
export async function scan(options: ScanOptions = {}): Promise<ScanResult> {
  const path = options.path ?? '.';
  const info = await stat(path).catch(() => null);
  if (!info) throw new ScanUsageError(`no such file or directory: ${path}`);
  if ((options.git || options.staged) && !(info.isDirectory() && (await isGitWorkTree(path)))) {
    throw new ScanUsageError(`${options.staged ? '--staged' : '--git'} needs PATH to be a directory in a git work tree: ${path}`);
  }
  const result: ScanResult = { findings: [], filesScanned: 0, skipped: { binary: 0, tooLarge: 0 }, commitsScanned: null };
  if (options.staged) {
    result.findings.push(...(await scanStaged(path, path)));
  } else {
    const tree = await scanTree(path, options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES);
    Object.assign(result, { filesScanned: tree.filesScanned, skipped: tree.skipped });
    result.findings.push(...tree.findings);
  }
  if (options.git) {
    const history = await scanHistory(path, path);
    result.findings.push(...history.findings);
    result.commitsScanned = history.commits;
  }
  return result;
}
