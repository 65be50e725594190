import { describe, expect, it } from 'vitest';
import { generateKey } from '../control/index.js';
import { createDiffReader } from './git.js';

describe('createDiffReader', () => {
  it('tracks commit, quoted path and new-side line numbers, and reads only added lines', () => {
    const key = generateKey('project');
    const other = generateKey('admin');
    const reader = createDiffReader('history', 'repo');
    const lines = [
      '\u0000c0ffee',
      'diff --git "we\\"ird\\303\\251.txt" "we\\"ird\\303\\251.txt"',
      'new file mode 100644',
      '--- /dev/null',
      '+++ "we\\"ird\\303\\251.txt"',
      '@@ -0,0 +1,3 @@',
      '+one',
      `++++ ${key}`, // an added line whose text starts with "+++ ": content, not a header
      `+${other}`,
      'diff --git gone.txt gone.txt',
      'deleted file mode 100644',
      '--- gone.txt',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      `-${key}`,
      '\u0000beef',
      'diff --git a.ts a.ts',
      '--- a.ts',
      '+++ a.ts',
      '@@ -5,2 +5,3 @@',
      ' context',
      `-old ${key}`,
      `+new ${key}`,
    ];
    const found = lines.flatMap((line) => reader.read(line)).map((f) => [f.commit, f.file, f.line, f.column, f.kind]);
    expect(found).toEqual([
      ['c0ffee', 'repo/we"irdé.txt', 2, 5, 'tollgate-project'],
      ['c0ffee', 'repo/we"irdé.txt', 3, 1, 'tollgate-admin'],
      ['beef', 'repo/a.ts', 6, 5, 'tollgate-project'],
    ]);
    expect(reader.commits()).toBe(2);
  });
});
