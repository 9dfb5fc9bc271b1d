import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FtpError, ProtocolError } from '../../src/protocol/errors.js';
import { ReplyReader, type Reply, type ReplyLimits } from '../../src/protocol/reply.js';

// Property tests of the reply reader: random bytes, mutated replies and
// well-formed replies, each cut into random chunks. Only typed errors may come
// out, the bytes it holds stay within its limits, and the chunking never
// changes the result.

const RUNS = 10_000;

/** What the reader is holding, read from its private fields. */
function held(reader: ReplyReader): { partial: number; partialCounted: number; reply: number } {
  const r = reader as unknown as { partial?: Buffer[]; partialBytes?: number; pending?: { bytes: number; lines: string[] } | null };
  if (!Array.isArray(r.partial) || typeof r.partialBytes !== 'number' || r.pending === undefined) {
    throw new Error('ReplyReader internals changed: update held() in test/fuzz/reply.test.ts');
  }
  return {
    partial: r.partial.reduce((n, b) => n + b.length, 0),
    partialCounted: r.partialBytes,
    reply: r.pending ? r.pending.bytes : 0,
  };
}

/** Cut points (sorted, within the input) from arbitrary numbers. */
function cutsOf(length: number, raw: number[]): number[] {
  return [...new Set(raw.map((n) => n % (length + 1)))].sort((a, b) => a - b);
}

interface Outcome {
  replies: Reply[];
  error?: unknown;
}

/** Feeds `input` in pieces; stops at the first error. `check` runs after every push. */
function feed(reader: ReplyReader, input: Buffer, cuts: number[], check: () => void = () => {}): Outcome {
  const replies: Reply[] = [];
  let from = 0;
  for (const at of [...cuts, input.length]) {
    try {
      replies.push(...reader.push(input.subarray(from, at)));
    } catch (error) {
      return { replies, error };
    }
    check();
    from = at;
  }
  return { replies };
}

function expectTypedError(error: unknown): void {
  if (error === undefined) return;
  expect(error).toBeInstanceOf(FtpError);
  expect(error).toBeInstanceOf(ProtocolError);
  expect((error as Error).message).toMatch(/^(reply too long|malformed reply)/);
}

// ---- generators ----

/** Pieces that make reply-like noise: codes, separators, line endings, NUL, UTF-8, junk. */
const token = fc.oneof(
  fc.constantFrom('220', '123', '211', '599', '099', '600', '22', '2200', '-', ' ', '\r', '\n', '\r\n', '\0', '"', '(|||', ',', 'é', '日本'),
  fc.string({ maxLength: 8 }),
  fc.integer({ min: 0, max: 255 }).map((b) => String.fromCharCode(b)),
);
const noise = fc.array(token, { maxLength: 120 }).map((parts) => Buffer.from(parts.join(''), 'latin1'));
const rawBytes = fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a));

/** Text of a line: no CR, LF or NUL (a CR inside a line is legal but does not survive LF-only endings). */
const text = fc
  .array(fc.constantFrom('a', 'Z', ' ', '-', '"', '(', ')', '|', ',', '0', '1', '2', '5', '\t', 'é', '日', '\x1b', '\x7f'), { maxLength: 30 })
  .map((cs) => cs.join(''));

interface Generated {
  wire: string;
  expected: Reply;
}

/** A well-formed reply, in any of the shapes RFC 959 allows, with what the reader must return. */
const wellFormed: fc.Arbitrary<Generated> = fc
  .record({
    code: fc.integer({ min: 100, max: 599 }),
    first: text,
    middle: fc.array(fc.record({ t: text, prefixed: fc.boolean() }), { maxLength: 6 }),
    last: text,
    multi: fc.boolean(),
    codeOnlyEnd: fc.boolean(),
  })
  .map(({ code, first, middle, last, multi, codeOnlyEnd }) => {
    const c = String(code);
    if (!multi) {
      return codeOnlyEnd ? { wire: `${c}\n`, expected: { code, lines: [''] } } : { wire: `${c} ${first}\n`, expected: { code, lines: [first] } };
    }
    const lines = [`${c}-${first}`];
    const expected = [first];
    for (const { t, prefixed } of middle) {
      // A raw continuation line must not begin with the code (it could end or reshape the reply).
      const raw = prefixed || t.startsWith(c) ? `${c}-${t}` : t;
      lines.push(raw);
      expected.push(t);
    }
    lines.push(codeOnlyEnd ? c : `${c} ${last}`);
    expected.push(codeOnlyEnd ? '' : last);
    return { wire: lines.join('\n') + '\n', expected: { code, lines: expected } };
  });

const replies = fc.record({ list: fc.array(wellFormed, { minLength: 1, maxLength: 5 }), crlf: fc.boolean() }).map(({ list, crlf }) => ({
  input: Buffer.from(list.map((g) => (crlf ? g.wire.replace(/\n/g, '\r\n') : g.wire)).join('')),
  expected: list.map((g) => g.expected),
}));

