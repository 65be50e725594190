import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * Tollgate API keys: `<prefix><43 base62 chars of 32 random bytes><6 base62 chars of CRC32>`.
 * The checksum lets a mistyped or made-up key be refused without a store
 * lookup, and lets secret scanners recognise real keys offline.
 */
export type KeyKind = 'project' | 'service_account' | 'admin';

export const KEY_PREFIXES: Record<KeyKind, string> = {
  project: 'sk-proj-',
  service_account: 'sk-svcacct-',
  admin: 'sk-admin-',
};

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BODY_LENGTH = 43; // 62^43 > 2^256
const CHECK_LENGTH = 6; // 62^6 > 2^32

/**
 * Matches any Tollgate-shaped key in text (used by scanners too). The edges
 * keep it from matching inside a longer token, such as an OpenAI key whose
 * body also allows `_` and `-`.
 */
export const KEY_PATTERN = /(?<![0-9A-Za-z])sk-(?:proj|svcacct|admin)-[0-9A-Za-z]{49}(?![0-9A-Za-z_-])/g;

function base62(value: bigint, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out = ALPHABET[Number(value % 62n)] + out;
    value /= 62n;
  }
  return out;
}

function checksum(prefix: string, body: string): string {
  // A CRC32 fits a double exactly: plain number arithmetic, no bigint on the hot path.
  let value = crc32(prefix + body);
  let out = '';
  for (let i = 0; i < CHECK_LENGTH; i++) {
    out = ALPHABET[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

export function generateKey(kind: KeyKind): string {
  const prefix = KEY_PREFIXES[kind];
  const body = base62(BigInt(`0x${randomBytes(32).toString('hex')}`), BODY_LENGTH);
  return prefix + body + checksum(prefix, body);
}

export interface ParsedKey {
  kind: KeyKind;
  /** Shape and checksum both right: worth a store lookup. */
  wellFormed: true;
}

/** Returns the kind of a well-formed key with a valid checksum, or null. */
export function parseKey(candidate: string): ParsedKey | null {
  for (const [kind, prefix] of Object.entries(KEY_PREFIXES) as [KeyKind, string][]) {
    if (!candidate.startsWith(prefix)) continue;
    const rest = candidate.slice(prefix.length);
    if (rest.length !== BODY_LENGTH + CHECK_LENGTH || !/^[0-9A-Za-z]+$/.test(rest)) return null;
    const body = rest.slice(0, BODY_LENGTH);
    return checksum(prefix, body) === rest.slice(BODY_LENGTH) ? { kind, wellFormed: true } : null;
  }
  return null;
}

/** What is shown of a key after creation: `sk-proj-...abcd`. */
export function redactKey(key: string): string {
  const prefix = Object.values(KEY_PREFIXES).find((p) => key.startsWith(p)) ?? key.slice(0, 3);
  return `${prefix}...${key.slice(-4)}`;
}

/**
 * OpenAI's redaction for a key quoted in an error: first 8 characters, `*` for
 * the rest but the last 4, length kept (capped, so a huge header is not echoed).
 */
export function maskKeyForError(key: string): string {
  const length = Math.min(key.length, 200);
  if (length <= 12) return '*'.repeat(length);
  return key.slice(0, 8) + '*'.repeat(length - 12) + key.slice(-4);
}

/** A key-shaped string found in text, with where it was and whether its checksum holds. */
export interface FoundKey {
  /** The matched text: handle as a secret. */
  value: string;
  kind: KeyKind;
  /** Offset of the match in the text. */
  index: number;
  /** Checksum valid: a real Tollgate key (live or not), not a look-alike. */
  checksumValid: boolean;
  redacted: string;
}

/**
 * Every Tollgate-shaped key in `text` (the recogniser scanners and the leak
 * endpoint share). The checksum separates real keys from look-alikes offline.
 */
export function findKeys(text: string): FoundKey[] {
  const found: FoundKey[] = [];
  for (const match of text.matchAll(new RegExp(KEY_PATTERN.source, 'g'))) {
    const value = match[0];
    const kind = (Object.entries(KEY_PREFIXES) as [KeyKind, string][]).find(([, prefix]) => value.startsWith(prefix))![0];
    found.push({ value, kind, index: match.index, checksumValid: parseKey(value) !== null, redacted: redactKey(value) });
  }
  return found;
}

/**
 * The kind a Tollgate-shaped string claims by its prefix and length, whatever
 * its checksum: scanners report look-alikes too, marked as such.
 */
export function keyShapeKind(candidate: string): KeyKind | null {
  for (const [kind, prefix] of Object.entries(KEY_PREFIXES) as [KeyKind, string][]) {
    if (!candidate.startsWith(prefix)) continue;
    const rest = candidate.slice(prefix.length);
    return rest.length === BODY_LENGTH + CHECK_LENGTH && /^[0-9A-Za-z]+$/.test(rest) ? kind : null;
  }
  return null;
}
