import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ProtocolError } from '../../src/protocol/errors.js';
import { outcome } from '../support/expect-error.js';
import { parse257, parseEpsv, parsePasv, parseSize, parseTransferSize } from '../../src/protocol/parse.js';
import { ReplyReader } from '../../src/protocol/reply.js';

// Property tests of the parsers of server-chosen text: random and mutated
// replies, delivered through the reply reader in random chunks as the client
// receives them. A parser returns a valid value or throws a ProtocolError,
// nothing else.

const RUNS = 10_000;

/** The reply text as the client sees it: `code text`, read back by a ReplyReader in the given chunks. */
function throughReader(code: number, text: string, rawCuts: number[]): string | undefined {
  const wire = Buffer.from(`${code} ${text}\r\n`);
  const reader = new ReplyReader();
  const cuts = [...new Set(rawCuts.map((n) => n % (wire.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  const lines: string[] = [];
  for (const at of [...cuts, wire.length]) {
    try {
      for (const r of reader.push(wire.subarray(from, at))) lines.push(...r.lines);
    } catch (error) {
      expect(error).toBeInstanceOf(ProtocolError); // a NUL, for one
      return undefined;
    }
    from = at;
  }
  return lines.join(' ');
}

const byte = fc.integer({ min: 0, max: 255 });
const cuts = fc.array(fc.nat(), { maxLength: 12 });
/** Reply-ish text: mostly the characters these parsers care about. */
const soup = fc
  .array(
    fc.oneof(
      fc.constantFrom('(', ')', ',', '|', '!', '"', '""', ' ', '-', '0', '1', '9', '255', '256', '65535', '65536', '1000000', '\r', '\n', '\0', 'é'),
      fc.string({ maxLength: 6 }),
    ),
    { maxLength: 40 },
  )
  .map((a) => a.join(''));

/** Mutations of a valid reply text: characters replaced, inserted, deleted. */
function mutate(base: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const op = fc.record({ kind: fc.constantFrom('set', 'insert', 'delete'), at: fc.nat(), ch: fc.constantFrom(',', '|', '(', ')', '9', '0', '-', ' ', '"', '\r', '\n', '\0', 'x', '!') });
  return fc.tuple(base, fc.array(op, { minLength: 1, maxLength: 4 })).map(([s, ops]) => {
    for (const { kind, at, ch } of ops) {
      const i = at % (s.length + 1);
      if (kind === 'set') s = s.slice(0, i) + ch + s.slice(i + 1);
      if (kind === 'insert') s = s.slice(0, i) + ch + s.slice(i);
      if (kind === 'delete') s = s.slice(0, i) + s.slice(i + 1);
    }
    return s;
  });
}

const validPasv = fc
  .tuple(fc.array(byte, { minLength: 4, maxLength: 4 }), fc.integer({ min: 1, max: 65535 }), fc.constantFrom('Entering Passive Mode ', '=', ''))
  .map(([h, port, lead]) => `${lead}(${h.join(',')},${port >> 8},${port & 255})`);
const validEpsv = fc
  .tuple(fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), fc.integer({ min: 1, max: 65535 }))
  .filter(([d]) => !/\d/.test(d))
  .map(([d, port]) => `Entering Extended Passive Mode (${d}${d}${d}${port}${d})`);
const validPath = fc.string({ maxLength: 40 }).filter((p) => !/[\r\n\0]/.test(p));
const valid257 = validPath.map((p) => `"${p.replace(/"/g, '""')}" is the current directory`);

function expectPasv(text: string): void {
  const r = outcome(() => parsePasv(text));
  if ('value' in r) {
    expect(Number.isInteger(r.value.port) && r.value.port >= 1 && r.value.port <= 65535).toBe(true);
    expect(r.value.host.split('.').map(Number).every((n) => Number.isInteger(n) && n >= 0 && n <= 255)).toBe(true);
  } else {
    expect(r.error.message).toMatch(/^malformed PASV reply/);
  }
}

function expectEpsv(text: string): void {
  const r = outcome(() => parseEpsv(text));
  if ('value' in r) expect(Number.isInteger(r.value) && r.value >= 1 && r.value <= 65535).toBe(true);
  else expect(r.error.message).toMatch(/^malformed EPSV reply/);
}

function expect257(text: string): void {
  const r = outcome(() => parse257(text));
  if ('value' in r) expect(r.value).not.toMatch(/[\r\n\0]/);
  else expect(r.error.message).toMatch(/^malformed 257 reply/);
}

describe('parsePasv', () => {
  it('reads back any valid 227 through the reply reader, whatever the chunking', () => {
    fc.assert(
      fc.property(fc.array(byte, { minLength: 4, maxLength: 4 }), fc.integer({ min: 1, max: 65535 }), cuts, (h, port, c) => {
        const text = throughReader(227, `Entering Passive Mode (${h.join(',')},${port >> 8},${port & 255})`, c)!;
        expect(parsePasv(text)).toEqual({ host: h.join('.'), port });
      }),
      { numRuns: RUNS },
    );
  });

  it('random and mutated 227 texts: a valid host and port, or a ProtocolError', () => {
    fc.assert(
      fc.property(fc.oneof(soup, mutate(validPasv), fc.string({ maxLength: 60 })), cuts, (text, c) => {
        expectPasv(text);
        const seen = throughReader(227, text, c);
        if (seen !== undefined) expectPasv(seen);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('parseEpsv', () => {
  it('reads back any valid 229 with any printable non-digit delimiter', () => {
    fc.assert(
      fc.property(validEpsv, cuts, (text, c) => {
        const port = Number(/(\d+)/.exec(text)![1]);
        expect(parseEpsv(throughReader(229, text, c)!)).toBe(port);
      }),
      { numRuns: RUNS },
    );
  });

  it('random and mutated 229 texts: a port 1-65535, or a ProtocolError', () => {
    fc.assert(
      fc.property(fc.oneof(soup, mutate(validEpsv), fc.string({ maxLength: 60 })), cuts, (text, c) => {
        expectEpsv(text);
        const seen = throughReader(229, text, c);
        if (seen !== undefined) expectEpsv(seen);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('parse257', () => {
  it('reads back any path without CR, LF or NUL, quotes doubled', () => {
    fc.assert(
      fc.property(validPath, cuts, (path, c) => {
        expect(parse257(throughReader(257, `"${path.replace(/"/g, '""')}" created`, c)!)).toBe(path);
      }),
      { numRuns: RUNS },
    );
  });

  it('random and mutated 257 texts: a path without CR, LF or NUL, or a ProtocolError', () => {
    fc.assert(
      fc.property(fc.oneof(soup, mutate(valid257), fc.string({ maxLength: 60 })), cuts, (text, c) => {
        expect257(text);
        const seen = throughReader(257, text, c);
        if (seen !== undefined) expect257(seen);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('parseSize and parseTransferSize', () => {
  it('SIZE: a safe integer or a ProtocolError; a 150 size: a safe integer or undefined, never a throw', () => {
    fc.assert(
      fc.property(fc.oneof(soup, fc.bigInt({ min: 0n, max: 10n ** 20n }).map(String)), (text) => {
        const r = outcome(() => parseSize(text));
        if ('value' in r) expect(Number.isSafeInteger(r.value) && r.value >= 0).toBe(true);
        const n = parseTransferSize(`Opening (${text} bytes)`);
        if (n !== undefined) expect(Number.isSafeInteger(n) && n >= 0).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('time on the largest replies the reader lets through', () => {
  // A multi-line reply may hold 256 KiB; its lines are joined before parsing.
  const bigReply = Array.from({ length: 32 }, () => '1'.repeat(8000)).join(' ');

  it.each<[string, () => unknown]>([
    ['parseEpsv', () => parseEpsv(bigReply)],
    ['parse257', () => parse257('"' + bigReply)],
    ['parseTransferSize', () => parseTransferSize(bigReply)],
  ])('%s of 256 KiB of digits takes well under a second', (_name, run) => {
    const t = performance.now();
    outcome(run);
    expect(performance.now() - t).toBeLessThan(250);
  });

  // A regression test: this once failed.
  it('parsePasv of 256 KiB of digits takes well under a second', () => {
    const t = performance.now();
    outcome(() => parsePasv(bigReply));
    expect(performance.now() - t).toBeLessThan(250);
  });
});
