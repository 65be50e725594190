import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Vitest global setup: tests that spawn `tollgate` run the compiled dist/, so it
 * is rebuilt from the current sources once per test run (a no-op when nothing
 * changed). A test never runs a stale build.
 */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build-server.mjs'], { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: 'inherit' });
}
