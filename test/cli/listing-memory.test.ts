import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { resolvePath, startFakeServer, type CommandContext, type FakeServer } from '../support/fake-server.js';
import { BIN } from '../support/cli.js';

// A folder of a million entries, listed by the real command in a child
// process: the listing streams from the data connection to stdout, so the
// peak memory (GNU time's maximum RSS) stays bounded whatever the count, and
// not one line is lost. The server makes the lines up as it sends them.

const ENTRIES = 1_000_000;
const MiB = 1024 * 1024;
/**
 * Parsed listings (ls -l, --json, get -r --dry-run) make garbage for every
 * entry, and V8 grows its young generation and old space with the rate
 * (about 100 MiB at a million entries, 72 MiB at 100 000: docs/performance.md).
 * Held in memory as before, a million entries took 440 MiB and more.
 */
const LIMIT_PARSED = 128 * MiB;
/**
 * Plain `ls` holds one batch of text at a time; its peak is node's own
 * (about 45 MiB) plus a young generation V8 sizes to the allocation rate:
 * 63-75 MiB at a million entries depending on how fast the server sends.
 * Held whole as before, it took 214 MiB.
 */
const LIMIT_PLAIN = 96 * MiB;
const TIME = '/usr/bin/time';
/** Another build to measure (e.g. an older one, to compare): TFTP_LISTING_BIN=/path/to/bin/tftp.js. */
const CLI = process.env.TFTP_LISTING_BIN ?? BIN;
const FEAT = '211-Features:\r\n EPSV\r\n PASV\r\n SIZE\r\n MLST type*;size*;modify*;\r\n UTF8\r\n211 End';

const mlsdLine = (i: number) => `type=file;size=${i};modify=20260101120000; f${String(i).padStart(7, '0')}\r\n`;
const listLine = (i: number) => `-rw-r--r--    1 ftp      ftp      ${String(i).padStart(10)} Jan 01  2026 f${String(i).padStart(7, '0')}\r\n`;

/** Both listeners go once either fires: a listing of a million lines waits for 'drain' thousands of times. */
function untilDrainedOrClosed(data: Socket): Promise<void> {
  return new Promise((resolve) => {
    const go = () => {
      data.off('drain', go).off('close', go);
      resolve();
    };
    data.on('drain', go).on('close', go);
  });
}

/** Sends `count` lines made by `line` as the data connection takes them, then 226. */
async function sendLazily(ctx: CommandContext, line: (i: number) => string, count: number): Promise<void> {
  let data: Socket;
  try {
    data = await ctx.session.openData();
  } catch {
    return ctx.session.reply(425, "Can't open data connection");
  }
  await ctx.session.reply(150, 'Here it comes');
  for (let i = 0; i < count && !data.destroyed; ) {
    let chunk = '';
    for (const end = Math.min(count, i + 1000); i < end; i++) chunk += line(i);
    if (!data.write(chunk)) await untilDrainedOrClosed(data);
  }
  await new Promise<void>((resolve) => data.end(resolve));
  await ctx.session.reply(226, 'Transfer complete');
}

let server: FakeServer;
beforeAll(async () => {
  // 'big' (and 'tree/big'): ENTRIES files; 'tree': the folder big and one file.
  const where = (ctx: CommandContext) => resolvePath(ctx.session.cwd, ctx.arg);
  server = await startFakeServer({
    handlers: {
      FEAT,
      MLSD: (ctx) => {
        const path = where(ctx);
        if (path.endsWith('big')) return sendLazily(ctx, mlsdLine, ENTRIES);
        const lines = ['type=dir;modify=20260101120000; big\r\n', 'type=file;size=5;modify=20260101120000; readme.txt\r\n'];
        return sendLazily(ctx, (i) => lines[i]!, path === 'tree' ? 2 : 0);
      },
      LIST: (ctx) => sendLazily(ctx, listLine, ENTRIES),
    },
  });
  return () => server.close();
});
afterAll(() => server?.close());

