import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The server secret keys every HMAC (API key hashes) and every encryption at
 * rest (upstream credentials). Two purpose-bound subkeys are derived from it so
 * that a key hash can never be used as an encryption key and vice versa.
 */
export interface ServerSecret {
  /** HMAC-SHA-256 of `value`, hex. */
  hash(value: string): string;
  /** AES-256-GCM; returns `v1.<iv>.<tag>.<ciphertext>` in base64url. */
  encrypt(plaintext: string): string;
  decrypt(sealed: string): string;
}

export interface ResolveSecretOptions {
  secret?: string;
  secretFile?: string;
  dataDir: string;
}

export interface ResolvedSecret {
  secret: ServerSecret;
  /** Where it came from, for a startup log line that never holds the value. */
  source: 'config' | 'file' | 'generated' | 'data_dir';
}

const SECRET_FILE = 'secret';

function fromMaterial(material: string): ServerSecret {
  const ikm = Buffer.from(material, 'utf8');
  const hmacKey = Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), 'tollgate/hmac/v1', 32));
  const encKey = Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), 'tollgate/aes-gcm/v1', 32));
  return {
    hash: (value) => createHmac('sha256', hmacKey).update(value).digest('hex'),
    encrypt(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', encKey, iv);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
    },
    decrypt(sealed) {
      const [version, iv, tag, body] = sealed.split('.');
      if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('not a sealed value');
      const decipher = createDecipheriv('aes-256-gcm', encKey, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}

function checkStrength(material: string, where: string): string {
  const trimmed = material.trim();
  if (trimmed.length < 32) throw new Error(`The server secret from ${where} is too short: use at least 32 characters.`);
  return trimmed;
}

/** Config/env value, else a secret file, else `<data_dir>/secret` (created 0600 on first run). */
export function resolveServerSecret(options: ResolveSecretOptions): ResolvedSecret {
  if (options.secret) return { secret: fromMaterial(checkStrength(options.secret, 'TOLLGATE_SECRET')), source: 'config' };
  if (options.secretFile) {
    return { secret: fromMaterial(checkStrength(readFileSync(options.secretFile, 'utf8'), options.secretFile)), source: 'file' };
  }
  const dir = resolve(options.dataDir);
  const file = join(dir, SECRET_FILE);
  if (existsSync(file)) return { secret: fromMaterial(checkStrength(readFileSync(file, 'utf8'), file)), source: 'data_dir' };
  mkdirSync(dir, { recursive: true });
  const material = randomBytes(32).toString('hex');
  try {
    writeFileSync(file, `${material}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Another process sharing the data dir created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { secret: fromMaterial(checkStrength(readFileSync(file, 'utf8'), file)), source: 'data_dir' };
  }
  chmodSync(file, 0o600);
  return { secret: fromMaterial(material), source: 'generated' };
}

/** For tests and tools that need a secret without a data directory. */
export function secretFromString(material: string): ServerSecret {
  return fromMaterial(checkStrength(material, 'argument'));
}
