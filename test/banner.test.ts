import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { showFirstRunBanner } from '../src/banner.js';
import { tempDir } from './helpers/tollgate.js';

/** A log stream that keeps its lines, as a collector would. */
function collector() {
  const lines: string[] = [];
  return { lines, logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(line) }) };
}

describe('the first-start banner', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());
  const text = '\n export TOLLGATE_KEY=sk-proj-secret\n';

  it('is written to a terminal and nowhere else', () => {
    const log = collector();
    const written: string[] = [];
    const shown = showFirstRunBanner(text, { stdout: { isTTY: true, write: (t) => written.push(t) }, dataDir: dir.path, logger: log.logger });
    expect(shown.file).toBeNull();
    expect(written).toEqual([text]);
    expect(log.lines).toEqual([]);
    expect(existsSync(join(dir.path, 'first-start-keys.txt'))).toBe(false);
  });

  it('goes to a file only this user can read when stdout is not a terminal; the log names the file, not the keys', () => {
    const log = collector();
    const written: string[] = [];
    const shown = showFirstRunBanner(text, { stdout: { isTTY: false, write: (t) => written.push(t) }, dataDir: join(dir.path, 'new'), logger: log.logger });
    expect(written).toEqual([]);
    expect(shown.file).toBe(join(dir.path, 'new', 'first-start-keys.txt'));
    expect(readFileSync(shown.file!, 'utf8')).toBe(text);
    expect(statSync(shown.file!).mode & 0o777).toBe(0o600);
    expect(log.lines).toHaveLength(1);
    expect(JSON.parse(log.lines[0]!)).toMatchObject({ level: 40, file: shown.file });
    expect(log.lines[0]).not.toContain('sk-proj-');
  });
});
