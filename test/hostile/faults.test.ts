import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeServer, type DataFault, type FakeServer } from '../support/fake-server.js';
import { tftp, type CliResult } from '../support/cli.js';

// A download that breaks: exit 6 in bounded time with one clear line, the
// .part keeps a correct prefix, the final name is not created (or keeps its
// old content), and -c then completes the file byte for byte.

let local: string;
let server: FakeServer | undefined;
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-faults-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(local, { recursive: true, force: true });
});

const TIMEOUT_S = 1;
const data = randomBytes(300_000);
const args = (s: FakeServer) => ['127.0.0.1', '-P', String(s.port), '--timeout', String(TIMEOUT_S)];

function expectOneLine(r: CliResult, code: number, message: RegExp) {
  expect(r.stderr).toMatch(/^tftp: [^\n]*\n$/);
  expect(r.stderr.trimEnd()).toMatch(message);
  expect(r.code).toBe(code);
}

/** Runs `tftp get` and returns its result with the time it took, in ms. */
async function timedGet(s: FakeServer, dest: string, extra: string[] = []): Promise<CliResult & { ms: number }> {
  const t = performance.now();
  const r = await tftp(['get', ...extra, ...args(s), 'f.bin', dest]);
  return { ...r, ms: performance.now() - t };
}

/** After a failure: a .part holding a prefix of the data, and the final name untouched. */
async function expectPartAndFinal(dest: string, old: Buffer | undefined, minPart = 0): Promise<number> {
  const part = await readFile(dest + '.part');
  expect(part.length).toBeGreaterThanOrEqual(minPart);
  expect(part.length).toBeLessThan(data.length);
  expect(part.equals(data.subarray(0, part.length))).toBe(true);
  if (old) expect((await readFile(dest)).equals(old)).toBe(true);
  else expect(existsSync(dest)).toBe(false);
  return part.length;
}

/** -c against a healthy server completes the file from the .part's length. */
async function expectResumeCompletes(s: FakeServer, dest: string, partLength: number) {
  s.dataFaults = {};
  delete s.handlers.RETR;
  s.commands.length = 0;
  const r = await tftp(['get', '-c', ...args(s), 'f.bin', dest]);
  expect(r.stderr).toMatch(/^downloaded f\.bin/);
  expect(r.code).toBe(0);
  if (partLength > 0) expect(s.commands).toContain(`REST ${partLength}`);
  expect((await readFile(dest)).equals(data)).toBe(true);
  expect(existsSync(dest + '.part')).toBe(false);
}

const drops: [string, DataFault, RegExp][] = [
  ['dropped, then 226', { type: 'truncate', bytes: 100_000 }, /^tftp: transfer incomplete: received 100000 of 300000 bytes$/],
  ['dropped, then 426', { type: 'truncate', bytes: 100_000, reply: '426 Connection closed; transfer aborted.' }, /^tftp: 426 Connection closed; transfer aborted\.$/],
  ['dropped, then 451', { type: 'truncate', bytes: 100_000, reply: '451 Local error in processing.' }, /^tftp: 451 Local error in processing\.$/],
  ['reset (RST), then 426', { type: 'reset', bytes: 100_000, reply: '426 Connection reset.' }, /^tftp: (426 Connection reset\.|data connection failed: .*)$/],
];
// The slow ones (no reply, a stall) are in stall.test.ts.

describe.each([
  ['no local file before', undefined],
  ['an older local file before', Buffer.from('the old content, to be kept until a complete download replaces it')],
])('a download that breaks, %s', (_when, old) => {
  it.each(drops)('%s: exit 6, .part kept, -c completes', async (_name, fault, message) => {
    server = await startFakeServer({ files: { 'f.bin': data }, dataFaults: { RETR: fault } });
    const dest = join(local, 'f.bin');
    if (old) await writeFile(dest, old);
    const r = await timedGet(server, dest);
    expectOneLine(r, 6, message);
    expect(r.ms).toBeLessThan(2000);
    const partLength = await expectPartAndFinal(dest, old, fault.type === 'reset' ? 0 : 100_000);
    await expectResumeCompletes(server, dest, partLength);
  });
});

describe('fewer bytes than announced', () => {
  it('the 150 announces the size, SIZE is not supported, and a 226 follows a short file: exit 6', async () => {
    server = await startFakeServer({ files: { 'f.bin': data }, handlers: { SIZE: '502 SIZE not implemented' }, dataFaults: { RETR: { type: 'truncate', bytes: 1234 } } });
    const dest = join(local, 'f.bin');
    const r = await timedGet(server, dest);
    expectOneLine(r, 6, /^tftp: transfer incomplete: received 1234 of 300000 bytes$/);
    await expectPartAndFinal(dest, undefined, 1234);
  });

  it('a resumed transfer that falls short of SIZE is incomplete too', async () => {
    server = await startFakeServer({ files: { 'f.bin': data }, dataFaults: { RETR: { type: 'truncate', bytes: 1000 } } });
    const dest = join(local, 'f.bin');
    await writeFile(dest + '.part', data.subarray(0, 50_000));
    const r = await timedGet(server, dest, ['-c']);
    expectOneLine(r, 6, /^tftp: transfer incomplete: received 1000 of 250000 bytes$/);
    expect(server.commands).toContain('REST 50000');
    expect((await readFile(dest + '.part')).equals(data.subarray(0, 51_000))).toBe(true);
    await expectResumeCompletes(server, dest, 51_000);
  });
});

