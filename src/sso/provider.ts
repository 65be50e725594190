import { readFileSync } from 'node:fs';
import * as oidc from 'openid-client';
import type { Clock } from '../common/clock.js';
import { TollgateError } from '../common/errors.js';
import type { SsoProviderConfig } from '../config/index.js';
import { appleClientSecret, loadAppleKey } from './apple-secret.js';
import { PRESETS, type IdentityClaims, type ProviderKind, type ProviderPreset } from './presets.js';

/** What one sign-in carries from its start to its callback (in the browser's transaction cookie). */
export interface AuthorizationChecks {
  state: string;
  nonce: string;
  verifier: string;
}

/** One configured identity provider, ready to start and finish sign-ins. */
export interface SsoProvider {
  id: string;
  kind: ProviderKind;
  displayName: string;
  preset: ProviderPreset;
  /** The provider's authorization URL for one sign-in (authorization code, PKCE S256, state, nonce). */
  authorizationUrl(redirectUri: string, checks: AuthorizationChecks, loginHint?: string): Promise<URL>;
  /**
   * Exchanges the code of the callback's parameters and validates the ID
   * token (issuer, audience, expiry, nonce); the verified claims, with
   * UserInfo's when the ID token carries no email.
   */
  finish(redirectUri: string, params: Record<string, string>, checks: AuthorizationChecks): Promise<IdentityClaims>;
}

// Metadata is discovered on first use, not at boot: a provider that is down must not stop Tollgate starting.
const DISCOVERY_TIMEOUT_SECONDS = 10;

function readSecret(value: string | undefined, file: string | undefined, setting: string): string | undefined {
  if (value !== undefined) return value;
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new Error(`${setting}_file: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
}

function clientAuthentication(id: string, config: SsoProviderConfig, issuer: string, clock: Clock): oidc.ClientAuth {
  const setting = `sso.providers.${id}`;
  if (config.kind === 'apple') {
    const key = loadAppleKey(readSecret(config.private_key, config.private_key_file, `${setting}.private_key`)!, `${setting}.private_key`);
    return (_as, client, body) => {
      body.set('client_id', client.client_id);
      body.set('client_secret', appleClientSecret(key, { teamId: config.team_id!, keyId: config.key_id!, clientId: config.client_id, audience: issuer, now: clock.now() }));
    };
  }
  const secret = readSecret(config.client_secret, config.client_secret_file, `${setting}.client_secret`);
  return secret === undefined ? oidc.None() : oidc.ClientSecretPost(secret);
}

/** Builds a provider from its configuration; secrets and keys are read now, so a bad file fails the start with the setting's name. */
export function createProvider(id: string, config: SsoProviderConfig, clock: Clock): SsoProvider {
  const preset = PRESETS[config.kind];
  const issuer = preset.issuer(config)!;
  const auth = clientAuthentication(id, config, issuer, clock);
  const scope = (config.scopes ?? preset.scopes).join(' ');
  // Plain http only for a loopback issuer (the schema refuses any other): development and tests.
  const insecure = new URL(issuer).protocol === 'http:';
  let discovered: Promise<oidc.Configuration> | undefined;

  function configuration(): Promise<oidc.Configuration> {
    discovered ??= oidc
      .discovery(new URL(issuer), config.client_id, {}, auth, { timeout: DISCOVERY_TIMEOUT_SECONDS, execute: insecure ? [oidc.allowInsecureRequests] : [] })
      .catch((err: unknown) => {
        discovered = undefined; // the next sign-in tries again
        throw new TollgateError('sso_provider_unavailable', { cause: err, context: { provider: id, reason: (err as Error).message } });
      });
    return discovered;
  }

  return {
    id,
    kind: config.kind,
    displayName: config.display_name ?? preset.displayName ?? id,
    preset,
    async authorizationUrl(redirectUri, checks, loginHint) {
      const params: Record<string, string> = {
        response_type: 'code',
        redirect_uri: redirectUri,
        scope,
        state: checks.state,
        nonce: checks.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(checks.verifier),
        code_challenge_method: 'S256',
      };
      if (preset.responseMode === 'form_post') params.response_mode = 'form_post';
      if (loginHint) params.login_hint = loginHint;
      return oidc.buildAuthorizationUrl(await configuration(), params);
    },
    async finish(redirectUri, params, checks) {
      const config = await configuration();
      const current = new URL(redirectUri);
      for (const [name, value] of Object.entries(params)) current.searchParams.set(name, value);
      try {
        const tokens = await oidc.authorizationCodeGrant(config, current, { pkceCodeVerifier: checks.verifier, expectedState: checks.state, expectedNonce: checks.nonce, idTokenExpected: true });
        const claims = tokens.claims() as IdentityClaims | undefined;
        if (!claims) throw new Error('no ID token');
        if (claims.email === undefined && tokens.access_token && config.serverMetadata().userinfo_endpoint) {
          const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
          return { ...info, ...claims, email: info.email, email_verified: info.email_verified };
        }
        return claims;
      } catch (err) {
        throw new TollgateError('sso_failed', { cause: err, context: { provider: id, reason: (err as Error).message, error: (err as { error?: unknown }).error } });
      }
    },
  };
}
