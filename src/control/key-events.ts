import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { newRedis } from '../store/index.js';
import type { Logger } from 'pino';

/**
 * Key-cache invalidations between instances. Every change that can take a
 * key out of service (revoke, update, rotation, project archive) is applied
 * to the local cache at once and published; other instances drop the same
 * entries when the message arrives (Redis pub/sub, well under a second).
 * Without Redis, instances fall back to re-validating from the store.
 */
export type Invalidation = { scope: 'key'; id: string } | { scope: 'project'; id: string };

export interface KeyEvents {
  /** Applies to this instance synchronously, then tells the others. */
  publish(event: Invalidation): Promise<void>;
  subscribe(handler: (event: Invalidation) => void): void;
  close(): Promise<void>;
}

export function createLocalKeyEvents(): KeyEvents {
  const handlers: ((event: Invalidation) => void)[] = [];
  return {
    async publish(event) {
      for (const handler of handlers) handler(event);
    },
    subscribe: (handler) => void handlers.push(handler),
    close: async () => {},
  };
}

function isInvalidation(value: unknown): value is Invalidation & { origin: string } {
  const v = value as Record<string, unknown> | null;
  return !!v && (v.scope === 'key' || v.scope === 'project') && typeof v.id === 'string' && typeof v.origin === 'string';
}

export async function createRedisKeyEvents(options: { url: string; prefix: string; logger: Logger }): Promise<KeyEvents> {
  const local = createLocalKeyEvents();
  const origin = randomUUID();
  const channel = `${options.prefix}key-invalidations`;
  // The publisher fails fast while Redis is away (instances then catch up through store
  // re-validation) rather than holding an admin call; the subscriber resubscribes on reconnect.
  const publisher = newRedis(options.url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  const subscriber = newRedis(options.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  for (const client of [publisher, subscriber]) client.on('error', (err) => options.logger.warn({ err: { message: err.message } }, 'redis (key events) error'));
  try {
    await Promise.all([publisher.connect(), subscriber.connect()]);
    await subscriber.subscribe(channel);
  } catch (err) {
    publisher.disconnect();
    subscriber.disconnect();
    throw new Error(`Redis at redis_url is unreachable: ${(err as Error).message}`, { cause: err });
  }
  subscriber.on('message', (_channel, text: string) => {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (!isInvalidation(message) || message.origin === origin) return;
    void local.publish({ scope: message.scope, id: message.id });
  });
  return {
    async publish(event) {
      await local.publish(event);
      try {
        await publisher.publish(channel, JSON.stringify({ ...event, origin }));
      } catch (err) {
        // Other instances still catch up through store re-validation.
        options.logger.warn({ err: { message: (err as Error).message } }, 'key invalidation not published');
      }
    },
    subscribe: local.subscribe,
    async close() {
      subscriber.disconnect();
      publisher.disconnect();
    },
  };
}
