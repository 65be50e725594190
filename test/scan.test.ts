import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../src/control/index.js';
import { scan, ScanUsageError, toJson, type Finding } from '../src/scan/index.js';
import { tempDir } from './helpers/tollgate.js';

// Every key here is generated at run time: the repository holds no key-shaped string.
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const token = (n: number) => [...randomBytes(n)].map((b) => ALNUM[b % ALNUM.length]).join('');
const openaiProjectKey = () => `sk-proj-${token(74)}T3BlbkFJ${token(74)}`;
const openaiLegacyKey = () => `sk-${token(20)}T3BlbkFJ${token(20)}`;
const lookAlike = (key: string) => key.slice(0, -1) + (key.endsWith('a') ? 'b' : 'a');
const tail = (key: string) => key.slice(-4);

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', '-C', dir, ...args], { encoding: 'utf8' }).trim();
}
function gitInit(dir: string): void {
  git(dir, 'init', '-q', '-b', 'main');
}
function write(dir: string, path: string, content: string | Buffer): void {
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), content);
}
/** What a finding shows, without the secret: the fields a user reads. */
const shown = (f: Finding) => ({ source: f.source, file: f.file, line: f.line, column: f.column, kind: f.kind, redacted: f.redacted, checksumValid: f.checksumValid, commit: f.commit });

describe('tollgate scan: a fixture tree', () => {
  const dir = tempDir('tollgate-scan-');
  const keys = { project: generateKey('project'), svc: generateKey('service_account'), fake: lookAlike(generateKey('admin')), openai: openaiProjectKey(), legacy: openaiLegacyKey() };
  const at = (file: string) => join(dir.path, file);

  beforeAll(() => {
    write(dir.path, 'src/config.ts', `// settings\nexport const key = '${keys.project}';\n`);
    write(dir.path, '.env', `TOLLGATE_API_KEY=${keys.svc}\r\n\r\nOPENAI_API_KEY=${keys.openai}\r\n`);
    write(dir.path, 'docs/notes.md', `# Notes\n\nold: ${keys.legacy} and ${keys.fake}\n`);
    write(dir.path, 'assets/logo.bin', Buffer.concat([Buffer.from([0x89, 0x50, 0x00, 0x01]), Buffer.from(keys.project)]));
    write(dir.path, 'node_modules/pkg/index.js', `module.exports = '${keys.project}';\n`);
    write(dir.path, 'debug.log', `${keys.svc}\n`);
    write(dir.path, '.gitignore', '*.log\n');
    write(dir.path, 'big.txt', `${'x'.repeat(3000)}\n${keys.project}\n`);
  });
  afterAll(() => dir.remove());

  const expected = () => [
    { source: 'file', file: at('.env'), line: 1, column: 18, kind: 'tollgate-service-account', redacted: `sk-svcacct-...${tail(keys.svc)}`, checksumValid: true, commit: null },
    { source: 'file', file: at('.env'), line: 3, column: 16, kind: 'openai-project', redacted: `sk-proj-...${tail(keys.openai)}`, checksumValid: null, commit: null },
    { source: 'file', file: at('docs/notes.md'), line: 3, column: 6, kind: 'openai-legacy', redacted: `sk-...${tail(keys.legacy)}`, checksumValid: null, commit: null },
    { source: 'file', file: at('docs/notes.md'), line: 3, column: 6 + keys.legacy.length + 5, kind: 'tollgate-admin', redacted: `sk-admin-...${tail(keys.fake)}`, checksumValid: false, commit: null },
    { source: 'file', file: at('src/config.ts'), line: 2, column: 21, kind: 'tollgate-project', redacted: `sk-proj-...${tail(keys.project)}`, checksumValid: true, commit: null },
  ];

  it('outside git: walks the tree, skipping node_modules, binary and large files', async () => {
    const result = await scan({ path: dir.path, maxFileBytes: 2048 });
    const ignoredByGitOnly = { source: 'file', file: at('debug.log'), line: 1, column: 1, kind: 'tollgate-service-account', redacted: `sk-svcacct-...${tail(keys.svc)}`, checksumValid: true, commit: null };
    expect(result.findings.map(shown)).toEqual([...expected().slice(0, 2), ignoredByGitOnly, ...expected().slice(2)]);
    expect(result.skipped).toEqual({ binary: 1, tooLarge: 1 });
    expect(result.filesScanned).toBe(5); // .env .gitignore debug.log notes.md config.ts
  });

  it('in a git work tree: honours .gitignore', async () => {
    gitInit(dir.path);
    const result = await scan({ path: dir.path, maxFileBytes: 2048 });
    expect(result.findings.map(shown)).toEqual(expected());
    expect(result.skipped).toEqual({ binary: 1, tooLarge: 1 });
    expect(result.commitsScanned).toBeNull();
  });

  it('never serialises a secret in --json output', async () => {
    const json = JSON.stringify(toJson(await scan({ path: dir.path })));
    for (const key of Object.values(keys)) expect(json).not.toContain(key.slice(12, 40));
    expect(JSON.parse(json).findings[0]).toEqual({
      source: 'file', file: at('.env'), line: 1, column: 18, kind: 'tollgate-service-account', redacted: `sk-svcacct-...${tail(keys.svc)}`, checksum_valid: true, commit: null, liveness: null,
    });
  });

  it('scans a single file, and reports a missing path as a usage error', async () => {
    expect((await scan({ path: at('src/config.ts') })).findings.map((f) => [f.file, f.line, f.column])).toEqual([[at('src/config.ts'), 2, 21]]);
    await expect(scan({ path: at('nope') })).rejects.toThrow(ScanUsageError);
  });

  it('finds nothing in a clean tree', async () => {
    const clean = tempDir('tollgate-scan-clean-');
    try {
      write(clean.path, 'README.md', 'Keys look like sk-proj-...abcd; never commit one.\n');
      write(clean.path, 'node_modules/x.js', `'${keys.project}'`);
      const result = await scan({ path: clean.path });
      expect(result.findings).toEqual([]);
      expect(result.filesScanned).toBe(1);
    } finally {
      clean.remove();
    }
  });
});

