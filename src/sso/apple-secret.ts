import { createPrivateKey, sign, type KeyObject } from 'node:crypto';

/** A Sign in with Apple key (the .p8 file: PKCS#8 PEM of a P-256 key). */
export function loadAppleKey(pem: string, setting: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new Error(`${setting}: not a PEM private key (expected the text of a Sign in with Apple .p8 key).`);
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error(`${setting}: not a P-256 key (a Sign in with Apple key is one).`);
  }
  return key;
}

export interface AppleSecretInput {
  teamId: string;
  keyId: string;
  clientId: string;
  /** Apple's issuer, https://appleid.apple.com. */
  audience: string;
  now: number;
}

/**
 * Apple takes no static client secret: the client authenticates with a JWT
 * signed ES256 by the team's key (iss: team id, sub: client id, aud: Apple),
 * valid for at most six months. One is made for each code exchange, valid
 * five minutes, so no long-lived credential exists anywhere.
 */
export function appleClientSecret(key: KeyObject, input: AppleSecretInput): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const iat = Math.floor(input.now / 1000);
  const signingInput = `${encode({ alg: 'ES256', kid: input.keyId, typ: 'JWT' })}.${encode({ iss: input.teamId, iat, exp: iat + 300, aud: input.audience, sub: input.clientId })}`;
  const signature = sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  return `${signingInput}.${signature}`;
}
