import type { SsoProviderConfig } from '../config/index.js';

export type ProviderKind = SsoProviderConfig['kind'];

/** The ID token and UserInfo claims Tollgate reads. */
export interface IdentityClaims {
  iss: string;
  sub: string;
  email?: unknown;
  email_verified?: unknown;
  name?: unknown;
  given_name?: unknown;
  family_name?: unknown;
  /** Microsoft Entra: the email's domain is verified by the tenant (an optional claim). */
  xms_edov?: unknown;
}

/**
 * What a kind of provider fixes: where it lives, what to ask for, how the
 * answer comes back, and which claims prove that the address belongs to the
 * person. Generic code reads these; it never names a provider.
 */
export interface ProviderPreset {
  displayName: string | null;
  issuer(config: SsoProviderConfig): string | undefined;
  scopes: string[];
  /** `form_post`: the provider posts the answer to the callback (Apple, when name or email is asked for). */
  responseMode: 'query' | 'form_post';
  emailVerified(claims: IdentityClaims): boolean;
}

const isTrue = (value: unknown) => value === true || value === 'true';
const standardVerified = (claims: IdentityClaims) => isTrue(claims.email_verified);

export const PRESETS: Record<ProviderKind, ProviderPreset> = {
  oidc: { displayName: null, issuer: (c) => c.issuer, scopes: ['openid', 'email', 'profile'], responseMode: 'query', emailVerified: standardVerified },
  google: { displayName: 'Google', issuer: (c) => c.issuer ?? 'https://accounts.google.com', scopes: ['openid', 'email', 'profile'], responseMode: 'query', emailVerified: standardVerified },
  microsoft: {
    displayName: 'Microsoft',
    // `common` (any work, school or personal account) unless a tenant is named; openid-client resolves the {tenantid} issuer template.
    issuer: (c) => c.issuer ?? `https://login.microsoftonline.com/${c.tenant ?? 'common'}/v2.0`,
    scopes: ['openid', 'email', 'profile'],
    responseMode: 'query',
    // Entra ID sends no email_verified for work accounts: its optional `xms_edov` claim says the tenant verified the address's domain.
    // Without either, the address is whatever the tenant's admin typed, and is refused.
    emailVerified: (claims) => (claims.email_verified === undefined ? isTrue(claims.xms_edov) : standardVerified(claims)),
  },
  apple: {
    displayName: 'Apple',
    issuer: (c) => c.issuer ?? 'https://appleid.apple.com',
    scopes: ['openid', 'email', 'name'],
    responseMode: 'form_post',
    // Apple sends email_verified as the string "true" in some tokens.
    emailVerified: standardVerified,
  },
};
