import { describe, expect, it } from 'vitest';
import { CrlfToLf, LfToCrlf } from '../../src/protocol/ascii.js';

/** The conversions on the whole text at once: what any chunking must produce. */
const toLocal = (s: string) => s.replace(/\r\n/g, '\n');
const toNetwork = (s: string) => s.replace(/\r?\n/g, '\r\n');

/** Pushes `text` through a converter in chunks ending at `cuts`, then flushes. */
function convert(conv: { push(b: Buffer): Buffer; flush?(): Buffer }, text: string, cuts: number[]): string {
  const input = Buffer.from(text, 'latin1');
  const out: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts, input.length]) {
    out.push(conv.push(input.subarray(from, cut)));
    from = cut;
  }
  if (conv.flush) out.push(conv.flush());
  return Buffer.concat(out).toString('latin1');
}

const SAMPLES = ['', 'a', '\r', '\n', '\r\n', '\n\r', 'a\r\nb\nc\rd\r\r\n\n', '\r\r\r\n\n\n', 'x\r', 'line one\r\nline two\r\n'];

/** Random text over an alphabet rich in line endings, with random chunk boundaries. */
function randomCase(seed: number): { text: string; cuts: number[] } {
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const alphabet = ['\r', '\n', 'a', 'b', '\r\n'];
  let text = '';
  const length = Math.floor(next() * 60);
  for (let i = 0; i < length; i++) text += alphabet[Math.floor(next() * alphabet.length)];
  const cuts = [...new Set(Array.from({ length: Math.floor(next() * 6) }, () => Math.floor(next() * (text.length + 1))))].sort((a, b) => a - b);
  return { text, cuts };
}

describe('CrlfToLf', () => {
  it.each(SAMPLES)('converts %j whole and byte by byte', (text) => {
    expect(convert(new CrlfToLf(), text, [])).toBe(toLocal(text));
    const everyByte = Array.from({ length: text.length }, (_, i) => i);
    expect(convert(new CrlfToLf(), text, everyByte)).toBe(toLocal(text));
  });

  it('holds a CR split from its LF, and keeps a CR followed by an empty chunk', () => {
    const conv = new CrlfToLf();
    expect(conv.push(Buffer.from('a\r')).toString()).toBe('a');
    expect(conv.push(Buffer.alloc(0)).toString()).toBe('');
    expect(conv.push(Buffer.from('\nb')).toString()).toBe('\nb');
    expect(conv.flush().length).toBe(0);
  });

  it('matches the whole-text conversion for 500 random texts and chunkings', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const { text, cuts } = randomCase(seed);
      expect(convert(new CrlfToLf(), text, cuts), JSON.stringify({ text, cuts })).toBe(toLocal(text));
    }
  });
});

describe('LfToCrlf', () => {
  it.each(SAMPLES)('converts %j whole and byte by byte', (text) => {
    expect(convert(new LfToCrlf(), text, [])).toBe(toNetwork(text));
    const everyByte = Array.from({ length: text.length }, (_, i) => i);
    expect(convert(new LfToCrlf(), text, everyByte)).toBe(toNetwork(text));
  });

  it('matches the whole-text conversion for 500 random texts and chunkings', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const { text, cuts } = randomCase(seed);
      expect(convert(new LfToCrlf(), text, cuts), JSON.stringify({ text, cuts })).toBe(toNetwork(text));
    }
  });
});
