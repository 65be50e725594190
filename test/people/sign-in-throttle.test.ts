import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browser } from '../helpers/browser.js';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';

const PASSWORD = 'quartz-meadow-lantern-8';

async function account(tg: TestTollgate, email: string): Promise<void> {
  expect((await browser(tg.url).call('POST', '/v1/auth/signup', { email, password: PASSWORD })).status).toBe(202);
}

describe('sign-in throttling', () => {
  let tg: TestTollgate;
  beforeAll(async () => {
    tg = await startTestTollgate({
      server: { port: 0, trust_proxy: ['127.0.0.1'] },
      accounts: { max_failed_sign_ins: 5, max_failed_sign_ins_per_address: 12, max_failed_sign_ins_per_account: 20 },
    });
    await account(tg, 'owner@example.com');
    await account(tg, 'spray1@example.com');
  });
  afterAll(() => tg.stop());

  it('stops a guesser at one address without locking the owner out from another', async () => {
    const attacker = browser(tg.url, { ip: '203.0.113.7' });
    for (let i = 0; i < 5; i++) expect((await attacker.signIn('owner@example.com', `guess-number-${i}-xyz`)).status).toBe(401);
    const blocked = await attacker.signIn('owner@example.com', PASSWORD);
    expect(blocked.status).toBe(429);
    expect(blocked.body.error).toMatchObject({ code: 'rate_limit_exceeded', type: 'requests' });
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    const owner = browser(tg.url, { ip: '192.0.2.10' });
    expect((await owner.signIn('owner@example.com', PASSWORD)).status).toBe(200);
  });

  it('stops an address spraying many accounts', async () => {
    const sprayer = browser(tg.url, { ip: '203.0.113.99' });
    for (let i = 0; i < 12; i++) expect((await sprayer.signIn(`victim${i}@example.com`, 'spray-password-000')).status).toBe(401);
    expect((await sprayer.signIn('spray1@example.com', PASSWORD)).status).toBe(429);
    expect((await browser(tg.url, { ip: '192.0.2.11' }).signIn('spray1@example.com', PASSWORD)).status).toBe(200);
  });

  it('under a guess from many addresses, new browsers wait but the owner\'s known browser signs in', async () => {
    await account(tg, 'target@example.com');
    const known = browser(tg.url, { ip: '192.0.2.20' });
    expect((await known.signIn('target@example.com', PASSWORD)).status).toBe(200);
    expect(known.cookies.has('tollgate_device')).toBe(true);
    await known.call('POST', '/v1/auth/signout');
    for (let i = 0; i < 20; i++) expect((await browser(tg.url, { ip: `198.18.0.${i + 1}` }).signIn('target@example.com', `distributed-${i}-guess`)).status).toBe(401);
    expect((await browser(tg.url, { ip: '198.18.1.1' }).signIn('target@example.com', PASSWORD)).status).toBe(429);
    const back = await known.signIn('target@example.com', PASSWORD);
    expect(back.status).toBe(200);
    // Another account's device cookie does not exempt a browser.
    const other = browser(tg.url, { ip: '198.18.1.2' });
    other.cookies.set('tollgate_device', known.cookies.get('tollgate_device')!.replace(/^usr_[^.]+/, 'usr_someoneelse'));
    expect((await other.signIn('target@example.com', PASSWORD)).status).toBe(429);
  });
});

describe('phone verification over an HTTP SMS gateway', () => {
  let tg: TestTollgate;
  let gateway: Server;
  const received: { auth: string | undefined; body: any }[] = [];
  beforeAll(async () => {
    gateway = createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        received.push({ auth: req.headers.authorization, body: JSON.parse(text) });
        res.writeHead(202, { 'content-type': 'application/json' }).end('{"queued":true}');
      });
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    const port = (gateway.address() as { port: number }).port;
    tg = await startTestTollgate({ sms: { http_url: `http://127.0.0.1:${port}/send`, http_token: 'gw-token-123', from: 'Tollgate' }, accounts: { require_verified_email: false, require_verified_phone: true } });
    await account(tg, 'phone@example.com');
  });
  afterAll(async () => {
    await tg.stop();
    await new Promise((resolve) => gateway.close(resolve));
  });

  it('sends a 6-digit code, allows five tries, and verifies the number with the right code', async () => {
    const b = browser(tg.url);
    await b.signIn('phone@example.com', PASSWORD);
    // This Tollgate asks for a verified phone (and not a verified address) before keys.
    const org = (await b.call('POST', '/v1/me/organizations', { name: 'Phones' })).body;
    const createKey = () => b.call('POST', `/v1/organization/projects/${org.projects[0].id}/api_keys`, { name: 'k' }, { 'openai-organization': org.id });
    expect((await createKey()).body.error.code).toBe('phone_not_verified');
    const bad = await b.call('POST', '/v1/me/phone', { phone_number: '555-1234' });
    expect(bad.body.error).toMatchObject({ code: 'invalid_value', param: 'phone_number' });
    const sent = await b.call('POST', '/v1/me/phone', { phone_number: '+1 (555) 010-2030' });
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ object: 'phone_verification', phone_number: '+15550102030', status: 'code_sent' });
    expect(received).toHaveLength(1);
    expect(received[0]!.auth).toBe('Bearer gw-token-123');
    expect(received[0]!.body).toMatchObject({ to: '+15550102030', from: 'Tollgate' });
    const code = /(\d{6})/.exec(received[0]!.body.text)![1]!;
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) expect((await b.call('POST', '/v1/me/phone/verify', { code: wrong })).body.error.code).toBe('invalid_token');
    // The sixth try is refused even with the right code: the code is spent.
    expect((await b.call('POST', '/v1/me/phone/verify', { code })).body.error.code).toBe('invalid_token');
    await b.call('POST', '/v1/me/phone', { phone_number: '+15550102030' });
    const fresh = /(\d{6})/.exec(received[1]!.body.text)![1]!;
    const verified = await b.call('POST', '/v1/me/phone/verify', { code: fresh });
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ phone_number: '+15550102030', phone_verified: true });
    const stored = await tg.services.store.db.selectFrom('phone_codes').selectAll().execute();
    expect(stored).toEqual([]);
    expect((await createKey()).status).toBe(200);
  });
});
