import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/protocol/errors.js';
import {
  DEFAULT_LIMITS,
  isCompletion,
  isIntermediate,
  isPreliminary,
  type Reply,
  ReplyReader,
  replyText,
} from '../../src/protocol/reply.js';

/** Feeds `input` cut at the given offsets and collects every reply. */
function read(input: Buffer, cuts: number[] = [], reader = new ReplyReader()): Reply[] {
  const out: Reply[] = [];
  let from = 0;
  for (const at of [...cuts, input.length]) {
    out.push(...reader.push(input.subarray(from, at)));
    from = at;
  }
  return out;
}

const r = (code: number, ...lines: string[]): Reply => ({ code, lines });

const cases: [string, string, Reply[]][] = [
  ['single line', '220 Service ready\r\n', [r(220, 'Service ready')]],
  ['code-only line', '200\r\n', [r(200, '')]],
  ['empty text after the space', '200 \r\n', [r(200, '')]],
  ['multi-line', '123-First line\r\nSecond line\r\n123 End\r\n', [r(123, 'First line', 'Second line', 'End')]],
  ['continuation lines repeating "code-"', '211-Features:\r\n211-EPSV\r\n211 End\r\n', [r(211, 'Features:', 'EPSV', 'End')]],
  ['continuation lines not starting with the code', '211-Features:\r\n EPSV\r\n REST STREAM\r\n211 End\r\n', [r(211, 'Features:', ' EPSV', ' REST STREAM', 'End')]],
  [
    'another code in the middle does not end the reply',
    '123-start\r\n456-other\r\n456 not the end\r\n1234 nor this\r\n123 end\r\n',
    [r(123, 'start', '456-other', '456 not the end', '1234 nor this', 'end')],
  ],
  ['multi-line closed by a code-only line', '230-Welcome\r\n230\r\n', [r(230, 'Welcome', '')]],
  ['empty continuation lines', '220-a\r\n\r\n\r\n220 b\r\n', [r(220, 'a', '', '', 'b')]],
  ['several replies in one chunk', '150 Opening\r\n226 Done\r\n221 Bye\r\n', [r(150, 'Opening'), r(226, 'Done'), r(221, 'Bye')]],
  ['LF-only endings', '220-Hello\n there\n220 ready\n331 Password\n', [r(220, 'Hello', ' there', 'ready'), r(331, 'Password')]],
  ['CR inside a line is kept, only the final CR is stripped', '200 a\rb\r\n', [r(200, 'a\rb')]],
  ['UTF-8 text', '257 "/tmp/ünï/日本" created\r\n', [r(257, '"/tmp/ünï/日本" created')]],
  ['an unfinished last line is held back', '226 Done\r\n221 By', [r(226, 'Done')]],
];

describe('ReplyReader: well-formed input', () => {
  it.each(cases)('%s', (_name, input, expected) => {
    expect(read(Buffer.from(input))).toEqual(expected);
  });

  it.each(cases)('%s: byte by byte gives the same replies', (_name, input, expected) => {
    const buf = Buffer.from(input);
    expect(read(buf, Array.from({ length: buf.length }, (_, i) => i))).toEqual(expected);
  });

  it.each(cases)('%s: a cut at every offset gives the same replies', (_name, input, expected) => {
    const buf = Buffer.from(input);
    for (let at = 0; at <= buf.length; at++) {
      expect(read(buf, [at]), `cut at ${at}`).toEqual(expected);
    }
  });

  it('does not keep a reference to the caller\'s buffer', () => {
    const reader = new ReplyReader();
    const chunk = Buffer.from('220 Hel');
    reader.push(chunk);
    chunk.fill('X');
    expect(reader.push(Buffer.from('lo\r\n'))).toEqual([r(220, 'Hello')]);
  });

  it.each([
    ['', false],
    ['220 Done\r\n', false],
    ['220 Do', true],
    ['220-first\r\n', true],
    ['220-first\r\n220 last\r\n', false],
  ])('midReply after %j is %s', (input, mid) => {
    const reader = new ReplyReader();
    reader.push(Buffer.from(input));
    expect(reader.midReply).toBe(mid);
  });
});

