import { expect } from 'vitest';
import { browser, tokenOf, type Browser } from './browser.js';
import { linkIn, type TestSmtp } from './smtp.js';
import type { TestTollgate } from './tollgate.js';

export const PASSWORD = 'cobalt-river-sonnet-31';

/** The operator, made with the first start's setup link; returns their signed-in browser. */
export async function setupOperator(tg: TestTollgate, email = 'operator@example.com'): Promise<Browser> {
  const b = browser(tg.url);
  const answer = await b.call('POST', '/v1/auth/setup', { token: tg.bootstrapped!.setupToken, email, password: PASSWORD, name: 'Operator' });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  await tg.services.store.db.updateTable('users').set({ email_verified_at: Date.now() }).where('email', '=', email).execute();
  return b;
}

/** Invites `email` into the organization the inviter acts in, and accepts it as a new account; returns the invitee's browser. */
export async function inviteAndJoin(tg: TestTollgate, smtp: TestSmtp, inviter: Browser, organizationId: string, email: string, role: 'owner' | 'reader', projects?: { id: string; role: 'owner' | 'member' }[]): Promise<{ browser: Browser; userId: string }> {
  const sent = await inviter.call('POST', '/v1/organization/invites', { email, role, ...(projects ? { projects } : {}) }, { 'openai-organization': organizationId });
  expect(sent.status, JSON.stringify(sent.body)).toBe(200);
  const token = tokenOf(linkIn(await smtp.next(email, /invited/)));
  const b = browser(tg.url);
  const accepted = await b.call('POST', '/v1/auth/invites/accept', { token, password: PASSWORD, name: email.split('@')[0] });
  expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
  return { browser: b, userId: accepted.body.user.id };
}

/** A person who signs up, verifies their address and signs in. */
export async function signUpVerified(tg: TestTollgate, smtp: TestSmtp, email: string): Promise<Browser> {
  const b = browser(tg.url);
  expect((await b.call('POST', '/v1/auth/signup', { email, password: PASSWORD })).status).toBe(202);
  const token = tokenOf(linkIn(await smtp.next(email, /Verify/)));
  expect((await b.call('POST', '/v1/auth/verify_email', { token })).status).toBe(200);
  expect((await b.signIn(email, PASSWORD)).status).toBe(200);
  return b;
}
