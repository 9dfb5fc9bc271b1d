import { describe, expect, it } from 'vitest';
import { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { progressLine, duration, type LineState } from '../../src/cli/progress-line.js';
import { createOverallProgress, createProgress } from '../../src/cli/progress.js';
import { columnsOf, printable, shortenLeft } from '../../src/cli/text.js';
import type { Io } from '../../src/cli/io.js';

const MiB = 1024 * 1024;
const plain = { eta: true, paint: (b: string) => b };
const state = (over: Partial<LineState> = {}): LineState => ({ name: 'pub/file.iso', total: 100 * MiB, done: 40 * MiB, bytes: 40 * MiB, seconds: 4, complete: false, ...over });
const fields = (line: string) => ({ eta: /ETA /.test(line), rate: /\/s\b/.test(line), bar: /[=-]{8,}/.test(line), bytes: / of /.test(line), pct: /\d+%/.test(line) });

describe('progressLine', () => {
  it('shows every field when there is room', () => {
    const line = progressLine(state(), 100, plain);
    expect(line).toMatch(/^pub\/file\.iso =+-+  40% \| +40\.0 MiB of 100\.0 MiB \| +10\.0 MiB\/s \| ETA 6s$/);
  });

  it('shows no rate and no ETA before a rate is known', () => {
    for (const seconds of [0, 0.1, 0.4]) {
      const line = progressLine(state({ done: 1 * MiB, bytes: 1 * MiB, seconds }), 120, plain);
      expect(line, `${seconds} s`).not.toMatch(/ETA/);
      expect(line).not.toMatch(/\/s/);
      expect(line).toMatch(/1\.00 MiB of 100\.0 MiB/);
    }
    // Nothing moved yet: a rate of 0, but no time left to promise.
    expect(progressLine(state({ done: 0, bytes: 0, seconds: 3 }), 120, plain)).not.toMatch(/ETA/);
  });

  it('shows the final rate but no ETA once complete', () => {
    const line = progressLine(state({ done: 100 * MiB, bytes: 100 * MiB, seconds: 0.05, complete: true }), 100, plain);
    expect(line).toMatch(/100% \| 100\.0 MiB of 100\.0 MiB \| +1\.95 GiB\/s$/);
  });

  it('fits every width, dropping ETA, then the rate, then the bar, then the byte counts', () => {
    const order = ['eta', 'rate', 'bar', 'bytes'] as const;
    for (const name of ['f', 'pub/file.iso', 'a-rather-long-folder/with-a-long-file-name.tar.gz']) {
      for (let columns = 12; columns <= 160; columns++) {
        const line = progressLine(state({ name }), columns, plain);
        expect(columnsOf(line), `${columns} columns: ${line}`).toBeLessThanOrEqual(columns - 1);
        const has = fields(line);
        expect(has.pct, line).toBe(true);
        // A field is shown only while every field dropped after it is shown too.
        for (let i = 0; i < order.length; i++) if (has[order[i]!]) for (const later of order.slice(i + 1)) expect(has[later], `${columns}: ${line}`).toBe(true);
      }
    }
  });

  it.each([
    [80, { eta: true, rate: true, bar: true, bytes: true }],
    [50, { eta: false, rate: false, bar: true, bytes: true }],
  ])('at %i columns a short name keeps %j', (columns, expected) => {
    const line = progressLine(state({ name: 'big.bin' }), columns, plain);
    expect(fields(line)).toMatchObject(expected);
  });

  it('shortens a long name from the left, counting wide characters as two columns', () => {
    const name = '数据/' + 'x'.repeat(40) + '/报告.pdf';
    const line = progressLine(state({ name }), 80, plain);
    expect(columnsOf(line)).toBeLessThanOrEqual(79);
    expect(line).toMatch(/^…x+\/报告\.pdf /);
    expect(columnsOf(shortenLeft('报告报告', 5))).toBeLessThanOrEqual(5);
  });

  it('an unknown total: bytes and rate, no bar and no ETA', () => {
    const line = progressLine(state({ total: undefined }), 80, plain);
    expect(line).toMatch(/^pub\/file\.iso \| +40\.0 MiB \| +10\.0 MiB\/s$/);
    expect(progressLine(state({ total: undefined }), 30, plain)).toMatch(/^pub\/file\.iso \| +40\.0 MiB$/);
  });

  it('formats the time left', () => {
    expect([duration(0.2), duration(59), duration(65), duration(3599), duration(7380), duration(400 * 3600)]).toEqual(['1s', '59s', '1m05s', '59m59s', '2h03m', '>99h']);
  });
});

describe('printable', () => {
  it('escapes control characters, C1 controls and bidirectional overrides', () => {
    expect(printable('a\x1b[2Jb\x9b31mc\u202egpj.exe\u2066d')).toBe('a\\x1b[2Jb\\x9b31mc\\u202egpj.exe\\u2066d');
    expect(printable('plain – ünïcode 数据')).toBe('plain – ünïcode 数据');
  });
});

// ---- the bar as drawn on a (fake) terminal of a given width ----

class Screen extends Writable {
  isTTY = true;
  text = '';
  constructor(public columns: number) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
  /** The lines drawn: the text between cursor moves, without escape codes. */
  frames(): string[] {
    return this.text
      .split(/\x1b\[1G|\r|\n|\x1b\[\d*[AB]/)
      .map((f) => f.replace(/\x1b\[[0-9;?]*[a-zA-Z]|\x1b[78]/g, ''))
      .filter((f) => f.trim() !== '');
  }
}

function terminal(columns: number): { io: Io; screen: Screen } {
  const screen = new Screen(columns);
  return { screen, io: { stdin: Readable.from([]), stdout: new Screen(columns), stderr: screen, env: { NO_COLOR: '1' } } };
}

describe('the progress bar on a terminal', () => {
  it.each([50, 80])('at %i columns: no ETA until a rate is known, and no line wider than the terminal', async (columns) => {
    const { io, screen } = terminal(columns);
    const progress = await createProgress(io, { name: 'pub/big.bin', verb: 'downloaded', quiet: false, bar: true });
    progress.start(100 * MiB, 0);
    progress.add(1 * MiB);
    await sleep(250);
    const early = screen.frames();
    expect(early.length).toBeGreaterThan(0);
    for (const f of early) expect(f).not.toMatch(/ETA|\/s/);
    await sleep(500);
    progress.add(10 * MiB);
    await sleep(300);
    progress.finish(true);
    const all = screen.frames();
    for (const f of all) expect(columnsOf(f), f).toBeLessThanOrEqual(columns - 1);
    if (columns === 80) expect(all.some((f) => /\/s \| ETA \d/.test(f))).toBe(true);
    else expect(all.some((f) => /ETA/.test(f))).toBe(false);
    expect(all.at(-1)).not.toMatch(/ETA/);
  });

  it('shows the name through printable()', async () => {
    const { io, screen } = terminal(120);
    const progress = await createProgress(io, { name: 'evil\x1b]0;title\x07\u202eexe.txt', verb: 'downloaded', quiet: false, bar: true });
    progress.start(10, 0);
    progress.add(10);
    progress.finish(true);
    expect(screen.text).not.toMatch(/\x1b\]0;|\x07|\u202e/);
    expect(screen.frames().at(-1)).toMatch(/^evil\\x1b\]0;title\\x07\\u202eexe\.txt /);
  });

  it('and in the summary line off a terminal', async () => {
    const { io, screen } = terminal(80);
    screen.isTTY = false;
    const progress = await createProgress(io, { name: 'a\x1b[2Jb', verb: 'downloaded', quiet: false, bar: true });
    progress.start(3, 0);
    progress.add(3);
    progress.finish(true);
    expect(screen.text).toMatch(/^downloaded a\\x1b\[2Jb: 3 B in /);
  });

  it('several files at 50 columns: every line fits, names escaped', async () => {
    const { io, screen } = terminal(50);
    const overall = await createOverallProgress(io, { name: '2 files', verb: 'downloaded', quiet: false, bar: true, totalBytes: 20 * MiB, files: 2 });
    const a = overall.item('set/first-file-with-a-long-name.bin');
    const b = overall.item('set/b\x9b31m.bin');
    a.start(10 * MiB, 0);
    b.start(10 * MiB, 0);
    a.add(5 * MiB);
    b.add(5 * MiB);
    await sleep(700);
    a.add(5 * MiB);
    b.add(5 * MiB);
    a.finish(true);
    b.finish(true);
    overall.finish(true);
    const frames = screen.frames();
    for (const f of frames) expect(columnsOf(f), f).toBeLessThanOrEqual(49);
    expect(frames.some((f) => f.startsWith('…9b31m.bin '))).toBe(true); // escaped (\\x9b), then shortened to the name column
    expect(screen.text).not.toContain('\x9b');
    expect(frames.at(-1)).toMatch(/^2\/2 files .*100%/);
  });
});