describe('the server gives up (421, 4xx, 5xx)', () => {
  it('421 as the greeting: exit 3 with the server\'s text', async () => {
    server = await startFakeServer({ greeting: '421 Too many users, try again later' });
    const r = await timedGet(server, join(local, 'f.bin'));
    expectOneLine(r, 3, /^tftp: .*421 Too many users, try again later$/);
    expect(server.commands).toEqual([]);
  });

  it('421 right after login: exit 6 with the server\'s text', async () => {
    server = await startFakeServer({
      files: { 'f.bin': data },
      handlers: {
        TYPE: async ({ session }) => {
          await session.reply(421, 'Idle too long, closing');
          session.destroy();
        },
      },
    });
    const dest = join(local, 'f.bin');
    const r = await timedGet(server, dest);
    expectOneLine(r, 6, /^tftp: 421 Idle too long, closing$/);
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(dest + '.part')).toBe(false);
  });

  it('421 and a hang-up in the middle of the data: exit 6 with the text, .part kept, -c completes', async () => {
    server = await startFakeServer({ files: { 'f.bin': data }, dataFaults: { RETR: { type: 'hold', bytes: 100_000 } } });
    server.handlers.RETR = async (ctx) => {
      const transfer = ctx.fallback();
      while (ctx.server.held === 0) await new Promise((r) => setTimeout(r, 5));
      await ctx.session.reply(421, 'Server shutting down');
      ctx.session.destroy();
      await transfer;
    };
    const dest = join(local, 'f.bin');
    const r = await timedGet(server, dest);
    expectOneLine(r, 6, /^tftp: 421 Server shutting down$/);
    expect(r.ms).toBeLessThan(TIMEOUT_S * 1000 + 3000);
    const partLength = await expectPartAndFinal(dest, undefined, 100_000);
    await expectResumeCompletes(server, dest, partLength);
  });

  /** A port nothing listens on: the passive data connection to it is refused at once. */
  async function closedPort(): Promise<number> {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((r) => probe.close(r));
    return port;
  }

  // A regression test: this once failed.
  it.each([
    ['421', '421 Service not available, closing control connection'],
    ['425', "425 Can't open data connection"],
  ])('%s instead of 150, the data port closed: exit 6 with the server\'s text', async (_code, reply) => {
    const port = await closedPort();
    server = await startFakeServer({
      files: { 'f.bin': data },
      epsvReply: `229 Entering Extended Passive Mode (|||${port}|)`,
      handlers: {
        RETR: async ({ session }) => {
          await new Promise((r) => setTimeout(r, 100));
          await session.canned(reply);
          if (reply.startsWith('421')) session.destroy();
        },
      },
    });
    const dest = join(local, 'f.bin');
    const r = await timedGet(server, dest);
    expectOneLine(r, 6, new RegExp(`^tftp: ${reply}$`));
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(dest + '.part')).toBe(false);
  });

  it('the data fault close421 (421, hang-up, no data connection): exit 6, nothing left behind', async () => {
    server = await startFakeServer({ files: { 'f.bin': data }, dataFaults: { RETR: { type: 'close421' } } });
    const dest = join(local, 'f.bin');
    const r = await timedGet(server, dest);
    expectOneLine(r, 6, /^tftp: (421 Service not available, closing control connection|data connection: .*)$/);
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(dest + '.part')).toBe(false);
  });

  it('the data fault refuse (425): exit 6, nothing left behind', async () => {
    server = await startFakeServer({ files: { 'f.bin': data }, dataFaults: { RETR: { type: 'refuse' } } });
    const dest = join(local, 'f.bin');
    const r = await timedGet(server, dest);
    expectOneLine(r, 6, /^tftp: (425 Can't open data connection|data connection: .*)$/);
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(dest + '.part')).toBe(false);
  });

  it('530 at login: exit 4', async () => {
    server = await startFakeServer({ files: { 'f.bin': data }, handlers: { PASS: '530 Login incorrect.' } });
    const r = await timedGet(server, join(local, 'f.bin'));
    expectOneLine(r, 4, /^tftp: login rejected: 530 Login incorrect\.$/);
    expect(server.verbs()).not.toContain('RETR');
  });

  it('550 for the file: exit 5, nothing left behind, an older local file untouched', async () => {
    server = await startFakeServer();
    const dest = join(local, 'f.bin');
    await writeFile(dest, 'old');
    const r = await timedGet(server, dest);
    expectOneLine(r, 5, /^tftp: 550 No such file$/);
    expect(await readFile(dest, 'utf8')).toBe('old');
    expect(existsSync(dest + '.part')).toBe(false);
  });
});
