import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browser, tokenOf } from '../helpers/browser.js';
import { manualClock } from '../helpers/admin.js';
import { linkIn, startTestSmtp, type TestSmtp } from '../helpers/smtp.js';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';

const PASSWORD = 'plum-ladder-orbit-42';

describe('accounts: sign-up, verification, sign-in, sessions, reset', () => {
  let tg: TestTollgate;
  let smtp: TestSmtp;
  const clock = manualClock();

  beforeAll(async () => {
    smtp = await startTestSmtp();
    tg = await startTestTollgate({ smtp_url: smtp.url, smtp_from: 'Tollgate <no-reply@tollgate.test>', server: { port: 0, trust_proxy: ['127.0.0.1'] } }, { clock });
  });
  afterAll(async () => {
    await tg.stop();
    await smtp.stop();
  });

  it('signs up, mails a verification link over SMTP that verifies the address once, and signs in', async () => {
    const b = browser(tg.url);
    const signup = await b.call('POST', '/v1/auth/signup', { email: 'Ada@Example.com', password: PASSWORD, name: 'Ada Lovelace' });
    expect(signup.status).toBe(202);
    expect(signup.body).toMatchObject({ object: 'sign_up', email: 'ada@example.com', status: 'verification_sent' });
    expect(signup.setCookies).toEqual([]);

    const mail = await smtp.next('ada@example.com', /Verify your email/);
    expect(mail.from).toBe('no-reply@tollgate.test');
    const link = linkIn(mail);
    expect(link.startsWith(`${tg.url}/verify-email?token=`)).toBe(true);

    const signin = await b.signIn('ada@example.com', PASSWORD);
    expect(signin.status).toBe(200);
    expect(signin.body).toMatchObject({ object: 'session', method: 'password', current: true, user: { email: 'ada@example.com', name: 'Ada Lovelace', email_verified: false } });
    const session = signin.setCookies.find((c) => c.startsWith('tollgate_session='))!;
    expect(session).toMatch(/; Path=\/; Max-Age=2592000; SameSite=Lax; HttpOnly$/);
    expect(signin.setCookies.find((c) => c.startsWith('tollgate_csrf='))).not.toMatch(/HttpOnly/);
    expect(signin.body.csrf_token).toBe(decodeURIComponent(b.cookies.get('tollgate_csrf')!));

    const verified = await browser(tg.url).call('POST', '/v1/auth/verify_email', { token: tokenOf(link) });
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ object: 'user', email: 'ada@example.com', email_verified: true });
    const again = await browser(tg.url).call('POST', '/v1/auth/verify_email', { token: tokenOf(link) });
    expect(again.status).toBe(400);
    expect(again.body.error).toMatchObject({ code: 'invalid_token', param: 'token', type: 'invalid_request_error' });

    const me = await b.call('GET', '/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ object: 'user', email: 'ada@example.com', email_verified: true, operator: false, csrf_token: signin.body.csrf_token, organizations: [], key_requirements: { verified_email: true, verified_phone: false } });
    expect(JSON.stringify(me.body)).not.toMatch(/argon2|password_hash/);
  });

  it('answers a sign-up for a taken address exactly like a new one, and tells the owner by mail', async () => {
    const first = await browser(tg.url).call('POST', '/v1/auth/signup', { email: 'grace@example.com', password: PASSWORD });
    await smtp.next('grace@example.com', /Verify/);
    const second = await browser(tg.url).call('POST', '/v1/auth/signup', { email: 'GRACE@example.com', password: 'another-long-passphrase-9' });
    expect(second.status).toBe(first.status);
    expect(second.body).toEqual(first.body);
    const notice = await smtp.next('grace@example.com', /Sign-up attempt/);
    expect(notice.text).toContain(`${tg.url}/forgot-password`);
    // The password of the account is still the first one.
    expect((await browser(tg.url).signIn('grace@example.com', PASSWORD)).status).toBe(200);
    expect((await browser(tg.url).signIn('grace@example.com', 'another-long-passphrase-9')).status).toBe(401);
  });

  it('gives unknown addresses and wrong passwords the same answer', async () => {
    const unknown = await browser(tg.url, { ip: '198.51.100.1' }).signIn('nobody@example.com', PASSWORD);
    const wrong = await browser(tg.url, { ip: '198.51.100.2' }).signIn('ada@example.com', 'not-the-password-123');
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect(unknown.body.error).toEqual({ message: 'Incorrect email or password.', type: 'invalid_request_error', param: null, code: 'invalid_credentials' });
    const forgotUnknown = await browser(tg.url).call('POST', '/v1/auth/password/forgot', { email: 'nobody@example.com' });
    const forgotKnown = await browser(tg.url).call('POST', '/v1/auth/password/forgot', { email: 'grace@example.com' });
    expect(forgotUnknown.status).toBe(202);
    expect({ ...forgotUnknown.body, email: 'x' }).toEqual({ ...forgotKnown.body, email: 'x' });
  });

  it('refuses short, common and self-describing passwords with a 400 naming password', async () => {
    const cases = ['short-1', 'Password123456!', 'qwertyuiop123', 'aaaaaaaaaaaaaaaa', 'abcdefghijklmnop', 'margaret-hamilton', 'margarethamilton2026'];
    for (const password of cases) {
      const answer = await browser(tg.url).call('POST', '/v1/auth/signup', { email: 'margaret.hamilton@example.com', password, name: 'Margaret Hamilton' });
      expect(answer.status, password).toBe(400);
      expect(answer.body.error, password).toMatchObject({ code: 'weak_password', param: 'password' });
    }
    const bad = await browser(tg.url).call('POST', '/v1/auth/signup', { email: 'not an address', password: PASSWORD });
    expect(bad.body.error).toMatchObject({ code: 'invalid_value', param: 'email' });
    const unknownField = await browser(tg.url).call('POST', '/v1/auth/signup', { email: 'x@example.com', password: PASSWORD, admin: true });
    expect(unknownField.body.error).toMatchObject({ code: 'unknown_parameter', param: 'admin' });
  });

  it('refuses session writes without the CSRF token or from another site', async () => {
    const b = browser(tg.url, { csrf: false });
    await b.signIn('ada@example.com', PASSWORD);
    const noToken = await b.call('POST', '/v1/me', { name: 'Countess' });
    expect(noToken.status).toBe(403);
    expect(noToken.body.error.code).toBe('csrf_token_invalid');
    const csrf = decodeURIComponent(b.cookies.get('tollgate_csrf')!);
    const wrongToken = await b.call('POST', '/v1/me', { name: 'Countess' }, { 'x-csrf-token': csrf.slice(0, -1) + (csrf.endsWith('a') ? 'b' : 'a') });
    expect(wrongToken.status).toBe(403);
    const crossSite = await b.call('POST', '/v1/me', { name: 'Countess' }, { 'x-csrf-token': csrf, origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
    const crossSiteSignIn = await browser(tg.url).call('POST', '/v1/auth/signin', { email: 'ada@example.com', password: PASSWORD }, { origin: 'https://evil.example' });
    expect(crossSiteSignIn.status).toBe(403);
    const ok = await b.call('POST', '/v1/me', { name: 'Countess' }, { 'x-csrf-token': csrf, origin: tg.url });
    expect(ok.status).toBe(200);
    expect(ok.body.name).toBe('Countess');
    expect((await b.call('GET', '/v1/me')).status).toBe(200);
    expect((await browser(tg.url).call('GET', '/v1/me')).body.error.code).toBe('not_signed_in');
  });

  it('marks cookies Secure behind a TLS proxy', async () => {
    const answer = await browser(tg.url).call('POST', '/v1/auth/signin', { email: 'ada@example.com', password: PASSWORD }, { 'x-forwarded-proto': 'https' });
    expect(answer.status).toBe(200);
    for (const cookie of answer.setCookies) expect(cookie).toMatch(/; Secure$/);
  });

  it('lists and revokes sessions, and signs out everywhere', async () => {
    const one = browser(tg.url);
    const two = browser(tg.url);
    await one.signIn('grace@example.com', PASSWORD);
    const twoId = (await two.signIn('grace@example.com', PASSWORD)).body.id;
    const listed = await one.call('GET', '/v1/me/sessions');
    expect(listed.body.object).toBe('list');
    const mine = listed.body.data.filter((s: any) => s.current);
    expect(mine).toHaveLength(1);
    const other = listed.body.data.find((s: any) => s.id === twoId);
    expect(other.current).toBe(false);
    expect(other).toMatchObject({ object: 'session', method: 'password', ip_address: '127.0.0.1' });
    expect((await one.call('DELETE', `/v1/me/sessions/${other.id}`)).body).toEqual({ object: 'session.deleted', id: other.id, deleted: true });
    expect((await two.call('GET', '/v1/me')).status).toBe(401);
    const three = browser(tg.url);
    await three.signIn('grace@example.com', PASSWORD);
    expect((await one.call('DELETE', '/v1/me/sessions')).status).toBe(200);
    expect((await one.call('GET', '/v1/me')).status).toBe(401);
    expect((await three.call('GET', '/v1/me')).status).toBe(401);
    const four = browser(tg.url);
    await four.signIn('grace@example.com', PASSWORD);
    expect((await four.call('POST', '/v1/auth/signout')).body).toMatchObject({ object: 'session.deleted', deleted: true });
    expect(four.cookies.has('tollgate_session')).toBe(false);
  });

  it('resets a password by mailed link, ending every other session', async () => {
    const elsewhere = browser(tg.url);
    await elsewhere.signIn('grace@example.com', PASSWORD);
    expect((await elsewhere.call('GET', '/v1/me')).status).toBe(200);
    smtp.mails.length = 0;
    await browser(tg.url).call('POST', '/v1/auth/password/forgot', { email: 'grace@example.com' });
    const mail = await smtp.next('grace@example.com', /Reset your Tollgate password/);
    const token = tokenOf(linkIn(mail));
    const weak = await browser(tg.url).call('POST', '/v1/auth/password/reset', { token, password: 'password' });
    expect(weak.body.error.code).toBe('weak_password');
    const here = browser(tg.url);
    const reset = await here.call('POST', '/v1/auth/password/reset', { token, password: 'new-granite-harbor-77' });
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({ object: 'session', method: 'password_reset', user: { email: 'grace@example.com', email_verified: true } });
    expect((await elsewhere.call('GET', '/v1/me')).status).toBe(401);
    expect((await here.call('GET', '/v1/me')).status).toBe(200);
    expect((await browser(tg.url).signIn('grace@example.com', PASSWORD)).status).toBe(401);
    expect((await browser(tg.url).signIn('grace@example.com', 'new-granite-harbor-77')).status).toBe(200);
    const reused = await browser(tg.url).call('POST', '/v1/auth/password/reset', { token, password: 'yet-another-passphrase-1' });
    expect(reused.body.error.code).toBe('invalid_token');
  });

  it('changes a password with the current one, ending the other sessions', async () => {
    const here = browser(tg.url);
    const there = browser(tg.url);
    await here.signIn('ada@example.com', PASSWORD);
    await there.signIn('ada@example.com', PASSWORD);
    const wrong = await here.call('POST', '/v1/me/password', { current_password: 'nope-nope-nope-1', password: 'violet-canyon-drum-5' });
    expect(wrong.status).toBe(401);
    const changed = await here.call('POST', '/v1/me/password', { current_password: PASSWORD, password: 'violet-canyon-drum-5' });
    expect(changed.body).toMatchObject({ object: 'password_change', status: 'changed' });
    expect(changed.body.other_sessions_ended).toBeGreaterThanOrEqual(1);
    expect((await here.call('GET', '/v1/me')).status).toBe(200);
    expect((await there.call('GET', '/v1/me')).status).toBe(401);
    await here.call('POST', '/v1/me/password', { current_password: 'violet-canyon-drum-5', password: PASSWORD });
  });

  it('ends sessions after the idle timeout and after the absolute timeout', async () => {
    const idle = browser(tg.url);
    await idle.signIn('ada@example.com', PASSWORD);
    clock.advance(6 * 24 * 3600_000);
    expect((await idle.call('GET', '/v1/me')).status).toBe(200); // used: the idle clock restarts
    clock.advance(6 * 24 * 3600_000);
    expect((await idle.call('GET', '/v1/me')).status).toBe(200);
    clock.advance(7 * 24 * 3600_000 + 1000);
    expect((await idle.call('GET', '/v1/me')).status).toBe(401);

    const busy = browser(tg.url);
    await busy.signIn('ada@example.com', PASSWORD);
    for (let day = 0; day < 25; day += 5) {
      clock.advance(5 * 24 * 3600_000);
      expect((await busy.call('GET', '/v1/me')).status).toBe(200);
    }
    clock.advance(5 * 24 * 3600_000 + 1000); // 30 days after sign-in, used every 5

    expect((await busy.call('GET', '/v1/me')).status).toBe(401);
  });

  it('lets a verification link expire after 24 hours', async () => {
    smtp.mails.length = 0;
    await browser(tg.url).call('POST', '/v1/auth/signup', { email: 'late@example.com', password: PASSWORD });
    const token = tokenOf(linkIn(await smtp.next('late@example.com', /Verify/)));
    clock.advance(24 * 3600_000 + 1);
    expect((await browser(tg.url).call('POST', '/v1/auth/verify_email', { token })).body.error.code).toBe('invalid_token');
    const b = browser(tg.url);
    await b.signIn('late@example.com', PASSWORD);
    smtp.mails.length = 0;
    expect((await b.call('POST', '/v1/me/verify_email')).status).toBe(202);
    const fresh = tokenOf(linkIn(await smtp.next('late@example.com', /Verify/)));
    expect(fresh).not.toBe(token);
    expect((await browser(tg.url).call('POST', '/v1/auth/verify_email', { token: fresh })).body.email_verified).toBe(true);
  });
});
