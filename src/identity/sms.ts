import type { Logger } from 'pino';
import { request } from 'undici';

/** Where phone verification codes go: the log (default) or an SMS gateway over HTTP. */
export interface SmsSender {
  readonly mode: 'log' | 'http';
  send(to: string, text: string): Promise<void>;
}

export interface SmsOptions {
  /** The gateway's endpoint; unset: the log. */
  httpUrl?: string | undefined;
  httpToken?: string | undefined;
  from: string;
  logger: Logger;
}

/**
 * The log sender writes each SMS as one line (like the mailer without SMTP),
 * so a fresh install can verify phones; the HTTP sender POSTs
 * `{"to": "+15551234567", "from": "Tollgate", "text": "..."}` as JSON (with
 * `Authorization: Bearer <sms.http_token>` when set) and counts any 2xx as
 * sent. With a gateway, nothing but "sms sent to <number>" is logged.
 */
export function createSmsSender(options: SmsOptions): SmsSender {
  const { logger } = options;
  if (!options.httpUrl) {
    return {
      mode: 'log',
      async send(to, text) {
        logger.info({ sms: { to, text } }, `sms to ${to} (no SMS gateway configured): ${text}`);
      },
    };
  }
  const url = options.httpUrl;
  return {
    mode: 'http',
    async send(to, text) {
      const response = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(options.httpToken ? { authorization: `Bearer ${options.httpToken}` } : {}) },
        body: JSON.stringify({ to, from: options.from, text }),
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      await response.body.dump();
      if (response.statusCode < 200 || response.statusCode >= 300) throw new Error(`SMS gateway answered ${response.statusCode}`);
      logger.info({ sms: { to } }, `sms sent to ${to}`);
    },
  };
}
