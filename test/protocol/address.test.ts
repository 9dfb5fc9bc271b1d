import { describe, expect, it } from 'vitest';
import { isIP } from 'node:net';
import fc from 'fast-check';
import { ipFamily } from '../../src/protocol/address.js';

// The protocol layer checks IP literals without node:net: it must agree with net.isIP.

describe('ipFamily', () => {
  it.each([
    ['127.0.0.1', 4],
    ['0.0.0.0', 4],
    ['255.255.255.255', 4],
    ['01.2.3.4', 0],
    ['1.2.3.256', 0],
    ['1.2.3', 0],
    ['::', 6],
    ['::1', 6],
    ['1:2:3:4:5:6:7:8', 6],
    ['1:2:3:4:5:6:7::', 6],
    ['1:2:3:4:5:6:7:8::', 0],
    ['::ffff:127.0.0.1', 6],
    ['1.2.3.4::', 0],
    ['fe80::1%eth0', 6],
    ['1:::2', 0],
    ['host.example', 0],
    ['', 0],
  ] as const)('%j is %d, as net.isIP says', (text, family) => {
    expect(ipFamily(text)).toBe(family);
    expect(isIP(text)).toBe(family);
  });

  it('agrees with net.isIP on random address-like text', () => {
    // Real addresses (zero runs compressed anywhere, an IPv4 tail, a zone), then maybe one character inserted or dropped.
    const group = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })).map((n) => n.toString(16));
    const v6 = fc
      .tuple(fc.array(group, { minLength: 8, maxLength: 8 }), fc.nat(8), fc.nat(8), fc.boolean(), fc.constantFrom('', '', '%eth0', '%'))
      .map(([groups, at, run, v4, zone]) => {
        const parts = v4 ? [...groups.slice(0, 6), '1.2.3.4'] : groups;
        const head = parts.slice(0, Math.min(at, parts.length));
        const tail = parts.slice(Math.min(at + run, parts.length));
        return (run === 0 ? parts.join(':') : `${head.join(':')}::${tail.join(':')}`) + zone;
      });
    const octet = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constantFrom('00', '01', '', 'a'));
    const v4 = fc.array(octet, { minLength: 3, maxLength: 5 }).map((o) => o.join('.'));
    const mutate = (t: string) => fc.oneof(fc.constant(t), fc.tuple(fc.nat(t.length), fc.constantFrom(':', '.', 'g', '0', '%', '')).map(([i, c]) => (c === '' ? t.slice(0, i) + t.slice(i + 1) : t.slice(0, i) + c + t.slice(i))));
    const text = fc.oneof(v6, v4).chain(mutate);
    fc.assert(fc.property(fc.oneof(text, fc.string({ maxLength: 40 })), (t) => ipFamily(t) === isIP(t)), { numRuns: 20_000 });
  });
});
