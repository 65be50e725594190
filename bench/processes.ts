import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface Started {
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Starts a child process and resolves once `ready` matches its stdout; the match is returned. */
export async function startProcess(args: string[], ready: RegExp, env: Record<string, string> = {}, timeoutMs = 30_000): Promise<Started & { match: RegExpMatchArray }> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${args.join(' ')}\n${out}\n${err}`)), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
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
