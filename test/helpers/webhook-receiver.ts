import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/** One request as the receiver got it. */
export interface ReceivedHook {
  headers: Record<string, string>;
  body: string;
  /** The answer it was given (`hang`: none). */
  answered: number | 'hang';
}

export interface WebhookReceiver {
  url: string;
  hooks: ReceivedHook[];
  /** What the next requests are answered: a status per request in order; then `otherwise`. */
  plan(statuses: (number | 'hang')[], otherwise?: number | 'hang'): void;
  /** Resolves once `count` requests arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedHook[]>;
  stop(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 standing in for an Owner's webhook endpoint. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const hooks: ReceivedHook[] = [];
  let planned: (number | 'hang')[] = [];
  let otherwise: number | 'hang' = 200;
  const hanging: ServerResponse[] = [];
  const waiters: { count: number; resolve(): void }[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answered = planned.length > 0 ? planned.shift()! : otherwise;
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
      hooks.push({ headers, body: Buffer.concat(chunks).toString('utf8'), answered });
      for (const w of [...waiters]) if (hooks.length >= w.count) (waiters.splice(waiters.indexOf(w), 1), w.resolve());
      if (answered === 'hang') hanging.push(res);
      else res.writeHead(answered, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    hooks,
    plan(statuses, rest = 200) {
      planned = [...statuses];
      otherwise = rest;
    },
    waitFor(count, timeoutMs = 15_000) {
      if (hooks.length >= count) return Promise.resolve(hooks);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`expected ${count} webhook requests within ${timeoutMs} ms, got ${hooks.length}`)), timeoutMs);
        waiters.push({ count, resolve: () => (clearTimeout(timer), resolve(hooks)) });
      });
    },
    stop: () =>
      new Promise((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
