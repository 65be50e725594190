import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../common/clock.js';
import type { Config } from '../config/index.js';
import type { Mailer } from '../notify/index.js';
import type { ServerSecret } from '../secrets/index.js';
import type { Database } from '../store/index.js';
import { startNoticeSender, type NoticeSender } from './sender.js';
import { createWebhookTransport, type WebhookStoreDeps } from './webhooks.js';

/** Notices, built once at boot: the sender loop of this instance and what the routes need. */
export interface Notices {
  sender: NoticeSender;
  webhookStore: WebhookStoreDeps;
  close(): Promise<void>;
}

export interface NoticesDeps {
  config: Config;
  db: Kysely<Database>;
  clock: Clock;
  logger: Logger;
  mailer: Mailer;
  secret: ServerSecret;
}

export function createNotices(deps: NoticesDeps): Notices {
  const settings = deps.config.notifications;
  const webhooks = createWebhookTransport({ timeoutMs: settings.webhook_timeout_ms, allowPrivate: settings.webhook_allow_private_addresses });
  const sender = startNoticeSender({
    db: deps.db,
    clock: deps.clock,
    logger: deps.logger,
    mailer: deps.mailer,
    webhooks,
    secret: deps.secret,
    settings: {
      intervalMs: settings.sender_interval_ms,
      leaseMs: settings.lease_ms,
      retryBaseMs: settings.retry_base_ms,
      retryMaxMs: settings.retry_max_ms,
      maxAttempts: settings.max_attempts,
      webhookDisableAfter: settings.webhook_disable_after,
    },
  });
  return {
    sender,
    webhookStore: { db: deps.db, secret: deps.secret, allowPrivate: settings.webhook_allow_private_addresses },
    async close() {
      await sender.stop();
      await webhooks.close();
    },
  };
}