interface Measured {
  code: number | null;
  lines: number;
  peakBytes: number;
  stderr: string;
}

/** Runs tftp under GNU time; every stdout line goes to `onLine` (nothing is kept). */
function measured(argv: string[], onLine: (line: string) => void = () => {}): Promise<Measured> {
  const child = spawn(TIME, ['-f', '%M', process.execPath, CLI, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  let lines = 0;
  let partial = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    const parts = (partial + text).split('\n');
    partial = parts.pop()!;
    lines += parts.length;
    for (const p of parts) onLine(p);
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  return new Promise((resolve) => {
    child.on('close', (code) => {
      const tail = stderr.trimEnd().split('\n');
      const peakBytes = Number(tail.pop()) * 1024;
      resolve({ code, lines, peakBytes, stderr: tail.join('\n') });
    });
  });
}

const at = () => ['-P', String(server.port), '127.0.0.1'];

describe.skipIf(!existsSync(TIME))(`listings of ${ENTRIES} entries, in bounded memory`, () => {
  it('ls: every LIST line, peak RSS bounded', async () => {
    let last = '';
    const r = await measured(['ls', ...at(), 'big'], (line) => (last = line));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.lines).toBe(ENTRIES);
    expect(last).toBe(listLine(ENTRIES - 1).trimEnd());
    expect(r.peakBytes).toBeLessThanOrEqual(LIMIT_PLAIN);
  }, 120_000);

  it('ls --json: one JSON array, every entry valid JSON in the server order, peak RSS bounded', async () => {
    let entry = '';
    let parsed = 0;
    let first = '';
    let last = '';
    let wrong = '';
    const r = await measured(['ls', '--json', ...at(), 'big'], (line) => {
      if (first === '') first = line;
      last = line;
      if (line === '  {') entry = '{';
      else if (line === '  },' || line === '  }') {
        const e = JSON.parse(entry + '}') as { name: string; size: number };
        if (e.size !== parsed && !wrong) wrong = entry; // in the order sent, none lost
        parsed++;
      } else if (line !== '[' && line !== ']') entry += line;
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect([first, last]).toEqual(['[', ']']);
    expect(wrong).toBe('');
    expect(parsed).toBe(ENTRIES);
    expect(r.lines).toBe(ENTRIES * 6 + 2);
    expect(r.peakBytes).toBeLessThanOrEqual(LIMIT_PARSED);
  }, 180_000);

  it('ls -l: one row per entry, peak RSS bounded', async () => {
    let last = '';
    const r = await measured(['ls', '-l', ...at(), 'big'], (line) => (last = line));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.lines).toBe(ENTRIES);
    expect(last).toMatch(new RegExp(`^-\\s+${ENTRIES - 1}\\s+2026-01-01 12:00\\s+f${String(ENTRIES - 1).padStart(7, '0')}$`));
    expect(r.peakBytes).toBeLessThanOrEqual(LIMIT_PARSED);
  }, 180_000);

  it('get -r --dry-run of a tree holding the folder: one plan line per file, peak RSS bounded, nothing written', async () => {
    const local = await mkdtemp(join(tmpdir(), 'tftp-plan-'));
    try {
      const dest = join(local, 'out');
      let n = 0;
      let wrong = '';
      const r = await measured(['get', '-r', '--dry-run', ...at(), 'tree', dest], (line) => {
        const i = n++ - 1; // the first line is readme.txt (the server's order)
        const name = i < 0 ? 'readme.txt' : `big/f${String(i).padStart(7, '0')}`;
        if (line !== `tree/${name} -> ${join(dest, name)}` && !wrong) wrong = line;
      });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(wrong).toBe('');
      expect(r.lines).toBe(ENTRIES + 1);
      expect(await readdir(local)).toEqual([]);
      expect(r.peakBytes).toBeLessThanOrEqual(LIMIT_PARSED);
    } finally {
      await rm(local, { recursive: true, force: true });
    }
  }, 180_000);
});
