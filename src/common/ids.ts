import { randomBytes, randomUUID } from 'node:crypto';

/** Prefixes of every id Tollgate mints: readable in logs, sortable by time. */
export type IdPrefix = 'org' | 'proj' | 'key' | 'svc_acct' | 'usr' | 'evt' | 'rl' | 'res' | 'aud' | 'led' | 'ntf' | 'ses' | 'invite' | 'sso' | 'pmt' | 'pur' | 'dlv' | 'whk' | 'alert';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

function encodeTime(ms: number): string {
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

// Entropy is drawn from the OS in blocks: one syscall per 256 ids, not one per id.
const POOL_SIZE = 16 * 256;
let pool = randomBytes(POOL_SIZE);
let offset = 0;

function randomTail(): string {
  if (offset + 16 > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  let tail = '';
  for (let i = 0; i < 16; i++) tail += CROCKFORD[pool[offset + i]! & 31];
  offset += 16;
  return tail;
}

/** `proj_01jd7x...`: a ULID (48-bit time + 80 random bits) behind a type prefix. */
export function newId(prefix: IdPrefix, now = Date.now()): string {
  return `${prefix}_${encodeTime(now)}${randomTail()}`;
}

/** OpenAI's request id shape: `req_` + 32 lowercase hex characters. */
export function newRequestId(): string {
  return `req_${randomUUID().replaceAll('-', '')}`;
}

/** Response object ids in OpenAI's style (`chatcmpl-...`, `cmpl-...`). */
export function newObjectId(prefix: string): string {
  return `${prefix}${randomUUID().replaceAll('-', '').slice(0, 24)}`;
}
