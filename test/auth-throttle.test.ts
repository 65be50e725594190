import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, manualClock } from './helpers/admin.js';
import { redisPrefix, redisSkipReason, REDIS_URL } from './helpers/services.js';
import { startTestTollgate, type TestTollgate } from './helpers/tollgate.js';

const from = (ip: string) => ({ 'x-forwarded-for': ip });
const BAD = 'sk-proj-' + 'A'.repeat(49);
// A clock that stands still: the counting window never rolls over mid-test.
const clock = manualClock(Date.UTC(2026, 0, 1, 12, 0, 10));

describe('failed-authentication throttling per client address', () => {
  let tg: TestTollgate;
  beforeAll(async () => {
    tg = await startTestTollgate({ server: { port: 0, trust_proxy: ['127.0.0.1'] }, keys: { max_failed_auth_per_minute: 3 } }, { clock });
  });
  afterAll(() => tg.stop());

  it('answers 429 after the limit of invalid keys, to that address only', async () => {
    const bad = client(tg.url, BAD);
    for (let i = 0; i < 3; i++) expect((await bad('GET', '/v1/models', undefined, from('203.0.113.7'))).status).toBe(401);
    const blocked = await bad('GET', '/v1/models', undefined, from('203.0.113.7'));
    expect(blocked.status).toBe(429);
    expect(blocked.body.error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded' });
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // The admin API shares the throttle.
    expect((await client(tg.url, tg.adminKey)('GET', '/v1/organization/projects', undefined, from('203.0.113.7'))).status).toBe(429);
    // The same valid key from anywhere else is never locked out.
    expect((await client(tg.url, tg.projectKey)('GET', '/v1/models', undefined, from('198.51.100.9'))).status).toBe(200);
    expect((await client(tg.url, tg.adminKey)('GET', '/v1/organization/projects', undefined, from('2001:db8::1'))).status).toBe(200);
  });

  it('does not count valid keys or missing keys', async () => {
    const ok = client(tg.url, tg.projectKey);
    for (let i = 0; i < 10; i++) expect((await ok('GET', '/v1/models', undefined, from('192.0.2.44'))).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await client(tg.url, null)('GET', '/v1/models', undefined, from('192.0.2.44'))).status).toBe(401);
    expect((await client(tg.url, BAD)('GET', '/v1/models', undefined, from('192.0.2.44'))).status).toBe(401);
  });

  it('counts leak reports that find nothing live', async () => {
    const anon = client(tg.url, null);
    for (let i = 0; i < 3; i++) expect((await anon('POST', '/v1/leaks', { strings: [BAD] }, from('192.0.2.99'))).status).toBe(200);
    expect((await anon('POST', '/v1/leaks', { strings: [BAD] }, from('192.0.2.99'))).status).toBe(429);
  });
});

describe.skipIf(!REDIS_URL)(`failed-authentication counts shared through Redis${redisSkipReason}`, () => {
  it('counts failures on every instance together', async () => {
    const settings = { server: { port: 0, trust_proxy: ['127.0.0.1'] }, redis_url: REDIS_URL, redis_prefix: redisPrefix(), keys: { max_failed_auth_per_minute: 4 } };
    const a = await startTestTollgate(settings, { clock });
    const b = await startTestTollgate(settings, { clock });
    try {
      const onA = client(a.url, BAD);
      const onB = client(b.url, BAD);
      const ip = from('203.0.113.200');
      expect((await onA('GET', '/v1/models', undefined, ip)).status).toBe(401);
      expect((await onA('GET', '/v1/models', undefined, ip)).status).toBe(401);
      expect((await onB('GET', '/v1/models', undefined, ip)).status).toBe(401);
      expect((await onB('GET', '/v1/models', undefined, ip)).status).toBe(401); // the fourth failure overall
      expect((await onB('GET', '/v1/models', undefined, ip)).status).toBe(429);
      expect((await client(b.url, b.projectKey)('GET', '/v1/models', undefined, from('203.0.113.201'))).status).toBe(200);
    } finally {
      await b.stop();
      await a.stop();
    }
  });
});
