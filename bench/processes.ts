import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface Started {
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** The core a child runs on (`taskset -c`), or null to let the system place it. */
export type Core = number | null;

/** The command that runs `command args` on `core`. */
export function pinned(core: Core, command: string, args: string[]): [string, string[]] {
  return core === null ? [command, args] : ['taskset', ['-c', String(core), command, ...args]];
}

/**
 * Starts a Node child process (on `core`, through taskset, which execs it: the
 * pid is Node's) and resolves once `ready` matches its stdout (the match is
 * returned), or at once when `ready` is null.
 */
export async function startProcess(args: string[], ready: RegExp | null, env: Record<string, string> = {}, timeoutMs = 30_000, core: Core = null): Promise<Started & { match: RegExpMatchArray }> {
  const [command, commandArgs] = pinned(core, process.execPath, args);
  const child = spawn(command, commandArgs, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    if (!ready) return resolve(['']);
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${args.join(' ')}\n${out}\n${err}`)), timeoutMs);
    child.stdout!.on('data', () => {
      const m = out.match(ready);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited with ${code}\n${out}\n${err}`));
    });
  });
  child.removeAllListeners('exit');
  return {
    child,
    match,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}

/** A TypeScript file run through tsx's loader. */
export function tsArgs(file: string, ...rest: string[]): string[] {
  return ['--import', 'tsx', file, ...rest];
}
