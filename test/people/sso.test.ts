import { generateKeyPairSync } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browser, keepCookies, tokenOf } from '../helpers/browser.js';
import { ssoBrowser, startTestIdp, type SsoBrowser, type Step, type TestIdp } from '../helpers/oidc.js';
import { linkIn, startTestSmtp, type TestSmtp } from '../helpers/smtp.js';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';

const PASSWORD = 'plum-ladder-orbit-42';
const APPLE = { clientId: 'com.example.tollgate', teamId: 'TEAM123456', keyId: 'KEY1234567' };

describe('sign-in with SSO over OpenID Connect, against a real provider', () => {
  let idp: TestIdp;
  let appleIdp: TestIdp;
  let smtp: TestSmtp;
  let tg: TestTollgate;
  let closed: TestTollgate;
  const appleKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  const acme = (issuer: string) => ({ kind: 'oidc', issuer, client_id: 'tollgate', client_secret: 'acme-client-secret', display_name: 'Acme SSO' });

  beforeAll(async () => {
    idp = await startTestIdp();
    appleIdp = await startTestIdp({ claimsInIdToken: true });
    smtp = await startTestSmtp();
    tg = await startTestTollgate({
      smtp_url: smtp.url,
      server: { port: 0, trust_proxy: ['127.0.0.1'] },
      sso: {
        providers: {
          acme: acme(idp.issuer),
          apple: { kind: 'apple', issuer: appleIdp.issuer, client_id: APPLE.clientId, team_id: APPLE.teamId, key_id: APPLE.keyId, private_key: appleKey.privateKey.export({ format: 'pem', type: 'pkcs8' }) },
          offline: { kind: 'oidc', issuer: 'http://127.0.0.1:1', client_id: 'tollgate' },
        },
      },
    });
    closed = await startTestTollgate({ signup: 'closed', sso: { providers: { acme: acme(idp.issuer) } } });
    idp.configure([{ client_id: 'tollgate', client_secret: 'acme-client-secret', redirect_uris: [`${tg.url}/v1/auth/sso/acme/callback`, `${closed.url}/v1/auth/sso/acme/callback`] }]);
    appleIdp.configure([
      {
        client_id: APPLE.clientId,
        client_secret: 'apple-side-secret',
        redirect_uris: [`${tg.url}/v1/auth/sso/apple/callback`],
        apple: { teamId: APPLE.teamId, keyId: APPLE.keyId, publicKey: appleKey.publicKey, user: JSON.stringify({ name: { firstName: 'Grace', lastName: 'Hopper' }, email: 'grace@privaterelay.example' }) },
      },
    ]);
    idp.accounts.set('ada', { sub: 'acme-0001', email: 'Ada@Example.com', email_verified: true, name: 'Ada Lovelace' });
    idp.accounts.set('linus', { sub: 'acme-0002', email: 'linus@example.com', email_verified: true, name: 'Linus' });
    idp.accounts.set('margaret', { sub: 'acme-0003', email: 'margaret@example.com', email_verified: true });
    idp.accounts.set('mallory', { sub: 'acme-0666', email: 'margaret@example.com', email_verified: false, name: 'Mallory' });
    idp.accounts.set('anon', { sub: 'acme-0007' });
    appleIdp.accounts.set('grace', { sub: '001234.apple.grace', email: 'grace@privaterelay.example', email_verified: 'true' });
  });
  afterAll(async () => {
    await tg?.stop();
    await closed?.stop();
    await idp?.stop();
    await appleIdp?.stop();
    await smtp?.stop();
  });

  /** Starts at Tollgate and follows the provider back to Tollgate's landing page (not fetched). */
  const landing = (base: string) => (next: URL) => next.origin === new URL(base).origin && !next.pathname.startsWith('/v1/auth/sso');
  const toCallback = (next: URL) => next.pathname.endsWith('/callback');
  const start = (base: string, provider: string, hint: string, extra = '') => `${base}/v1/auth/sso/${provider}?login_hint=${hint}${extra}`;

  async function api(b: SsoBrowser, base: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const csrf = b.cookies(new URL(base).origin).get('tollgate_csrf');
    const answer = await b.request({
      url: `${base}${path}`,
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(csrf && method !== 'GET' ? { 'x-csrf-token': decodeURIComponent(csrf) } : {}) },
      ...(body !== undefined ? { form: undefined } : {}),
    });
    return { status: answer.status, body: JSON.parse(answer.text || 'null') };
  }
  async function post(b: SsoBrowser, base: string, path: string, body: unknown) {
    const cookies = b.cookies(new URL(base).origin);
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'x-csrf-token': decodeURIComponent(cookies.get('tollgate_csrf') ?? '') },
      body: JSON.stringify(body),
    });
    keepCookies(cookies, response.headers.getSetCookie());
    return { status: response.status, body: await response.json() as any };
  }
  const audits = async (type: string) =>
    (await tg.services.store.db.selectFrom('audit_logs').select(['details', 'resource_id']).where('type', '=', type).execute()).map((r) => ({ user: r.resource_id, ...JSON.parse(r.details) }));

  it('lists the configured providers for the sign-in page', async () => {
    const answer = await browser(tg.url).call('GET', '/v1/auth/sso');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      object: 'list',
      data: [
        { object: 'sso_provider', id: 'acme', kind: 'oidc', name: 'Acme SSO', start_url: '/v1/auth/sso/acme' },
        { object: 'sso_provider', id: 'apple', kind: 'apple', name: 'Apple', start_url: '/v1/auth/sso/apple' },
        { object: 'sso_provider', id: 'offline', kind: 'oidc', name: 'offline', start_url: '/v1/auth/sso/offline' },
      ],
      first_id: 'acme',
      last_id: 'offline',
      has_more: false,
    });
  });

  it('documents its routes in /openapi.json: redirects as 303s, the form post as a form body', async () => {
    const doc = (await browser(tg.url).call('GET', '/openapi.json')).body;
    const start = doc.paths['/v1/auth/sso/{provider}'].get;
    expect(start.security).toEqual([]);
    expect(Object.keys(start.responses)).toEqual(['303', '400', '404']);
    expect(start.parameters.map((p: any) => p.name)).toEqual(['provider', 'return_to', 'login_hint']);
    const posted = doc.paths['/v1/auth/sso/{provider}/callback'].post;
    expect(Object.keys(posted.requestBody.content)).toEqual(['application/x-www-form-urlencoded']);
    expect(Object.keys(posted.requestBody.content['application/x-www-form-urlencoded'].schema.properties)).toEqual(['code', 'state', 'iss', 'error', 'error_description', 'user']);
    expect(doc.paths['/v1/auth/sso/{provider}/callback'].get.responses['303'].headers.Location).toBeDefined();
    expect(doc.paths['/v1/auth/sso'].get.responses).toHaveProperty('200');
    expect(doc.paths['/v1/me/sso_identities/{identity_id}'].delete.security).toEqual([{ SessionCookie: [] }]);
    const totp = doc.paths['/v1/auth/signin/totp'].post;
    expect(Object.keys(totp.requestBody.content['application/json'].schema.properties)).toEqual(['pending_token', 'code', 'recovery_code']);
    expect(Object.keys(totp.responses)).toEqual(['200', '400', '403', '429']);
    for (const path of ['/v1/me/totp', '/v1/me/totp/confirm', '/v1/me/totp/recovery_codes', '/v1/me/totp/disable']) expect(doc.paths[path], path).toBeDefined();
  });

  it('signs a new person up and in with their verified email: code flow with PKCE, state and nonce', async () => {
    const b = ssoBrowser();
    const first = await b.request({ url: start(tg.url, 'acme', 'ada', '&return_to=%2Fprojects%3Ftab%3Dkeys') });
    expect(first.status).toBe(303);
    const authorize = new URL(first.location!);
    expect(authorize.origin).toBe(idp.issuer);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      client_id: 'tollgate',
      response_type: 'code',
      redirect_uri: `${tg.url}/v1/auth/sso/acme/callback`,
      scope: 'openid email profile',
      code_challenge_method: 'S256',
      login_hint: 'ada',
    });
    expect(authorize.searchParams.get('state')).toMatch(/^[\w-]{43}$/);
    expect(authorize.searchParams.get('nonce')).toMatch(/^[\w-]{43}$/);
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    const cookie = first.setCookies.find((c) => c.startsWith('tollgate_sso='))!;
    expect(cookie).toMatch(/; Path=\/v1\/auth\/sso; Max-Age=600; SameSite=Lax; HttpOnly$/);
    // Sealed: neither the state nor the PKCE verifier can be read from it.
    expect(decodeURIComponent(cookie)).not.toContain(authorize.searchParams.get('state'));

    const end = await b.follow(first.location!, landing(tg.url));
    expect(end.url).toBe(`${tg.url}/projects?tab=keys`);
    expect(b.cookies(tg.url).has('tollgate_sso')).toBe(false);
    expect(b.cookies(tg.url).has('tollgate_session')).toBe(true);

    const me = await api(b, tg.url, 'GET', '/v1/me');
    expect(me.body).toMatchObject({ object: 'user', email: 'ada@example.com', name: 'Ada Lovelace', email_verified: true, has_password: false });
    const sessions = await api(b, tg.url, 'GET', '/v1/me/sessions');
    expect(sessions.body.data[0]).toMatchObject({ method: 'sso', current: true });
    const identities = await api(b, tg.url, 'GET', '/v1/me/sso_identities');
    expect(identities.body.data).toEqual([
      { object: 'sso_identity', id: expect.stringMatching(/^sso_/), provider: 'acme', provider_name: 'Acme SSO', email: 'ada@example.com', created_at: expect.any(Number), last_used_at: expect.any(Number) },
    ]);
    expect(await audits('user.signed_up')).toContainEqual({ user: me.body.id, email: 'ada@example.com', method: 'sso', provider: 'acme' });
    expect(await audits('sso.linked')).toContainEqual({ user: me.body.id, provider: 'acme', issuer: idp.issuer, subject: 'acme-0001', email: 'ada@example.com', account_created: true });
    const log = JSON.stringify(await tg.services.store.db.selectFrom('audit_logs').select(['details']).execute());
    expect(log).not.toContain('acme-client-secret');
  });

  it('signs in again to the same account through the linked identity', async () => {
    const b = ssoBrowser();
    expect((await b.follow(start(tg.url, 'acme', 'ada'), landing(tg.url))).url).toBe(`${tg.url}/`);
    expect((await api(b, tg.url, 'GET', '/v1/me')).body.email).toBe('ada@example.com');
    const rows = await tg.services.store.db.selectFrom('sso_identities').selectAll().where('subject', '=', 'acme-0001').execute();
    expect(rows).toHaveLength(1);
    expect(await tg.services.store.db.selectFrom('users').select('id').where('email', '=', 'ada@example.com').execute()).toHaveLength(1);
  });

  it("links an existing account by its verified email; an account that never proved its address loses the password set in it", async () => {
    // margaret@ verified her address by mail: linking keeps her password.
    await browser(tg.url).call('POST', '/v1/auth/signup', { email: 'margaret@example.com', password: PASSWORD });
    const verifyToken = tokenOf(linkIn(await smtp.next('margaret@example.com', /Verify/)));
    await browser(tg.url).call('POST', '/v1/auth/verify_email', { token: verifyToken });
    const m = ssoBrowser();
    await m.follow(start(tg.url, 'acme', 'margaret'), landing(tg.url));
    expect((await api(m, tg.url, 'GET', '/v1/me')).body).toMatchObject({ email: 'margaret@example.com', has_password: true });
    expect((await browser(tg.url).signIn('margaret@example.com', PASSWORD)).status).toBe(200);

    // Someone signed up linus@ with a password but never opened the mailbox: the real owner's SSO sign-in takes the account back.
    await browser(tg.url).call('POST', '/v1/auth/signup', { email: 'linus@example.com', password: PASSWORD });
    const squatter = browser(tg.url);
    expect((await squatter.signIn('linus@example.com', PASSWORD)).status).toBe(200);
    const l = ssoBrowser();
    await l.follow(start(tg.url, 'acme', 'linus'), landing(tg.url));
    expect((await api(l, tg.url, 'GET', '/v1/me')).body).toMatchObject({ email: 'linus@example.com', email_verified: true, has_password: false });
    expect((await squatter.call('GET', '/v1/me')).status).toBe(401);
    expect((await browser(tg.url).signIn('linus@example.com', PASSWORD)).status).toBe(401);
    expect(await audits('sso.linked')).toContainEqual(expect.objectContaining({ subject: 'acme-0002', account_created: false, unverified_account_password_removed: true }));
  });

  it('refuses an email the provider did not verify, and never links it', async () => {
    const b = ssoBrowser();
    const end = await b.follow(start(tg.url, 'acme', 'mallory'), landing(tg.url));
    expect(end.url).toBe(`${tg.url}/sign-in?sso_error=sso_email_unverified`);
    expect(b.cookies(tg.url).has('tollgate_session')).toBe(false);
    expect(await tg.services.store.db.selectFrom('sso_identities').selectAll().where('subject', '=', 'acme-0666').execute()).toEqual([]);

    const anon = ssoBrowser();
    expect((await anon.follow(start(tg.url, 'acme', 'anon'), landing(tg.url))).url).toBe(`${tg.url}/sign-in?sso_error=sso_email_missing`);
  });

  it('refuses a state that this browser did not start, and an answer used once', async () => {
    const a = ssoBrowser();
    const callback = await a.follow(start(tg.url, 'acme', 'ada'), toCallback);
    expect(new URL(callback.url).searchParams.get('code')).toBeTruthy();

    // Another browser (no transaction cookie): a login CSRF attempt.
    const other = ssoBrowser();
    expect((await other.request(callback)).location).toBe(`${tg.url}/sign-in?sso_error=sso_state_invalid`);

    // The right browser with a state changed: refused, and the transaction is spent.
    const forged = new URL(callback.url);
    forged.searchParams.set('state', 'x'.repeat(43));
    const answer = await a.request({ url: forged.href });
    expect(answer.location).toBe(`${tg.url}/sign-in?sso_error=sso_state_invalid`);
    expect(answer.setCookies.find((c) => c.startsWith('tollgate_sso='))).toMatch(/Max-Age=0/);
    expect((await a.request(callback)).location).toBe(`${tg.url}/sign-in?sso_error=sso_state_invalid`);
    expect(a.cookies(tg.url).has('tollgate_session')).toBe(false);
  });

  it('refuses a replayed authorization code', async () => {
    const a = ssoBrowser();
    const callback = await a.follow(start(tg.url, 'acme', 'ada'), toCallback);
    const transaction = a.cookies(tg.url).get('tollgate_sso')!;
    expect((await a.request(callback)).location).toBe(`${tg.url}/`);

    // Replayed in the same browser: the transaction cookie is gone.
    expect((await a.request(callback)).location).toBe(`${tg.url}/sign-in?sso_error=sso_state_invalid`);
    // Replayed by whoever copied both the callback URL and the cookie: the provider refuses the used code.
    const thief = ssoBrowser();
    thief.cookies(tg.url).set('tollgate_sso', transaction);
    const replay = await thief.request(callback);
    expect(replay.location).toBe(`${tg.url}/sign-in?sso_error=sso_failed`);
    expect(thief.cookies(tg.url).has('tollgate_session')).toBe(false);
  });

  it('refuses an ID token whose nonce is not the one this sign-in sent', async () => {
    const a = ssoBrowser();
    const first = await a.request({ url: start(tg.url, 'acme', 'ada') });
    const authorize = new URL(first.location!);
    authorize.searchParams.set('nonce', 'a-nonce-of-another-sign-in-0123456789abcdef');
    const end = await a.follow(authorize.href, landing(tg.url));
    expect(end.url).toBe(`${tg.url}/sign-in?sso_error=sso_failed`);
    expect(a.cookies(tg.url).has('tollgate_session')).toBe(false);
  });

  it("signs in with Apple: form_post callback, a client secret signed ES256 with the team's key, the name from Apple's user parameter", async () => {
    const b = ssoBrowser();
    const first = await b.request({ url: start(tg.url, 'apple', 'grace') });
    const authorize = new URL(first.location!);
    expect(authorize.searchParams.get('response_mode')).toBe('form_post');
    expect(authorize.searchParams.get('scope')).toBe('openid email name');
    const callback = await b.follow(first.location!, toCallback);
    expect(callback).toMatchObject({ method: 'POST', url: `${tg.url}/v1/auth/sso/apple/callback`, headers: { origin: appleIdp.issuer } });
    expect(Object.keys(callback.form!).sort()).toEqual(['code', 'iss', 'state', 'user']);
    const answer = await b.request(callback);
    expect(answer.status).toBe(303);
    expect(answer.location).toBe(`${tg.url}/`);
    expect((await api(b, tg.url, 'GET', '/v1/me')).body).toMatchObject({ email: 'grace@privaterelay.example', name: 'Grace Hopper', email_verified: true });
    expect(appleIdp.appleAssertions.at(-1)).toMatchObject({
      header: { alg: 'ES256', kid: APPLE.keyId },
      claims: { iss: APPLE.teamId, sub: APPLE.clientId, aud: appleIdp.issuer },
    });
    // Replaying the posted form: the transaction is spent.
    expect((await b.request(callback as Step)).location).toBe(`${tg.url}/sign-in?sso_error=sso_state_invalid`);
  });

  it('lets the form_post transaction cookie cross sites only over TLS (SameSite=None; Secure)', async () => {
    const https = { 'x-forwarded-proto': 'https' };
    const apple = await ssoBrowser().request({ url: start(tg.url, 'apple', 'grace'), headers: https });
    expect(apple.setCookies.find((c) => c.startsWith('tollgate_sso='))).toMatch(/; SameSite=None; HttpOnly; Secure$/);
    const generic = await ssoBrowser().request({ url: start(tg.url, 'acme', 'ada'), headers: https });
    expect(generic.setCookies.find((c) => c.startsWith('tollgate_sso='))).toMatch(/; SameSite=Lax; HttpOnly; Secure$/);
  });

  it('asks for the second factor of an account that has one', async () => {
    const b = ssoBrowser();
    await b.follow(start(tg.url, 'acme', 'ada'), landing(tg.url));
    const secret = (await post(b, tg.url, '/v1/me/totp', {})).body.secret as string;
    const code = (offset = 0) => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: Date.now() + offset });
    expect((await post(b, tg.url, '/v1/me/totp/confirm', { code: code() })).status).toBe(200);

    const c = ssoBrowser();
    const end = await c.follow(start(tg.url, 'acme', 'ada', '&return_to=%2Fusage'), landing(tg.url));
    expect(end.url.startsWith(`${tg.url}/sign-in#`)).toBe(true);
    const fragment = new URLSearchParams(new URL(end.url).hash.slice(1));
    expect(fragment.get('factors')).toBe('totp');
    expect(fragment.get('return_to')).toBe('/usage');
    expect(c.cookies(tg.url).has('tollgate_session')).toBe(false);
    const done = await post(c, tg.url, '/v1/auth/signin/totp', { pending_token: fragment.get('pending_token'), code: code(30_000) });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ object: 'session', method: 'second_factor', user: { email: 'ada@example.com' } });
  });

  it('refuses a disabled account', async () => {
    const users = tg.services.store.db.updateTable('users').where('email', '=', 'linus@example.com');
    await users.set({ status: 'disabled' }).execute();
    try {
      const b = ssoBrowser();
      expect((await b.follow(start(tg.url, 'acme', 'linus'), landing(tg.url))).url).toBe(`${tg.url}/sign-in?sso_error=account_disabled`);
      expect(b.cookies(tg.url).has('tollgate_session')).toBe(false);
    } finally {
      await users.set({ status: 'active' }).execute();
    }
  });

  it('makes no account for a new person when the sign-up policy is closed, and still signs in an existing one', async () => {
    const b = ssoBrowser();
    expect((await b.follow(start(closed.url, 'acme', 'linus'), landing(closed.url))).url).toBe(`${closed.url}/sign-in?sso_error=signup_restricted`);
    expect(await closed.services.store.db.selectFrom('users').selectAll().where('email', '=', 'linus@example.com').execute()).toEqual([]);
    await closed.services.identity.deps.db
      .insertInto('users')
      .values({ id: 'usr_existing', email: 'linus@example.com', name: null, password_hash: null, email_verified_at: Date.now(), phone_number: null, phone_verified_at: null, operator: 0, status: 'active', created_at: Date.now(), updated_at: Date.now() })
      .execute();
    const again = ssoBrowser();
    expect((await again.follow(start(closed.url, 'acme', 'linus'), landing(closed.url))).url).toBe(`${closed.url}/`);
  });

  it('answers bad starts in OpenAI error shape, and a provider that is down or refuses with a sign-in page error', async () => {
    const unknown = await browser(tg.url).call('GET', '/v1/auth/sso/nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toEqual({ message: "No SSO provider 'nope' is configured.", type: 'invalid_request_error', param: 'provider', code: null });
    const offsite = await browser(tg.url).call('GET', '/v1/auth/sso/acme?return_to=//evil.example/x');
    expect(offsite.status).toBe(400);
    expect(offsite.body.error).toMatchObject({ param: 'return_to', type: 'invalid_request_error' });
    const extra = await browser(tg.url).call('GET', '/v1/auth/sso/acme?prompt=none');
    expect(extra.body.error).toMatchObject({ code: 'unknown_parameter', param: 'prompt' });

    const down = await ssoBrowser().request({ url: `${tg.url}/v1/auth/sso/offline` });
    expect(down.location).toBe(`${tg.url}/sign-in?sso_error=sso_provider_unavailable`);

    // The person cancelled at the provider: it answers error=access_denied with the state.
    const a = ssoBrowser();
    const state = new URL((await a.request({ url: start(tg.url, 'acme', 'ada') })).location!).searchParams.get('state')!;
    const cancelled = await a.request({ url: `${tg.url}/v1/auth/sso/acme/callback?error=access_denied&state=${state}` });
    expect(cancelled.location).toBe(`${tg.url}/sign-in?sso_error=sso_denied`);
  });

  it('unlinks an identity, which links again by verified email on its next sign-in', async () => {
    const b = ssoBrowser();
    await b.follow(start(tg.url, 'acme', 'margaret'), landing(tg.url));
    const [identity] = (await api(b, tg.url, 'GET', '/v1/me/sso_identities')).body.data;
    const none = await post(b, tg.url, '/v1/me/sso_identities/sso_nope', {});
    expect(none.status).toBe(404);
    const cookies = b.cookies(tg.url);
    const gone = await fetch(`${tg.url}/v1/me/sso_identities/${identity.id}`, {
      method: 'DELETE',
      headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'x-csrf-token': decodeURIComponent(cookies.get('tollgate_csrf')!) },
    });
    expect(await gone.json()).toEqual({ object: 'sso_identity.deleted', id: identity.id, deleted: true });
    expect((await api(b, tg.url, 'GET', '/v1/me/sso_identities')).body.data).toEqual([]);
    expect(await audits('sso.unlinked')).toContainEqual(expect.objectContaining({ identity_id: identity.id, provider: 'acme', subject: 'acme-0003' }));
    await ssoBrowser().follow(start(tg.url, 'acme', 'margaret'), landing(tg.url));
    expect(await tg.services.store.db.selectFrom('sso_identities').selectAll().where('subject', '=', 'acme-0003').execute()).toHaveLength(1);
  });
});
