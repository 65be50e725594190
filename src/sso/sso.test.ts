import { generateKeyPairSync, verify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/tollgate.js';
import { systemClock } from '../common/clock.js';
import { ConfigError, loadConfig, redactConfig } from '../config/index.js';
import { appleClientSecret, loadAppleKey } from './apple-secret.js';
import { PRESETS } from './presets.js';
import { createProvider } from './provider.js';

const provider = (settings: Record<string, unknown>) => loadConfig({ env: {}, overrides: { sso: { providers: { p: settings } } } }).config.sso.providers.p!;
const problem = (settings: Record<string, unknown>) => {
  try {
    provider(settings);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a configuration error');
};

describe('SSO provider configuration', () => {
  it('refuses incomplete or unsafe providers, naming the setting', () => {
    expect(problem({ client_id: 'x' })).toContain('sso.providers.p.issuer: an oidc provider needs its issuer URL');
    expect(problem({ issuer: 'http://idp.example.com', client_id: 'x' })).toContain('sso.providers.p.issuer: the issuer must be https');
    expect(problem({ kind: 'google', client_id: 'x' })).toContain('sso.providers.p.client_secret: a google provider needs client_secret or client_secret_file');
    expect(problem({ kind: 'google', client_id: 'x', client_secret: 's', tenant: 'contoso' })).toContain('tenant is for microsoft providers only');
    const apple = problem({ kind: 'apple', client_id: 'com.example' });
    expect(apple).toContain('sso.providers.p.team_id: an apple provider needs team_id');
    expect(apple).toContain('sso.providers.p.private_key: an apple provider needs private_key or private_key_file');
    expect(problem({ kind: 'oidc', issuer: 'https://idp.example.com', client_id: 'x', client_secret: 'a', client_secret_file: '/f' })).toContain('set client_secret or client_secret_file, not both');
    expect(problem({ kind: 'oidc', issuer: 'https://idp.example.com', client_id: 'x', team_id: 'ABCDE12345' })).toContain('team_id is for apple providers only');
    expect(() => loadConfig({ env: {}, overrides: { sso: { providers: { 'Bad Id': { kind: 'google', client_id: 'x', client_secret: 's' } } } } })).toThrow(ConfigError);
  });

  it('takes providers as JSON from TOLLGATE_SSO_PROVIDERS, with presets filled in and secrets redacted for printing', () => {
    const { config } = loadConfig({
      env: { TOLLGATE_SSO_PROVIDERS: JSON.stringify({ google: { kind: 'google', client_id: 'id.apps.googleusercontent.com', client_secret: 'GOCSPX-not-a-real-one' } }) },
    });
    expect(config.sso.providers.google).toMatchObject({ kind: 'google', client_id: 'id.apps.googleusercontent.com' });
    expect(JSON.stringify(redactConfig(config))).not.toContain('GOCSPX-not-a-real-one');
    const built = createProvider('google', config.sso.providers.google!, systemClock);
    expect(built).toMatchObject({ id: 'google', kind: 'google', displayName: 'Google' });
    expect(PRESETS.google.issuer(config.sso.providers.google!)).toBe('https://accounts.google.com');
    expect(PRESETS.microsoft.issuer(provider({ kind: 'microsoft', client_id: 'x', client_secret: 's', tenant: 'contoso.onmicrosoft.com' }))).toBe('https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0');
    expect(PRESETS.microsoft.issuer(provider({ kind: 'microsoft', client_id: 'x', client_secret: 's' }))).toBe('https://login.microsoftonline.com/common/v2.0');
  });

  it('reads secrets and keys from files at start, and names the setting when it cannot', () => {
    const dir = tempDir();
    try {
      const missing = provider({ kind: 'google', client_id: 'x', client_secret_file: join(dir.path, 'nope') });
      expect(() => createProvider('google', missing, systemClock)).toThrow(`sso.providers.google.client_secret_file: cannot read ${join(dir.path, 'nope')} (ENOENT).`);
      writeFileSync(join(dir.path, 'rsa.p8'), generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
      const rsa = provider({ kind: 'apple', client_id: 'com.example', team_id: 'TEAM123456', key_id: 'KEY1234567', private_key_file: join(dir.path, 'rsa.p8') });
      expect(() => createProvider('apple', rsa, systemClock)).toThrow('sso.providers.apple.private_key: not a P-256 key');
      expect(() => loadAppleKey('not a key', 'x.private_key')).toThrow('x.private_key: not a PEM private key');
    } finally {
      dir.remove();
    }
  });
});

describe('which claims prove an address', () => {
  it('takes email_verified true (or "true", as Apple sends it), never a missing or false one', () => {
    for (const kind of ['oidc', 'google', 'apple'] as const) {
      const verified = PRESETS[kind].emailVerified;
      expect(verified({ iss: 'i', sub: 's', email_verified: true })).toBe(true);
      expect(verified({ iss: 'i', sub: 's', email_verified: 'true' })).toBe(true);
      expect(verified({ iss: 'i', sub: 's', email_verified: false })).toBe(false);
      expect(verified({ iss: 'i', sub: 's', email_verified: 'false' })).toBe(false);
      expect(verified({ iss: 'i', sub: 's' })).toBe(false);
      expect(verified({ iss: 'i', sub: 's', xms_edov: true })).toBe(false);
    }
  });

  it("takes Microsoft's xms_edov (the tenant verified the domain) when email_verified is absent, and only then", () => {
    const verified = PRESETS.microsoft.emailVerified;
    expect(verified({ iss: 'i', sub: 's' })).toBe(false);
    expect(verified({ iss: 'i', sub: 's', xms_edov: true })).toBe(true);
    expect(verified({ iss: 'i', sub: 's', xms_edov: false })).toBe(false);
    expect(verified({ iss: 'i', sub: 's', email_verified: false, xms_edov: true })).toBe(false);
    expect(verified({ iss: 'i', sub: 's', email_verified: true })).toBe(true);
  });
});

describe("Apple's client secret", () => {
  it('is an ES256 JWT of the team, for the client, to Apple, valid five minutes', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const key = loadAppleKey(privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, 'k');
    const now = 1_760_000_000_000;
    const jwt = appleClientSecret(key, { teamId: 'TEAM123456', keyId: 'KEY1234567', clientId: 'com.example.tollgate', audience: 'https://appleid.apple.com', now });
    const [header, payload, signature] = jwt.split('.') as [string, string, string];
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'ES256', kid: 'KEY1234567', typ: 'JWT' });
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString())).toEqual({ iss: 'TEAM123456', iat: 1_760_000_000, exp: 1_760_000_300, aud: 'https://appleid.apple.com', sub: 'com.example.tollgate' });
    expect(Buffer.from(signature, 'base64url')).toHaveLength(64);
    expect(verify('sha256', Buffer.from(`${header}.${payload}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'))).toBe(true);
  });
});