/** A well-formed stream with bytes flipped, inserted, deleted or repeated. */
const mutation = fc.record({
  op: fc.constantFrom('flip', 'insert', 'delete', 'repeat'),
  at: fc.nat(),
  len: fc.integer({ min: 1, max: 40 }),
  byte: fc.constantFrom(0x00, 0x0a, 0x0d, 0x20, 0x2d, 0x30, 0x32, 0x35, 0x39, 0xff, 0xc3),
});
const mutated = fc.tuple(replies, fc.array(mutation, { minLength: 1, maxLength: 6 })).map(([{ input }, ops]) => {
  let b = input;
  for (const { op, at, len, byte } of ops) {
    const i = at % (b.length + 1);
    if (op === 'flip' && i < b.length) b = Buffer.concat([b.subarray(0, i), Buffer.from([byte]), b.subarray(i + 1)]);
    if (op === 'insert') b = Buffer.concat([b.subarray(0, i), Buffer.alloc(len, byte), b.subarray(i)]);
    if (op === 'delete') b = Buffer.concat([b.subarray(0, i), b.subarray(i + len)]);
    if (op === 'repeat') b = Buffer.concat([b.subarray(0, i + len), b.subarray(i)]);
  }
  return b;
});

const anyInput = fc.oneof(noise, rawBytes, mutated);
const limits: fc.Arbitrary<ReplyLimits> = fc.record({
  maxLineBytes: fc.integer({ min: 1, max: 120 }),
  maxReplyBytes: fc.integer({ min: 1, max: 400 }),
  maxReplyLines: fc.integer({ min: 1, max: 50 }),
});
const cuts = fc.array(fc.nat(), { maxLength: 40 });

describe('ReplyReader under random input', () => {
  it('throws nothing but ProtocolError, and holds no more than its limits (small limits)', () => {
    fc.assert(
      fc.property(anyInput, limits, cuts, (input, lim, raw) => {
        const reader = new ReplyReader(lim);
        const { error } = feed(reader, input, cutsOf(input.length, raw), () => {
          const h = held(reader);
          expect(h.partial).toBe(h.partialCounted);
          expect(h.partial).toBeLessThanOrEqual(lim.maxLineBytes);
          // The first line of a multi-line reply counts toward the limit too.
          expect(h.reply).toBeLessThanOrEqual(Math.max(lim.maxReplyBytes, lim.maxLineBytes + 1));
        });
        expectTypedError(error);
      }),
      { numRuns: RUNS },
    );
  });

  // A regression test: this once failed.
  it('rejects a multi-line reply whose first line alone is over maxReplyBytes', () => {
    const reader = new ReplyReader({ maxLineBytes: 100, maxReplyBytes: 10 });
    expect(() => reader.push(Buffer.from('220-' + 'a'.repeat(50) + '\r\n'))).toThrow(/reply too long/);
  });

  it('gives the same result however the input is cut', () => {
    fc.assert(
      fc.property(anyInput, fc.option(limits, { nil: undefined }), cuts, cuts, (input, lim, a, b) => {
        const one = feed(new ReplyReader(lim), input, cutsOf(input.length, a));
        const two = feed(new ReplyReader(lim), input, cutsOf(input.length, b));
        expectTypedError(one.error);
        expect(one.error === undefined).toBe(two.error === undefined);
        if (one.error === undefined) expect(two.replies).toEqual(one.replies);
        else expect((two.error as Error).message).toBe((one.error as Error).message);
      }),
      { numRuns: RUNS },
    );
  });

  it('reads well-formed replies back exactly, CRLF or LF, in any chunking', () => {
    fc.assert(
      fc.property(replies, cuts, ({ input, expected }, raw) => {
        const reader = new ReplyReader();
        const out = feed(reader, input, cutsOf(input.length, raw));
        expect(out.error).toBeUndefined();
        expect(out.replies).toEqual(expected);
        expect(reader.midReply).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it('a byte-by-byte flood never holds more than the limits (large inputs, few runs)', () => {
    fc.assert(
      fc.property(fc.constantFrom('220-', '220 ', ''), fc.constantFrom('x', '\r\n', ' a\n', '220-b\r\n'), fc.integer({ min: 1, max: 64 }), (head, unit, chunk) => {
        const lim = { maxLineBytes: 256, maxReplyBytes: 2048 };
        const reader = new ReplyReader(lim);
        const input = Buffer.from(head + unit.repeat(Math.ceil(20_000 / unit.length)));
        const raw = Array.from({ length: Math.ceil(input.length / chunk) }, (_, i) => i * chunk);
        const { error } = feed(reader, input, raw, () => {
          const h = held(reader);
          expect(h.partial).toBeLessThanOrEqual(lim.maxLineBytes);
          expect(h.reply).toBeLessThanOrEqual(lim.maxReplyBytes);
        });
        expectTypedError(error);
      }),
      { numRuns: 200 },
    );
  });
});
