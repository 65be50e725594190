import { SMTPServer } from 'smtp-server';

/** A mail as the in-process SMTP server received it. */
export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  /** The text/plain body, transfer encoding undone. */
  text: string;
  raw: string;
}

export interface TestSmtp {
  /** smtp://127.0.0.1:<port> for `smtp_url`. */
  url: string;
  mails: ReceivedMail[];
  /** Resolves with the first mail to `to` (received now or later) matching `subject`. */
  next(to: string, subject?: RegExp, timeoutMs?: number): Promise<ReceivedMail>;
  stop(): Promise<void>;
}

function decode(body: string, encoding: string | undefined): string {
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

function split(part: string): { headers: Record<string, string>; body: string } {
  const at = part.search(/\r?\n\r?\n/);
  const head = part.slice(0, at).replace(/\r?\n[ \t]+/g, ' ');
  const headers: Record<string, string> = {};
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body: part.slice(at).replace(/^\r?\n\r?\n/, '') };
}

/** The text/plain part of a message (single part or the first text/plain of a multipart). */
function textOf(raw: string): string {
  const { headers, body } = split(raw);
  const boundary = /boundary="?([^";]+)"?/i.exec(headers['content-type'] ?? '')?.[1];
  if (!boundary) return decode(body, headers['content-transfer-encoding']?.toLowerCase());
  for (const chunk of body.split(`--${boundary}`).slice(1)) {
    const part = split(chunk.replace(/^\r?\n/, ''));
    if ((part.headers['content-type'] ?? '').startsWith('text/plain')) return decode(part.body, part.headers['content-transfer-encoding']?.toLowerCase()).trim();
  }
  return '';
}

/** A real SMTP server on 127.0.0.1 (no TLS, no auth) that keeps what it receives; it stops by itself after `lifetimeMs`. */
export async function startTestSmtp(lifetimeMs = 300_000): Promise<TestSmtp> {
  const mails: ReceivedMail[] = [];
  const waiters: { match(m: ReceivedMail): boolean; resolve(m: ReceivedMail): void }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const mail: ReceivedMail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: split(raw).headers.subject ?? '',
          text: textOf(raw),
          raw,
        };
        mails.push(mail);
        for (const waiter of [...waiters]) {
          if (waiter.match(mail)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(mail);
          }
        }
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  const timer = setTimeout(() => server.close(), lifetimeMs);
  timer.unref();
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    next(to, subject, timeoutMs = 10_000) {
      const match = (m: ReceivedMail) => m.to.includes(to.toLowerCase()) || m.to.includes(to) ? (subject ? subject.test(m.subject) : true) : false;
      const found = mails.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no mail to ${to} within ${timeoutMs} ms (got: ${mails.map((m) => `${m.to.join(',')}: ${m.subject}`).join('; ') || 'none'})`)), timeoutMs);
        waiters.push({ match, resolve: (m) => (clearTimeout(t), resolve(m)) });
      });
    },
    stop: () =>
      new Promise((resolve) => {
        clearTimeout(timer);
        server.close(() => resolve());
      }),
  };
}

/** The first http(s) link of a mail's text. */
export function linkIn(mail: ReceivedMail): string {
  const match = /https?:\/\/\S+/.exec(mail.text);
  if (!match) throw new Error(`no link in mail "${mail.subject}": ${mail.text}`);
  return match[0];
}