describe('tollgate scan: git history and staged changes', () => {
  const dir = tempDir('tollgate-scan-git-');
  const committed = generateKey('project');
  const onBranch = openaiProjectKey();
  const staged = generateKey('service_account');
  const unstaged = generateKey('admin');
  const shas: Record<string, string> = {};

  beforeAll(() => {
    gitInit(dir.path);
    write(dir.path, 'app.ts', 'export {};\n');
    git(dir.path, 'add', '.');
    git(dir.path, 'commit', '-qm', 'start');
    write(dir.path, 'config/settings.ts', `export const a = 1;\nexport const key = "${committed}";\n`);
    git(dir.path, 'add', '.');
    git(dir.path, 'commit', '-qm', 'add settings');
    shas.added = git(dir.path, 'rev-parse', 'HEAD');
    rmSync(join(dir.path, 'config'), { recursive: true });
    git(dir.path, 'add', '-A');
    git(dir.path, 'commit', '-qm', 'remove settings');
    // A key on a branch that is not checked out: --all must still reach it.
    git(dir.path, 'checkout', '-q', '-b', 'side');
    write(dir.path, 'side file.txt', `one\ntwo\nthree ${onBranch}\n`);
    git(dir.path, 'add', '.');
    git(dir.path, 'commit', '-qm', 'side');
    shas.side = git(dir.path, 'rev-parse', 'HEAD');
    git(dir.path, 'checkout', '-q', 'main');
  });
  afterAll(() => dir.remove());

  it('the working tree is clean, the history is not: --git finds keys committed then deleted, with the commit', async () => {
    expect((await scan({ path: dir.path })).findings).toEqual([]);
    const result = await scan({ path: dir.path, git: true });
    expect(result.commitsScanned).toBe(4);
    // git lists commits newest first; commits made within one second may come in either order.
    expect(result.findings.map(shown).sort((a, b) => a.file.localeCompare(b.file))).toEqual([
      { source: 'history', file: join(dir.path, 'config/settings.ts'), line: 2, column: 21, kind: 'tollgate-project', redacted: `sk-proj-...${tail(committed)}`, checksumValid: true, commit: shas.added },
      { source: 'history', file: join(dir.path, 'side file.txt'), line: 3, column: 7, kind: 'openai-project', redacted: `sk-proj-...${tail(onBranch)}`, checksumValid: null, commit: shas.side },
    ]);
  });

  it('--staged sees only what the next commit would add, at its line in the staged file', async () => {
    write(dir.path, 'app.ts', `export {};\n// a\n// b\nconst k = '${staged}';\n`);
    git(dir.path, 'add', 'app.ts');
    write(dir.path, 'app.ts', `export {};\n// a\n// b\nconst k = '${staged}';\nconst j = '${unstaged}';\n`);
    write(dir.path, 'untracked.ts', `'${unstaged}'`);
    const result = await scan({ path: dir.path, staged: true });
    expect(result.findings.map(shown)).toEqual([
      { source: 'staged', file: join(dir.path, 'app.ts'), line: 4, column: 12, kind: 'tollgate-service-account', redacted: `sk-svcacct-...${tail(staged)}`, checksumValid: true, commit: null },
    ]);
    git(dir.path, 'reset', '-q');
    expect((await scan({ path: dir.path, staged: true })).findings).toEqual([]);
  });

  it('a directory that .gitignore excludes is still scanned when named on the command line', async () => {
    write(dir.path, '.gitignore', 'build/\n');
    write(dir.path, 'build/out.js', `const k = '${committed}';\n`);
    expect((await scan({ path: dir.path })).findings.map((f) => f.file)).not.toContain(join(dir.path, 'build/out.js'));
    expect((await scan({ path: join(dir.path, 'build') })).findings.map((f) => [f.file, f.line, f.column])).toEqual([[join(dir.path, 'build/out.js'), 1, 12]]);
  });

  it('--git and --staged outside a git work tree are usage errors', async () => {
    const plain = tempDir('tollgate-scan-plain-');
    try {
      await expect(scan({ path: plain.path, git: true })).rejects.toThrow(/--git needs PATH to be a directory in a git work tree/);
      await expect(scan({ path: plain.path, staged: true })).rejects.toThrow(ScanUsageError);
    } finally {
      plain.remove();
    }
  });
});
