import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailer } from '../../src/notify/index.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';

function capture(): { logger: pino.Logger; lines: () => Record<string, any>[] } {
  const out: string[] = [];
  const stream = new Writable({ write: (chunk, _enc, done) => (out.push(chunk.toString()), done()) });
  return { logger: pino({ level: 'info' }, stream), lines: () => out.join('').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
}

describe('mailer', () => {
  let smtp: TestSmtp;
  beforeAll(async () => {
    smtp = await startTestSmtp();
  });
  afterAll(() => smtp.stop());

  it('delivers over SMTP and logs only the recipient', async () => {
    const log = capture();
    const mailer = createMailer({ smtpUrl: smtp.url, from: 'Tollgate <no-reply@tollgate.test>', logger: log.logger });
    const link = 'http://127.0.0.1:8787/verify-email?token=' + 'a'.repeat(80);
    await mailer.send({ to: 'ada@example.com', subject: 'Verify your email\r\nBcc: evil@example.com', text: `Open this link:\n${link}\n`, link });
    await mailer.close();
    const mail = await smtp.next('ada@example.com');
    expect(mail.from).toBe('no-reply@tollgate.test');
    expect(mail.to).toEqual(['ada@example.com']);
    // A line break in a subject never becomes a header of its own.
    expect(mail.subject).toBe('Verify your email Bcc: evil@example.com');
    expect(mail.raw).not.toMatch(/^Bcc:/m);
    expect(mail.text).toContain(link);
    expect(log.lines().map((l) => l.msg)).toEqual(['mail sent to ada@example.com']);
    expect(JSON.stringify(log.lines())).not.toContain('token=');
  });

  it('carries attachments', async () => {
    const mailer = createMailer({ smtpUrl: smtp.url, from: 'billing@tollgate.test', logger: pino({ level: 'silent' }) });
    await mailer.send({ to: 'grace@example.com', subject: 'Your receipt', text: 'Attached.', attachments: [{ filename: 'receipt.pdf', content: Buffer.from('%PDF-1.4 test'), contentType: 'application/pdf' }] });
    await mailer.close();
    const mail = await smtp.next('grace@example.com');
    expect(mail.text).toBe('Attached.');
    expect(mail.raw).toContain('filename=receipt.pdf');
  });

  it('without SMTP writes each mail as one log line with its link', async () => {
    const log = capture();
    const mailer = createMailer({ smtpUrl: undefined, from: 'x@y.z', logger: log.logger });
    expect(mailer.mode).toBe('log');
    await mailer.send({ to: 'ada@example.com', subject: 'Reset your password', text: 'body', link: 'http://127.0.0.1:8787/reset-password?token=abc' });
    const lines = log.lines();
    expect(lines).toHaveLength(1);
    expect(lines[0]!.msg).toBe('mail to ada@example.com (no SMTP configured): Reset your password http://127.0.0.1:8787/reset-password?token=abc');
    expect(lines[0]!.mail).toEqual({ to: 'ada@example.com', subject: 'Reset your password', link: 'http://127.0.0.1:8787/reset-password?token=abc' });
  });

  it('rejects when the SMTP server cannot be reached', async () => {
    const mailer = createMailer({ smtpUrl: 'smtp://127.0.0.1:1', from: 'x@y.z', logger: pino({ level: 'silent' }) });
    await expect(mailer.send({ to: 'a@b.c', subject: 's', text: 't' })).rejects.toThrow();
    await mailer.close();
  });
});
