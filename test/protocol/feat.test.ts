import { describe, expect, it } from 'vitest';
import { featLines, parseFeatures } from '../../src/protocol/feat.js';

describe('FEAT', () => {
  it('takes the lines between 211- and 211 End, trimmed, without blanks', () => {
    expect(featLines({ code: 211, lines: ['Features:', ' MDTM', '  ', ' REST STREAM ', 'End'] })).toEqual(['MDTM', 'REST STREAM']);
  });

  it('reads names case-insensitively, with their parameters', () => {
    const f = parseFeatures(['mdtm', 'REST stream', 'MLST type*;size*;modify;', 'HASH SHA-256*;SHA-1;MD5', 'AUTH TLS', 'UTF8']);
    expect(f.has('MDTM')).toBe(true);
    expect(f.has('MFMT')).toBe(false);
    expect(f.restStream).toBe(true);
    expect(f.mlstFacts).toEqual(['type', 'size', 'modify']);
    expect(f.hash).toEqual(['SHA-256', 'SHA-1', 'MD5']);
    expect(f.authTls).toBe(true);
  });

  it('merges a feature listed twice and tells REST without STREAM, no HASH, AUTH SSL only', () => {
    const f = parseFeatures(['AUTH SSL', 'AUTH TLS-C', 'REST', 'SIZE']);
    expect(f.authTls).toBe(false);
    expect(f.restStream).toBe(false);
    expect(f.hash).toBeNull();
    expect(parseFeatures(['AUTH SSL', 'AUTH TLS']).authTls).toBe(true);
  });

  it('tells a name with the start of its parameters, case-insensitively, as hasFeature always did', () => {
    const f = parseFeatures(['REST STREAM', 'MLST type*;size*;', 'AUTH TLS', 'XSHA256']);
    expect(f.lines).toEqual(['REST STREAM', 'MLST type*;size*;', 'AUTH TLS', 'XSHA256']);
    for (const yes of ['REST STREAM', 'rest stream', 'REST', 'MLST', 'mlst type*;size*;', 'AUTH TLS', 'auth', 'XSHA256']) expect(f.has(yes), yes).toBe(true);
    for (const no of ['REST STR', 'REST STREAMING', 'AUTH SSL', 'MLS', 'XSHA1', 'MFMT']) expect(f.has(no), no).toBe(false);
  });
});

