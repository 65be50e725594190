import { createServer } from 'node:net';
import pino from 'pino';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { startTollgate, type Tollgate } from '../../src/tollgate.js';
import { browser } from '../helpers/browser.js';
import { ssoBrowser, startTestIdp, type TestIdp } from '../helpers/oidc.js';
import { createPostgresDatabase, POSTGRES_URL, postgresSkipReason, redisPrefix, redisSkipReason, REDIS_URL } from '../helpers/services.js';
import { startTestTollgate, tempDir, type TestTollgate } from '../helpers/tollgate.js';

const PASSWORD = 'plum-ladder-orbit-42';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe.skipIf(!POSTGRES_URL || !REDIS_URL)(`SSO and the second factor across two instances on PostgreSQL + Redis${postgresSkipReason}${redisSkipReason}`, () => {
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let idp: TestIdp;
  let a: TestTollgate;
  let b: Tollgate;
  const dir = tempDir();

  beforeAll(async () => {
    database = await createPostgresDatabase();
    idp = await startTestIdp();
    // One public address for both, as behind a load balancer: A's.
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    const settings = {
      public_url: publicUrl,
      database_url: database.url,
      redis_url: REDIS_URL,
      redis_prefix: redisPrefix(),
      sso: { providers: { acme: { kind: 'oidc', issuer: idp.issuer, client_id: 'tollgate', client_secret: 'acme-client-secret' } } },
    };
    a = await startTestTollgate({ ...settings, server: { port } });
    const { config } = loadConfig({ env: {}, overrides: { data_dir: dir.path, server: { port: 0 }, log: { level: 'silent' }, secret: 'test-secret-test-secret-test-secret-0123', ...settings } });
    b = await startTollgate(config, { logger: pino({ level: 'silent' }), env: {} });
    idp.configure([{ client_id: 'tollgate', client_secret: 'acme-client-secret', redirect_uris: [`${publicUrl}/v1/auth/sso/acme/callback`] }]);
    idp.accounts.set('ada', { sub: 'acme-0001', email: 'ada@example.com', email_verified: true, name: 'Ada' });
  });
  afterAll(async () => {
    await b?.close();
    await a?.stop();
    await idp?.stop();
    dir.remove();
    await database?.drop();
  });

  it('finishes on one instance a sign-in started on the other: the transaction lives in the browser, not in an instance', async () => {
    const sso = ssoBrowser();
    const first = await sso.request({ url: `${a.url}/v1/auth/sso/acme?login_hint=ada` });
    expect(new URL(first.location!).searchParams.get('redirect_uri')).toBe(`${a.url}/v1/auth/sso/acme/callback`);
    const callback = await sso.follow(first.location!, (next) => next.pathname.endsWith('/callback'));
    // The load balancer sends the provider's answer to B, with the browser's cookie.
    const toB = new URL(callback.url);
    toB.host = new URL(b.url).host;
    sso.cookies(b.url).set('tollgate_sso', sso.cookies(a.url).get('tollgate_sso')!);
    const answer = await sso.request({ url: toB.href });
    expect(answer.location).toBe(`${b.url}/`);
    const session = sso.cookies(b.url).get('tollgate_session')!;
    const onA = browser(a.url);
    onA.cookies.set('tollgate_session', session);
    expect((await onA.call('GET', '/v1/me')).body).toMatchObject({ email: 'ada@example.com', email_verified: true });
  });

  it('refuses on one instance a TOTP code already used on the other', async () => {
    await browser(a.url).call('POST', '/v1/auth/signup', { email: 'grace@example.com', password: PASSWORD });
    const owner = browser(a.url);
    await owner.signIn('grace@example.com', PASSWORD);
    const secret = (await owner.call('POST', '/v1/me/totp')).body.secret as string;
    const code = (offset = 0) => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: Date.now() + offset });
    expect((await owner.call('POST', '/v1/me/totp/confirm', { code: code(-30_000) })).status).toBe(200);

    const onA = browser(a.url);
    const onB = browser(b.url);
    const pendingA = (await onA.signIn('grace@example.com', PASSWORD)).body.pending_token;
    const pendingB = (await onB.signIn('grace@example.com', PASSWORD)).body.pending_token;
    const now = code();
    expect((await onA.call('POST', '/v1/auth/signin/totp', { pending_token: pendingA, code: now })).status).toBe(200);
    const replay = await onB.call('POST', '/v1/auth/signin/totp', { pending_token: pendingB, code: now });
    expect(replay.status).toBe(400);
    expect(replay.body.error.code).toBe('invalid_code');
  });
});
