import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/index.js';

const CHANNEL = 'tollgate_limits';
const RECONNECT_MS = 1000;

export interface PostgresBroadcastOptions {
  db: Kysely<Database>;
  url: string;
  /** Only messages sent with the same scope are heard (deployments or tests sharing one database). */
  scope: string;
}

export interface PostgresBroadcast {
  send(id: string): Promise<void>;
  listen(listener: (id: string) => void): void;
  close(): Promise<void>;
}

type Client = InstanceType<typeof import('pg').default.Client>;

/**
 * Admin changes told to every instance through PostgreSQL's LISTEN/NOTIFY.
 * A listening connection can be used for nothing else, so it is a client of
 * its own (outside the pool), reconnected when it drops; a message sent while
 * it was down is lost, and the policy cache's time bounds what that costs.
 */
export function createPostgresBroadcast(options: PostgresBroadcastOptions): PostgresBroadcast {
  const listeners: ((id: string) => void)[] = [];
  let client: Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  async function connect(): Promise<void> {
    const pg = (await import('pg')).default;
    const next = new pg.Client({ connectionString: options.url });
    next.on('error', () => reconnect(next));
    next.on('notification', (message) => {
      const payload = message.payload ?? '';
      const at = payload.indexOf('\n');
      if (at < 0 || payload.slice(0, at) !== options.scope) return;
      for (const listener of listeners) listener(payload.slice(at + 1));
    });
    try {
      await next.connect();
      await next.query(`listen ${CHANNEL}`);
    } catch {
      reconnect(next);
      return;
    }
    if (closed) await next.end().catch(() => {});
    else client = next;
  }

  function reconnect(broken: Client): void {
    if (client === broken) client = null;
    void broken.end().catch(() => {});
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, RECONNECT_MS);
    retry.unref();
  }

  let started: Promise<void> | undefined;
  return {
    async send(id) {
      await sql`select pg_notify(${CHANNEL}, ${`${options.scope}\n${id}`})`.execute(options.db);
    },
    listen(listener) {
      listeners.push(listener);
      started ??= connect();
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      await started;
      await client?.end().catch(() => {});
      client = null;
    },
  };
}
