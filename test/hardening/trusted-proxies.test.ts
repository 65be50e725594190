import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { client, manualClock } from '../helpers/admin.js';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';

/**
 * `server.trust_proxy: true` once took the left-most X-Forwarded-For entry,
 * which any client writes: a forged 10.9.9.9 passed a key's allowed_ips, a new
 * forged address per attempt escaped the failed-auth throttle, and a forged
 * victim address locked the victim out. Now only listed proxies are believed,
 * and the client is the right-most address none of them wrote.
 */
const BAD = 'sk-proj-' + 'B'.repeat(49);
const via = (forwardedFor: string) => ({ 'x-forwarded-for': forwardedFor });

describe('trust_proxy lists the proxies that are believed', () => {
  let tg: TestTollgate;
  let restrictedKey: string;
  beforeAll(async () => {
    // The test client connects from 127.0.0.1: it plays the trusted proxy.
    tg = await startTestTollgate({ server: { port: 0, trust_proxy: ['127.0.0.1'] }, keys: { max_failed_auth_per_minute: 3 } }, { clock: manualClock(Date.UTC(2026, 0, 1, 12, 0, 10)) });
    const created = await client(tg.url, tg.adminKey)('POST', `/v1/organization/projects/${tg.projectId}/api_keys`, { name: 'office only', allowed_ips: ['10.0.0.0/8'] });
    expect(created.status).toBe(200);
    restrictedKey = created.body.value;
  });
  afterAll(() => tg.stop());

  it('takes the right-most address the trusted proxy appended, not what the client wrote before it', async () => {
    const key = client(tg.url, restrictedKey);
    // The client forged 10.9.9.9; the proxy appended the address it really saw.
    const forged = await key('GET', '/v1/models', undefined, via('10.9.9.9, 203.0.113.5'));
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe('ip_not_authorized');
    // A client really inside 10.0.0.0/8 (whatever it wrote itself) passes.
    expect((await key('GET', '/v1/models', undefined, via('203.0.113.5, 10.9.9.9'))).status).toBe(200);
  });

  it('throttles failed keys by the real address: forged addresses neither escape the throttle nor aim it at someone else', async () => {
    const bad = client(tg.url, BAD);
    // A new forged address per attempt, from one real address: the fourth attempt is throttled.
    for (let i = 0; i < 3; i++) expect((await bad('GET', '/v1/models', undefined, via(`192.0.2.1, 198.51.100.${i + 1}, 203.0.113.77`))).status).toBe(401);
    expect((await bad('GET', '/v1/models', undefined, via('192.0.2.1, 198.51.100.9, 203.0.113.77'))).status).toBe(429);
    // 192.0.2.1, named in every forged header, is not locked out.
    expect((await bad('GET', '/v1/models', undefined, via('192.0.2.1'))).status).toBe(401);
  });
});

describe('a peer that is not a listed proxy', () => {
  it('is the client itself: its X-Forwarded-For is ignored', async () => {
    const tg = await startTestTollgate({ server: { port: 0, trust_proxy: ['10.1.0.0/16'] } });
    try {
      const created = await client(tg.url, tg.adminKey)('POST', `/v1/organization/projects/${tg.projectId}/api_keys`, { name: 'office only', allowed_ips: ['10.0.0.0/8'] });
      const res = await client(tg.url, created.body.value)('GET', '/v1/models', undefined, via('10.9.9.9'));
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('ip_not_authorized');
    } finally {
      await tg.stop();
    }
  });
});

describe('the trust_proxy setting', () => {
  const load = (trust: unknown, env: Record<string, string> = {}) => loadConfig({ env, overrides: trust === undefined ? {} : { server: { trust_proxy: trust } } }).config.server.trust_proxy;

  it('takes addresses, CIDR ranges and proxy-addr names, from config or a comma-separated environment value', () => {
    expect(load(undefined)).toBe(false);
    expect(load(['10.0.0.0/8', '2001:db8::/32', '127.0.0.1', 'loopback'])).toEqual(['10.0.0.0/8', '2001:db8::/32', '127.0.0.1', 'loopback']);
    expect(load(undefined, { TOLLGATE_SERVER_TRUST_PROXY: '10.0.0.1, 10.0.0.2' })).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(load(undefined, { TOLLGATE_SERVER_TRUST_PROXY: 'false' })).toBe(false);
  });

  it('refuses true, which would believe any client, and what is not an address', () => {
    expect(() => load(true)).toThrow(/server\.trust_proxy.*list the addresses or CIDR ranges of your proxies/s);
    expect(() => load(undefined, { TOLLGATE_SERVER_TRUST_PROXY: 'true' })).toThrow(/server\.trust_proxy/);
    expect(() => load(['proxy.example.com'])).toThrow(/'proxy\.example\.com' is not an IP address/);
  });
});
