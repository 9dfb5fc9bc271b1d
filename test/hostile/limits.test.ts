import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flood, startFakeServer, type FakeServer, type FakeServerOptions, type FakeSession } from '../support/fake-server.js';
import { BIN, tftp, type CliResult } from '../support/cli.js';

// Endless or oversized replies end the session with exit 8, promptly, and
// what the client holds stays bounded (a line 8 KiB, a reply 256 KiB).

let local: string;
let server: FakeServer | undefined;
let gc: () => void;
beforeAll(async () => {
  setFlagsFromString('--expose-gc');
  gc = runInNewContext('gc') as () => void;
  // Warm up: load the lazily imported modules (commands, error reporting) before measuring.
  const warm = await startFakeServer({ files: { 'f.bin': 'data' }, handlers: { RETR: '550 no' } });
  const dir = await mkdtemp(join(tmpdir(), 'tftp-limits-'));
  await tftp(['get', ...args(warm), 'f.bin', join(dir, 'f.bin')]);
  await warm.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-limits-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(local, { recursive: true, force: true });
});

const MiB = 1024 * 1024;
const GNU_TIME = '/usr/bin/time';
const args = (s: FakeServer) => ['127.0.0.1', '-P', String(s.port), '--timeout', '2'];

/** The greeting `head`, then `chunk` written forever (or `total` bytes). */
function greeting(head: string, chunk: string, total = Infinity) {
  const rest = flood(chunk, total);
  return async (session: FakeSession) => {
    await session.send(head);
    await rest(session);
  };
}

/** Runs a get in-process; returns its result, the time it took and how much the heap and RSS grew. */
async function measured(opts: FakeServerOptions): Promise<CliResult & { ms: number; heapGrowth: number; rssGrowth: number }> {
  server = await startFakeServer({ files: { 'f.bin': 'data' }, ...opts });
  gc();
  const before = process.memoryUsage();
  const t = performance.now();
  const r = await tftp(['get', ...args(server), 'f.bin', join(local, 'f.bin')]);
  const ms = performance.now() - t;
  gc();
  const after = process.memoryUsage();
  return { ...r, ms, heapGrowth: after.heapUsed - before.heapUsed, rssGrowth: after.rss - before.rss };
}

function expectProtocolError(r: CliResult, message: RegExp) {
  expect(r.code).toBe(8);
  expect(r.stderr).toMatch(/^tftp: [^\n]*\n$/);
  expect(r.stderr).toMatch(message);
  expect(existsSync(join(local, 'f.bin'))).toBe(false);
  expect(existsSync(join(local, 'f.bin.part'))).toBe(false);
}

describe('hostile greetings (in-process, memory measured)', () => {
  it.each<[string, FakeServerOptions['greeting'], RegExp]>([
    ['an endless multi-line greeting', greeting('220-Welcome\r\n', '220-spam spam spam spam spam spam spam\r\n'.repeat(1000)), /reply too long: over 262144 bytes/],
    ['a 1 MiB line', greeting('220 ', 'a'.repeat(64 * 1024), MiB), /reply too long: a line exceeds 8192 bytes/],
    ['an endless line', greeting('220 ', 'a'.repeat(64 * 1024)), /reply too long: a line exceeds 8192 bytes/],
    ['a million empty continuation lines', greeting('220-start\r\n', '\r\n'.repeat(1000), 2 * 1_000_000), /reply too long/],
    ['a million continuation lines', greeting('220-start\r\n', ' x\r\n'.repeat(1000), 4 * 1_000_000), /reply too long/],
    ['a NUL inside the greeting', '220 Hello\0 world', /malformed reply: NUL byte/],
    ['a NUL in a continuation line', '220-Hello\r\n \0\r\n220 ready\r\n', /malformed reply: NUL byte/],
    ['a malformed code', '2x0 Hello', /malformed reply/],
  ])('%s: exit 8, promptly, bounded memory', async (_name, g, message) => {
    const r = await measured({ greeting: g });
    expectProtocolError(r, message);
    expect(r.ms).toBeLessThan(1500);
    // Heap after a full GC is exact; RSS is noisy (V8 keeps freed pages), hence the margin.
    expect(r.heapGrowth).toBeLessThan(4 * MiB);
    expect(r.rssGrowth).toBeLessThan(32 * MiB);
  });

  it('endless unsolicited single-line replies: exit 8', async () => {
    const r = await measured({ greeting: greeting('220 Hello\r\n', '200 spam\r\n'.repeat(100)) });
    expectProtocolError(r, /unsolicited replies|unexpected reply: 200 spam/);
    expect(r.heapGrowth).toBeLessThan(4 * MiB);
  });
});

