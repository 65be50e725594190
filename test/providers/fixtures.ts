import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/** A recorded response or error body (see test/fixtures/README.md). */
export function fixtureJson<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as T;
}

/** A recorded stream: the `data:` payloads of its events, one JSON per line. */
export function fixtureLines(path: string): string[] {
  return readFileSync(join(ROOT, path), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
}

export function fixtureEvents<T = unknown>(path: string): T[] {
  return fixtureLines(path).map((line) => JSON.parse(line) as T);
}