describe('ReplyReader: malformed input', () => {
  it.each([
    ['NUL in a single line', '220 a\0b\r\n', /NUL/],
    ['NUL in a continuation line', '220-a\r\n x\0\r\n220 b\r\n', /NUL/],
    ['no code', 'hello\r\n', /malformed reply/],
    ['empty first line', '\r\n', /malformed reply/],
    ['two-digit code', '22 x\r\n', /malformed reply/],
    ['four-digit code', '2200 x\r\n', /malformed reply/],
    ['no separator after the code', '220x\r\n', /malformed reply/],
    ['leading space', ' 220 x\r\n', /malformed reply/],
    ['code starting with 0', '099 x\r\n', /malformed reply code/],
    ['code starting with 6', '600 x\r\n', /malformed reply code/],
  ])('%s throws ProtocolError', (_name, input, message) => {
    expect(() => read(Buffer.from(input))).toThrow(ProtocolError);
    expect(() => read(Buffer.from(input))).toThrow(message);
  });

  it('throws on an over-long line early, without buffering all of it', () => {
    const reader = new ReplyReader();
    const chunk = Buffer.alloc(1024, 'a');
    chunk.write('220 ');
    let fed = 0;
    const feedMegabyte = () => {
      for (; fed < 1024 * 1024; fed += chunk.length) reader.push(chunk);
    };
    expect(feedMegabyte).toThrow(/reply too long/);
    expect(fed).toBeLessThanOrEqual(DEFAULT_LIMITS.maxLineBytes);
  });

  it('throws on an over-long line that arrives whole in one chunk', () => {
    const line = Buffer.from('220 ' + 'a'.repeat(1024 * 1024) + '\r\n');
    expect(() => read(line)).toThrow(/reply too long/);
  });

  it('throws "reply too long" on a flood of continuation lines, early', () => {
    const reader = new ReplyReader();
    reader.push(Buffer.from('123-start\r\n'));
    const chunk = Buffer.from(' x\r\n'.repeat(1000));
    let fed = 0;
    const flood = () => {
      for (; fed < 10 * 1024 * 1024; fed += chunk.length) reader.push(chunk);
    };
    expect(flood).toThrow(ProtocolError);
    expect(flood).toThrow(/reply too long/);
    expect(fed).toBeLessThanOrEqual(DEFAULT_LIMITS.maxReplyBytes);
  });

  it('counts empty continuation lines against the reply limit', () => {
    const reader = new ReplyReader({ maxLineBytes: 100, maxReplyBytes: 1000 });
    expect(() => read(Buffer.from('123-a\r\n' + '\r\n'.repeat(1000)), [], reader)).toThrow(/reply too long/);
  });

  it.each([
    // [line length without CRLF, throws?] with maxLineBytes 20
    [18, false],
    [21, true],
  ])('maxLineBytes 20: a %i-byte line throws: %s', (length, throws) => {
    const line = Buffer.from('220 ' + 'a'.repeat(length - 4) + '\r\n');
    const run = () => read(line, [], new ReplyReader({ maxLineBytes: 20, maxReplyBytes: 1000 }));
    if (throws) expect(run).toThrow(/reply too long/);
    else expect(run()).toEqual([r(220, 'a'.repeat(length - 4))]);
  });

  it.each([
    // '123-aaaa\r\n' and '123 bbbb\r\n' are 10 bytes each; the limit is 30.
    ['123-aaaa\r\n123 bbbb\r\n', false],
    ['123-aaaa\r\n cccc\r\n123 bbbb\r\n', false],
    ['123-aaaa\r\n cccc\r\n dddd\r\n123 bbbb\r\n', true],
  ])('maxReplyBytes 30: %j throws: %s', (input, throws) => {
    const run = () => read(Buffer.from(input), [], new ReplyReader({ maxLineBytes: 100, maxReplyBytes: 30 }));
    if (throws) expect(run).toThrow(/reply too long/);
    else expect(run()).toHaveLength(1);
  });
});

describe('reply helpers', () => {
  it.each([
    [r(220, 'Hello'), 'Hello'],
    [r(211, 'Features:', ' EPSV', ' SIZE', 'End'), 'Features: EPSV SIZE End'],
    [r(200, ''), ''],
    [r(230, 'Welcome', '', 'Logged in'), 'Welcome Logged in'],
  ])('replyText(%j) is %j', (reply, text) => {
    expect(replyText(reply)).toBe(text);
  });

  it.each([
    [150, [true, false, false]],
    [199, [true, false, false]],
    [200, [false, true, false]],
    [299, [false, true, false]],
    [331, [false, false, true]],
    [425, [false, false, false]],
    [550, [false, false, false]],
  ])('%i: preliminary, completion, intermediate = %j', (code, flags) => {
    const reply = r(code, '');
    expect([isPreliminary(reply), isCompletion(reply), isIntermediate(reply)]).toEqual(flags);
  });
});
