import { describe, expect, it } from 'vitest';
import { formatRange, ipAllowed, parseRange } from './ip-ranges.js';

const ranges = (...texts: string[]) => texts.map((t) => parseRange(t)!);

describe('CIDR ranges', () => {
  it('parses IPv4 and IPv6 ranges and bare addresses into canonical form', () => {
    expect(formatRange(parseRange('10.1.2.3/8')!)).toBe('10.0.0.0/8');
    expect(formatRange(parseRange('192.168.1.7')!)).toBe('192.168.1.7/32');
    expect(formatRange(parseRange('2001:db8:0:0:1::/32')!)).toBe('2001:db8::/32');
    expect(formatRange(parseRange('::1')!)).toBe('::1/128');
    expect(formatRange(parseRange('0.0.0.0/0')!)).toBe('0.0.0.0/0');
  });

  it('refuses what is not a range', () => {
    for (const bad of ['10.0.0.0/33', '::/129', '300.1.1.1', 'example.com', '10.0.0.0/8/1', '10.0.0.0/x', '', '1.2.3.4/-1']) {
      expect(parseRange(bad), bad).toBeNull();
    }
  });

  it('matches client addresses of both families, IPv4-mapped IPv6 as IPv4', () => {
    const allowed = ranges('10.0.0.0/8', '2001:db8::/32', '192.0.2.1');
    expect(ipAllowed(allowed, '10.200.3.4')).toBe(true);
    expect(ipAllowed(allowed, '::ffff:10.200.3.4')).toBe(true);
    expect(ipAllowed(allowed, '11.0.0.1')).toBe(false);
    expect(ipAllowed(allowed, '2001:db8:ffff::5')).toBe(true);
    expect(ipAllowed(allowed, '2001:db9::5')).toBe(false);
    expect(ipAllowed(allowed, '192.0.2.1')).toBe(true);
    expect(ipAllowed(allowed, '192.0.2.2')).toBe(false);
    expect(ipAllowed(allowed, 'fe80::1%eth0')).toBe(false);
    expect(ipAllowed(allowed, 'not an address')).toBe(false);
    expect(ipAllowed(null, 'anything')).toBe(true);
    expect(ipAllowed([], '10.0.0.1')).toBe(false);
  });
});
