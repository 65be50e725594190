import { isIPv4, isIPv6 } from 'node:net';

/**
 * CIDR ranges (IPv4 and IPv6) a key may be used from. Addresses become
 * bigints so one prefix comparison serves both families; an IPv4 client seen
 * through an IPv6 socket (`::ffff:10.0.0.1`) is matched as IPv4.
 */
export interface IpRange {
  family: 4 | 6;
  base: bigint;
  bits: number;
}

function v4ToBigInt(address: string): bigint {
  return address.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function v6ToBigInt(address: string): bigint {
  let text = address;
  // A trailing dotted quad (::ffff:1.2.3.4) becomes two hextets.
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const v4 = v4ToBigInt(quad[1]!);
    text = text.slice(0, -quad[1]!.length) + `${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const missing = 8 - headParts.length - tailParts.length;
  const parts = tail === undefined ? headParts : [...headParts, ...Array<string>(missing).fill('0'), ...tailParts];
  return parts.reduce((acc, part) => (acc << 16n) | BigInt(parseInt(part, 16)), 0n);
}

/** Normalises a client address: strips an IPv6 zone and unwraps IPv4-mapped IPv6. */
function addressValue(address: string): { family: 4 | 6; value: bigint } | null {
  const bare = address.replace(/%.*$/, '');
  if (isIPv4(bare)) return { family: 4, value: v4ToBigInt(bare) };
  if (!isIPv6(bare)) return null;
  const value = v6ToBigInt(bare);
  if (value >> 32n === 0xffffn) return { family: 4, value: value & 0xffffffffn };
  return { family: 6, value };
}

/** `10.0.0.0/8`, `2001:db8::/32`, or a bare address (one host). Null when it is not a range. */
export function parseRange(text: string): IpRange | null {
  const [address, prefix, extra] = text.trim().split('/');
  if (!address || extra !== undefined) return null;
  const bare = address.replace(/%.*$/, '');
  const family = isIPv4(bare) ? 4 : isIPv6(bare) ? 6 : null;
  if (family === null) return null;
  const width = family === 4 ? 32 : 128;
  if (prefix !== undefined && !/^\d{1,3}$/.test(prefix)) return null;
  const bits = prefix === undefined ? width : Number(prefix);
  if (bits > width) return null;
  const value = family === 4 ? v4ToBigInt(bare) : v6ToBigInt(bare);
  const shift = BigInt(width - bits);
  return { family, base: (value >> shift) << shift, bits };
}

/** Canonical text of a range, as stored and shown. */
export function formatRange(range: IpRange): string {
  if (range.family === 4) {
    const octets = [24n, 16n, 8n, 0n].map((s) => String((range.base >> s) & 0xffn));
    return `${octets.join('.')}/${range.bits}`;
  }
  const hextets: string[] = [];
  for (let i = 7; i >= 0; i--) hextets.push(((range.base >> BigInt(i * 16)) & 0xffffn).toString(16));
  return `${hextets.join(':').replace(/(^|:)0(:0)+(:|$)/, '::').replace(/:{3,}/, '::')}/${range.bits}`;
}

export function rangeContains(range: IpRange, address: string): boolean {
  const client = addressValue(address);
  if (!client || client.family !== range.family) return false;
  const shift = BigInt((range.family === 4 ? 32 : 128) - range.bits);
  return client.value >> shift === range.base >> shift;
}

/** True when no ranges are set or the address is inside one of them. */
export function ipAllowed(ranges: readonly IpRange[] | null, address: string): boolean {
  if (ranges === null) return true;
  return ranges.some((range) => rangeContains(range, address));
}