describe('hostile replies later in the session', () => {
  it('a NUL in the SIZE reply: exit 8', async () => {
    server = await startFakeServer({ files: { 'f.bin': 'data' }, handlers: { SIZE: '213 4\0' } });
    const r = await tftp(['get', ...args(server), 'f.bin', join(local, 'f.bin')]);
    expectProtocolError(r, /NUL byte/);
    expect(server.verbs()).not.toContain('RETR');
  });

  it('an endless reply to SIZE: exit 8', async () => {
    server = await startFakeServer({
      files: { 'f.bin': 'data' },
      handlers: { SIZE: ({ session }) => greeting('213-size follows\r\n', '213-0000000000\r\n'.repeat(1000))(session) },
    });
    const r = await tftp(['get', ...args(server), 'f.bin', join(local, 'f.bin')]);
    expectProtocolError(r, /reply too long/);
  });

  it('a SIZE too large to be exact: exit 8', async () => {
    server = await startFakeServer({ files: { 'f.bin': 'data' }, handlers: { SIZE: '213 99999999999999999999' } });
    const r = await tftp(['get', ...args(server), 'f.bin', join(local, 'f.bin')]);
    expectProtocolError(r, /malformed SIZE reply/);
  });

  it('an endless reply while the data connection is open: exit 8 before the idle timeout', async () => {
    server = await startFakeServer({ files: { 'f.bin': Buffer.alloc(100_000, 7) } });
    server.dataFaults.RETR = { type: 'stall', bytes: 1000 };
    server.handlers.RETR = async (ctx) => {
      void ctx.fallback();
      await new Promise((r) => setTimeout(r, 100));
      await greeting('226-and now\r\n', '226-more and more\r\n'.repeat(1000))(ctx.session);
    };
    const t = performance.now();
    const r = await tftp(['get', ...args(server), 'f.bin', join(local, 'f.bin')]);
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/^tftp: reply too long[^\n]*\n$/);
    expect(performance.now() - t).toBeLessThan(1800);
    expect(existsSync(join(local, 'f.bin'))).toBe(false);
  });
});

describe('the real command (bin/tftp.js): time and peak memory', () => {
  /** Runs bin/tftp.js under GNU time; returns its result and peak RSS in KiB (NaN without GNU time). */
  function peak(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult & { kib: number; ms: number }> {
    const out = join(local, `rss-${Math.random()}`);
    const timed = existsSync(GNU_TIME);
    const cmd = timed ? GNU_TIME : process.execPath;
    const cmdArgs = timed ? ['-f', '%M', '-o', out, process.execPath, BIN, ...argv] : [BIN, ...argv];
    const t = performance.now();
    return new Promise((resolve) => {
      const child = spawn(cmd, cmdArgs, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c));
      child.stdout.resume();
      child.on('close', async (code) => {
        const kib = timed ? Number((await readFile(out, 'utf8')).trim().split('\n').pop()) : NaN;
        resolve({ code: code ?? 1, stdout: Buffer.alloc(0), stderr, kib, ms: performance.now() - t });
      });
    });
  }

  it.each([
    ['an endless multi-line greeting', '220-Welcome\r\n', '220-spam spam spam spam spam\r\n'.repeat(1000)],
    ['an endless line', '220 ', 'a'.repeat(64 * 1024)],
    ['endless empty continuation lines', '220-Welcome\r\n', '\r\n'.repeat(1000)],
  ])('%s: exit 8 promptly, within a 32 MiB heap, peak RSS near a normal run\'s', async (_name, head, chunk) => {
    const normal = await startFakeServer({ files: { 'f.bin': 'data' } });
    try {
      const base = await peak(['get', ...args(normal), 'f.bin', join(local, 'f.bin')]);
      expect(base.code).toBe(0);
      await rm(join(local, 'f.bin'));
      server = await startFakeServer({ greeting: greeting(head, chunk) });
      const r = await peak(['get', ...args(server), 'f.bin', join(local, 'f.bin')], { NODE_OPTIONS: '--max-old-space-size=32' });
      expectProtocolError(r, /^tftp: reply too long/);
      expect(r.ms).toBeLessThan(3000);
      // The reader holds at most 256 KiB of reply; what the peak adds is transient garbage.
      if (!Number.isNaN(r.kib)) expect(r.kib - base.kib).toBeLessThan(24 * 1024);
    } finally {
      await normal.close();
    }
  });
});
