import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, manualClock } from '../helpers/admin.js';
import { browser, tokenOf, type Browser } from '../helpers/browser.js';
import { runCli } from '../helpers/child.js';
import { linkIn, startTestSmtp, type TestSmtp } from '../helpers/smtp.js';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';

const PASSWORD = 'plum-ladder-orbit-42';
const STEP_MS = 30_000;

describe('second factor: TOTP and recovery codes', () => {
  let tg: TestTollgate;
  let smtp: TestSmtp;
  // Starts on a step boundary, so "the next step" is exactly 30 s away.
  const clock = manualClock(Math.floor(Date.now() / STEP_MS) * STEP_MS + 1000);
  let secret = '';
  let recovery: string[] = [];
  const codeAt = (ms: number) => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: ms });

  async function signedIn(email: string, ip?: string): Promise<Browser> {
    const b = browser(tg.url, ip ? { ip } : {});
    const answer = await b.signIn(email, PASSWORD);
    expect(answer.status).toBe(200);
    return b;
  }

  beforeAll(async () => {
    smtp = await startTestSmtp();
    tg = await startTestTollgate({ smtp_url: smtp.url, server: { port: 0, trust_proxy: ['127.0.0.1'] }, totp: { issuer: 'Acme AI' } }, { clock });
    for (const email of ['ada@example.com', 'grace@example.com']) {
      expect((await browser(tg.url).call('POST', '/v1/auth/signup', { email, password: PASSWORD })).status).toBe(202);
    }
  });
  afterAll(async () => {
    await tg.stop();
    await smtp.stop();
  });

  it('enrols an authenticator app: the secret is shown once, off until a first code confirms it, then ten recovery codes', async () => {
    const b = await signedIn('ada@example.com');
    expect((await b.call('GET', '/v1/me/totp')).body).toEqual({ object: 'totp', enabled: false, enabled_at: null, enrollment_pending: false, recovery_codes_left: 0 });

    const started = await b.call('POST', '/v1/me/totp');
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ object: 'totp.enrollment', issuer: 'Acme AI', account_name: 'ada@example.com', algorithm: 'SHA1', digits: 6, period: 30 });
    secret = started.body.secret;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(started.body.otpauth_url);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Acme AI:ada@example.com');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('Acme AI');

    // Not active yet: password sign-in still gives a session.
    expect((await b.call('GET', '/v1/me/totp')).body).toMatchObject({ enabled: false, enrollment_pending: true });
    expect((await browser(tg.url).signIn('ada@example.com', PASSWORD)).body.object).toBe('session');

    // The secret is sealed with the server secret in the store.
    const row = await tg.services.store.db.selectFrom('totp_factors').selectAll().executeTakeFirstOrThrow();
    expect(row.secret_sealed).not.toContain(secret);
    expect(tg.services.secret.decrypt(row.secret_sealed)).toBe(secret);

    const wrong = await b.call('POST', '/v1/me/totp/confirm', { code: String((Number(codeAt(clock.now())) + 1) % 1_000_000).padStart(6, '0') });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toEqual({ message: 'This code is not correct, or it was already used. A new code shows every 30 seconds.', type: 'invalid_request_error', param: 'code', code: 'invalid_code' });

    smtp.mails.length = 0;
    const confirmed = await b.call('POST', '/v1/me/totp/confirm', { code: codeAt(clock.now()) });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ object: 'totp', enabled: true, enabled_at: Math.floor(clock.now() / 1000), enrollment_pending: false, recovery_codes_left: 10 });
    recovery = confirmed.body.recovery_codes;
    expect(recovery).toHaveLength(10);
    expect(new Set(recovery).size).toBe(10);
    for (const code of recovery) expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/);
    const mail = await smtp.next('ada@example.com', /Two-step sign-in is on/);
    expect(mail.text).not.toContain(secret);

    // Codes are stored as keyed hashes only; the audit log holds neither secret nor codes.
    const stored = await tg.services.store.db.selectFrom('recovery_codes').select(['user_id', 'code_hash']).execute();
    expect(stored).toHaveLength(10);
    const storedText = JSON.stringify(stored);
    for (const code of recovery) expect(storedText).not.toContain(code.replace('-', ''));
    const audit = await tg.services.store.db.selectFrom('audit_logs').selectAll().where('type', '=', 'second_factor.enabled').execute();
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.details)).toEqual({ factor: 'totp', recovery_codes: 10 });
    const everything = JSON.stringify(await tg.services.store.db.selectFrom('audit_logs').select(['type', 'details']).execute());
    expect(everything).not.toContain(secret);
    for (const code of recovery) expect(everything).not.toContain(code);

    expect((await b.call('POST', '/v1/me/totp')).body.error).toMatchObject({ code: 'conflict' });
  });

  it('stops password sign-in at a pending token, finished by a current code, never twice by the same one', async () => {
    const b = browser(tg.url);
    const first = await b.signIn('ada@example.com', PASSWORD);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ object: 'sign_in.second_factor_required', second_factor_required: true, factors: ['totp'] });
    expect(first.setCookies.some((c) => c.startsWith('tollgate_session='))).toBe(false);
    const pending = first.body.pending_token;

    // The confirming code's step was used: the same code is a replay.
    const replay = await b.call('POST', '/v1/auth/signin/totp', { pending_token: pending, code: codeAt(clock.now()) });
    expect(replay.status).toBe(400);
    expect(replay.body.error.code).toBe('invalid_code');
    expect((await b.call('GET', '/v1/me')).status).toBe(401);

    clock.advance(STEP_MS);
    const code = codeAt(clock.now());
    const done = await b.call('POST', '/v1/auth/signin/totp', { pending_token: pending, code: `${code.slice(0, 3)} ${code.slice(3)}` });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ object: 'session', method: 'second_factor', user: { email: 'ada@example.com' } });
    expect((await b.call('GET', '/v1/me')).status).toBe(200);

    // The pending token is used up, and the code cannot start another session.
    expect((await browser(tg.url).call('POST', '/v1/auth/signin/totp', { pending_token: pending, code })).body.error.code).toBe('invalid_token');
    const again = browser(tg.url);
    const token = (await again.signIn('ada@example.com', PASSWORD)).body.pending_token;
    expect((await again.call('POST', '/v1/auth/signin/totp', { pending_token: token, code })).body.error.code).toBe('invalid_code');
    // Nor can the previous step's code, still inside the drift window, once a later one was used.
    expect((await again.call('POST', '/v1/auth/signin/totp', { pending_token: token, code: codeAt(clock.now() - STEP_MS) })).body.error.code).toBe('invalid_code');
    // A code within one step of drift is accepted.
    expect((await again.call('POST', '/v1/auth/signin/totp', { pending_token: token, code: codeAt(clock.now() + STEP_MS) })).status).toBe(200);

    const neither = await browser(tg.url).call('POST', '/v1/auth/signin/totp', { pending_token: token });
    expect(neither.body.error).toMatchObject({ code: 'missing_required_parameter', param: 'code' });
    const forged = await browser(tg.url).call('POST', '/v1/auth/signin/totp', { pending_token: 'x'.repeat(43), code: '123456' });
    expect(forged.body.error).toMatchObject({ code: 'invalid_token', param: 'pending_token' });
  });

  it('signs in with a recovery code exactly once', async () => {
    const b = browser(tg.url);
    const pending = (await b.signIn('ada@example.com', PASSWORD)).body.pending_token;
    const used = await b.call('POST', '/v1/auth/signin/totp', { pending_token: pending, recovery_code: recovery[0]!.toUpperCase() });
    expect(used.status).toBe(200);
    expect(used.body).toMatchObject({ object: 'session', recovery_codes_left: 9 });
    expect((await b.call('GET', '/v1/me/totp')).body.recovery_codes_left).toBe(9);

    const c = browser(tg.url);
    const next = (await c.signIn('ada@example.com', PASSWORD)).body.pending_token;
    const reused = await c.call('POST', '/v1/auth/signin/totp', { pending_token: next, recovery_code: recovery[0] });
    expect(reused.status).toBe(400);
    expect(reused.body.error).toMatchObject({ code: 'invalid_code', param: 'recovery_code' });
    const audit = await tg.services.store.db.selectFrom('audit_logs').select(['details']).where('type', '=', 'second_factor.recovery_code_used').execute();
    expect(audit.map((a) => JSON.parse(a.details))).toEqual([{ recovery_codes_left: 9 }]);
  });

  it('throttles wrong codes per account and address, without locking the owner out of their own browser', async () => {
    // The owner's browser signed in before: it holds the account's device cookie.
    const owner = browser(tg.url, { ip: '203.0.113.7' });
    const ownerPending = (await owner.signIn('ada@example.com', PASSWORD)).body.pending_token;
    clock.advance(2 * STEP_MS); // past the step of the drifted code used last
    expect((await owner.call('POST', '/v1/auth/signin/totp', { pending_token: ownerPending, code: codeAt(clock.now()) })).status).toBe(200);

    const guesser = browser(tg.url, { ip: '198.51.100.9' });
    const pending = (await guesser.signIn('ada@example.com', PASSWORD)).body.pending_token;
    for (let i = 0; i < 5; i++) {
      const wrong = await guesser.call('POST', '/v1/auth/signin/totp', { pending_token: pending, code: String(100000 + i) });
      expect(wrong.body.error.code).toBe('invalid_code');
    }
    clock.advance(STEP_MS);
    const blocked = await guesser.call('POST', '/v1/auth/signin/totp', { pending_token: pending, code: codeAt(clock.now()) });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error).toMatchObject({ code: 'rate_limit_exceeded', message: 'Too many wrong codes. Please wait before trying again.' });
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);

    // Wrong codes from many addresses reach the account's limit: browsers that never signed in wait, the owner's does not.
    for (let i = 0; i < 5; i++) {
      const spread = browser(tg.url, { ip: `192.0.2.${i + 1}` });
      const token = (await spread.signIn('ada@example.com', PASSWORD)).body.pending_token;
      await spread.call('POST', '/v1/auth/signin/totp', { pending_token: token, code: '000000' });
    }
    const stranger = browser(tg.url, { ip: '192.0.2.200' });
    const strangerToken = (await stranger.signIn('ada@example.com', PASSWORD)).body.pending_token;
    expect((await stranger.call('POST', '/v1/auth/signin/totp', { pending_token: strangerToken, code: codeAt(clock.now()) })).status).toBe(429);
    const ownerAgain = (await owner.signIn('ada@example.com', PASSWORD)).body.pending_token;
    expect((await owner.call('POST', '/v1/auth/signin/totp', { pending_token: ownerAgain, code: codeAt(clock.now()) })).status).toBe(200);
    clock.advance(15 * 60_000);
  });

  it('asks for the second factor after a password reset too', async () => {
    smtp.mails.length = 0;
    await browser(tg.url).call('POST', '/v1/auth/password/forgot', { email: 'ada@example.com' });
    const token = tokenOf(linkIn(await smtp.next('ada@example.com', /Reset your Tollgate password/)));
    const b = browser(tg.url);
    const reset = await b.call('POST', '/v1/auth/password/reset', { token, password: PASSWORD });
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({ object: 'sign_in.second_factor_required', factors: ['totp'] });
    expect((await b.call('GET', '/v1/me')).status).toBe(401);
    clock.advance(STEP_MS);
    expect((await b.call('POST', '/v1/auth/signin/totp', { pending_token: reset.body.pending_token, code: codeAt(clock.now()) })).status).toBe(200);
  });

  it('replaces the recovery codes and turns the factor off only with a recent sign-in and a proof', async () => {
    const stale = browser(tg.url);
    const pending = (await stale.signIn('ada@example.com', PASSWORD)).body.pending_token;
    clock.advance(STEP_MS);
    await stale.call('POST', '/v1/auth/signin/totp', { pending_token: pending, code: codeAt(clock.now()) });
    clock.advance(16 * 60_000);
    const tooOld = await stale.call('POST', '/v1/me/totp/disable', { code: codeAt(clock.now()) });
    expect(tooOld.status).toBe(403);
    expect(tooOld.body.error.code).toBe('reauthentication_required');

    const fresh = browser(tg.url);
    const token = (await fresh.signIn('ada@example.com', PASSWORD)).body.pending_token;
    await fresh.call('POST', '/v1/auth/signin/totp', { pending_token: token, recovery_code: recovery[1] });
    const noProof = await fresh.call('POST', '/v1/me/totp/disable', {});
    expect(noProof.body.error.code).toBe('missing_required_parameter');

    const renewed = await fresh.call('POST', '/v1/me/totp/recovery_codes', { recovery_code: recovery[2] });
    expect(renewed.status).toBe(200);
    expect(renewed.body.recovery_codes).toHaveLength(10);
    expect(renewed.body.recovery_codes_left).toBe(10);
    const old = await fresh.call('POST', '/v1/me/totp/disable', { recovery_code: recovery[3] });
    expect(old.body.error).toMatchObject({ code: 'invalid_code', param: 'recovery_code' });
    recovery = renewed.body.recovery_codes;

    smtp.mails.length = 0;
    clock.advance(STEP_MS);
    const off = await fresh.call('POST', '/v1/me/totp/disable', { code: codeAt(clock.now()) });
    expect(off.status).toBe(200);
    expect(off.body).toEqual({ object: 'totp', enabled: false, enabled_at: null, enrollment_pending: false, recovery_codes_left: 0 });
    await smtp.next('ada@example.com', /Two-step sign-in is off/);
    expect((await browser(tg.url).signIn('ada@example.com', PASSWORD)).body.object).toBe('session');
    expect(await tg.services.store.db.selectFrom('recovery_codes').selectAll().execute()).toEqual([]);
    const disabled = await tg.services.store.db.selectFrom('audit_logs').select(['details', 'actor_id']).where('type', '=', 'second_factor.disabled').execute();
    expect(disabled).toHaveLength(1);
    expect(JSON.parse(disabled[0]!.details)).toEqual({ factor: 'totp', proven_with: 'code' });
  });

  it("lets the operator turn off the factor of a person who lost it, over the API or with the CLI", { timeout: 180_000 }, async () => {
    const enrol = async () => {
      const g = await signedIn('grace@example.com');
      const graceSecret = (await g.call('POST', '/v1/me/totp')).body.secret as string;
      clock.advance(STEP_MS);
      expect((await g.call('POST', '/v1/me/totp/confirm', { code: TOTP.generate({ secret: Secret.fromBase32(graceSecret), timestamp: clock.now() }) })).status).toBe(200);
      expect((await browser(tg.url).signIn('grace@example.com', PASSWORD)).body.object).toBe('sign_in.second_factor_required');
    };
    await enrol();
    const grace = (await browser(tg.url).call('POST', '/v1/auth/signin', { email: 'grace@example.com', password: PASSWORD })).body;
    const userId = (await tg.services.store.db.selectFrom('users').select('id').where('email', '=', 'grace@example.com').executeTakeFirstOrThrow()).id;
    expect(grace.pending_token).toBeTruthy();

    // A person's own session is not the operator's.
    const notOperator = await signedIn('ada@example.com');
    expect((await notOperator.call('POST', `/v1/operator/users/${userId}/second_factor/remove`)).status).toBe(403);

    smtp.mails.length = 0;
    const removed = await client(tg.url, tg.adminKey)('POST', `/v1/operator/users/${userId}/second_factor/remove`);
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ object: 'user', id: userId, email: 'grace@example.com', second_factor_removed: true });
    await smtp.next('grace@example.com', /Two-step sign-in was turned off/);
    expect((await browser(tg.url).signIn('grace@example.com', PASSWORD)).body.object).toBe('session');
    const audit = await tg.services.store.db.selectFrom('audit_logs').select(['details', 'actor_type']).where('type', '=', 'second_factor.disabled').where('resource_id', '=', userId).execute();
    expect(audit.map((a) => ({ actor: a.actor_type, ...JSON.parse(a.details) }))).toEqual([{ actor: 'api_key', factor: 'totp', by_operator: true }]);
    const again = await client(tg.url, tg.adminKey)('POST', `/v1/operator/users/${userId}/second_factor/remove`);
    expect(again.body.second_factor_removed).toBe(false);

    await enrol();
    const cli = await runCli(['users', 'remove-2fa', 'grace@example.com', '--data-dir', tg.services.config.data_dir], { TOLLGATE_SECRET: 'test-secret-test-secret-test-secret-0123' }, 90_000);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toBe(`Two-step sign-in is off for grace@example.com (${userId}).\n`);
    expect((await browser(tg.url).signIn('grace@example.com', PASSWORD)).body.object).toBe('session');
  });

  it('answers the TOTP routes only in a session, and writes only with the CSRF token', async () => {
    const none = browser(tg.url);
    expect((await none.call('GET', '/v1/me/totp')).body.error.code).toBe('not_signed_in');
    expect((await none.call('POST', '/v1/me/totp')).body.error.code).toBe('not_signed_in');
    const b = browser(tg.url, { csrf: false });
    await b.signIn('grace@example.com', PASSWORD);
    expect((await b.call('POST', '/v1/me/totp')).body.error.code).toBe('csrf_token_invalid');
    const g = await signedIn('grace@example.com');
    expect((await g.call('POST', '/v1/me/totp/confirm', { code: '123456' })).body.error).toMatchObject({ code: 'conflict' });
    expect((await g.call('POST', '/v1/me/totp/disable', { code: '123456' })).status).toBe(404);
    expect((await g.call('POST', '/v1/me/totp/confirm', { code: 123456 })).body.error).toMatchObject({ code: 'invalid_type', param: 'code' });
  });
});
