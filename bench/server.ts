/**
 * What every benchmark server process shares: its command-line options, the
 * pool to the upstream, the `listening <port>` line the driver waits for, and
 * stopping by itself after --max-seconds or on SIGTERM.
 */
import type { Server } from 'node:http';
import { Pool } from 'undici';

const args = new Map(process.argv.slice(2).map((a, i, all) => [a, all[i + 1]]));

/** A command-line option's value (`--name value`). */
export function option(name: string): string | undefined {
  return args.get(`--${name}`);
}

/** The keep-alive pool to `--upstream`, sized like Tollgate's own. */
export function upstreamPool(): Pool {
  return new Pool(option('upstream')!, { connections: 256, keepAliveTimeout: 30_000 });
}

/** Prints `listening <port>` (and what follows), then stops the process after --max-seconds or on SIGTERM. */
export function announce(server: Server, extra = ''): void {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}${extra}\n`);
  setTimeout(() => process.exit(0), Number(option('max-seconds') ?? 600) * 1000).unref();
  process.on('SIGTERM', () => process.exit(0));
}
