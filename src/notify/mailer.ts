import { createRequire } from 'node:module';
import type { Transporter } from 'nodemailer';
import type { Logger } from 'pino';

/** One message. `link` is the action the mail carries (verify, reset, accept): it is what the log shows when no SMTP is configured. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
  link?: string;
  attachments?: { filename: string; content: Buffer | string; contentType?: string }[];
}

export interface Mailer {
  /** `smtp` when mail leaves the process; `log` when each mail is a log line (no SMTP configured). */
  readonly mode: 'smtp' | 'log';
  /** Sends one mail; rejects when the SMTP server refuses it or cannot be reached. */
  send(mail: Mail): Promise<void>;
  close(): Promise<void>;
}

export interface MailerOptions {
  /** smtp://user:pass@host:port or smtps://...; unset: mails go to the log. */
  smtpUrl?: string | undefined;
  /** The From header, e.g. `Tollgate <no-reply@example.com>`. */
  from: string;
  logger: Logger;
}

/** Header values come from people (organization names, addresses): one line, no control characters. */
export function oneLine(text: string, max = 200): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, max);
}

/**
 * The one mailer: nodemailer over SMTP when `smtp_url` is set, else the log.
 * In log mode each mail is one info line with its recipient, subject and
 * link, so a fresh install without SMTP still works (the operator follows the
 * link from the log). With SMTP only "mail sent to <address>" is logged: the
 * link is a credential and stays out of logs.
 */
export function createMailer(options: MailerOptions): Mailer {
  const { logger } = options;
  if (!options.smtpUrl) {
    return {
      mode: 'log',
      async send(mail) {
        const attachments = mail.attachments?.map((a) => a.filename);
        logger.info(
          { mail: { to: mail.to, subject: oneLine(mail.subject), link: mail.link ?? null, ...(attachments?.length ? { attachments } : {}) } },
          `mail to ${mail.to} (no SMTP configured): ${oneLine(mail.subject)}${mail.link ? ` ${mail.link}` : ''}`,
        );
      },
      close: async () => {},
    };
  }
  // nodemailer reads the URL itself: smtps:// is TLS from the start, user:password@ is AUTH, and
  // query options pass through (`?ignoreTLS=true` for a local relay with no certificate).
  // Timeouts well below nodemailer's minutes, unless the URL sets its own.
  const url = new URL(options.smtpUrl);
  for (const [name, ms] of [['connectionTimeout', 10_000], ['greetingTimeout', 10_000], ['socketTimeout', 30_000]] as const) {
    if (!url.searchParams.has(name)) url.searchParams.set(name, String(ms));
  }
  // nodemailer is loaded only when SMTP is configured (CommonJS: synchronously).
  const { createTransport } = createRequire(import.meta.url)('nodemailer') as typeof import('nodemailer');
  const transport: Transporter = createTransport(url.toString());
  return {
    mode: 'smtp',
    async send(mail) {
      await transport.sendMail({ from: options.from, to: mail.to, subject: oneLine(mail.subject), text: mail.text, attachments: mail.attachments });
      logger.info({ mail: { to: mail.to } }, `mail sent to ${mail.to}`);
    },
    async close() {
      transport.close();
    },
  };
}
