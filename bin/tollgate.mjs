#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build` during install).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/index.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('tollgate is not built: run `npm run build` (it runs during `npm install`).\n');
  process.exit(1);
}
await import(entry.href);
