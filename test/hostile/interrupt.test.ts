import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeServer, waitUntil, type FakeServer, type FakeServerOptions } from '../support/fake-server.js';
import { spawnTftp, type CliResult } from '../support/cli.js';

// Ctrl-C (SIGINT) against the real command, bin/tftp.js (built by `npm test`),
// while a transfer is under way: ABOR, the server's 426 + 226 (or 226 alone,
// or nothing) accepted, the connection closed, the .part kept, exit 130, one line.

let local: string;
let server: FakeServer | undefined;
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-sigint-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(local, { recursive: true, force: true });
});

const data = randomBytes(1024 * 1024);
const HELD = 200_000;
const args = (s: FakeServer) => ['127.0.0.1', '-P', String(s.port), '--timeout', '5'];

interface Interrupted extends CliResult {
  /** The signal that killed the process, if it did not exit by itself. */
  signal: NodeJS.Signals | null;
  /** ms from SIGINT to exit. */
  ms: number;
}

/** Runs tftp, sends SIGINT (or `how`) once `ready()` holds, and waits for it to exit. */
async function interrupt(argv: string[], ready: () => boolean, how: NodeJS.Signals = 'SIGINT'): Promise<Interrupted> {
  const { child, done } = spawnTftp(argv, { cwd: local });
  let signal: NodeJS.Signals | null = null;
  child.on('exit', (_code, s) => (signal = s));
  try {
    await waitUntil(ready, 10_000, 'the transfer to be under way');
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const t = performance.now();
  child.kill(how);
  const r = await done;
  return { ...r, signal, ms: performance.now() - t };
}

function expectInterrupted(r: Interrupted, code = 130) {
  expect(r.signal).toBeNull(); // it exited by itself, not killed by the signal
  expect(r.stderr).toMatch(/^tftp: [^\n]*interrupted[^\n]*\n$/);
  expect(r.code).toBe(code);
}

async function serve(opts: FakeServerOptions): Promise<FakeServer> {
  server = await startFakeServer({ files: { 'f.bin': data }, ...opts });
  return server;
}

const partSize = (path: string) => (existsSync(path) ? statSync(path).size : 0);

describe('Ctrl-C during get', () => {
  it.each<[string, FakeServerOptions['handlers']]>([
    ['426 then 226 (the usual answer)', {}],
    [
      'a lone 226',
      {
        ABOR: ({ session }) => {
          session.transfer?.data.destroy();
          return session.reply(226, 'ABOR successful');
        },
      },
    ],
  ])('the server answers ABOR with %s: exit 130, .part kept', async (_name, handlers) => {
    const s = await serve({ dataFaults: { RETR: { type: 'hold', bytes: HELD } }, handlers });
    const dest = join(local, 'f.bin');
    const r = await interrupt(['get', ...args(s), 'f.bin', dest], () => s.held > 0 && partSize(dest + '.part') >= HELD);
    expectInterrupted(r);
    expect(r.ms).toBeLessThan(2000);
    expect(s.verbs()).toContain('ABOR');
    const part = await readFile(dest + '.part');
    expect(part.equals(data.subarray(0, HELD))).toBe(true);
    expect(existsSync(dest)).toBe(false);
    await waitUntil(() => s.sessions.every((x) => x.socket.destroyed), 2000, 'the client to close');
  });

  it('the server ignores ABOR: exit 130 all the same, within the 3 s grace', async () => {
    const s = await serve({ dataFaults: { RETR: { type: 'hold', bytes: HELD } }, handlers: { ABOR: () => undefined } });
    const dest = join(local, 'f.bin');
    const r = await interrupt(['get', ...args(s), 'f.bin', dest], () => s.held > 0 && partSize(dest + '.part') >= HELD);
    expectInterrupted(r);
    expect(r.ms).toBeLessThan(4500);
    expect(s.verbs()).toContain('ABOR');
    expect((await readFile(dest + '.part')).equals(data.subarray(0, HELD))).toBe(true);
  });

  it('then -c completes the file', async () => {
    const s = await serve({ dataFaults: { RETR: { type: 'hold', bytes: HELD } } });
    const dest = join(local, 'f.bin');
    expectInterrupted(await interrupt(['get', ...args(s), 'f.bin', dest], () => s.held > 0 && partSize(dest + '.part') >= HELD));
    s.dataFaults = {};
    const again = await spawnTftp(['get', '-c', ...args(s), 'f.bin', dest]).done;
    expect(again.code).toBe(0);
    expect(s.commands).toContain(`REST ${HELD}`);
    expect((await readFile(dest)).equals(data)).toBe(true);
  });
});

// CI systems cancel a job with SIGTERM, a closed terminal sends SIGHUP: both
// stop tftp as Ctrl-C does, with 128 + the signal's number.
describe.each<[NodeJS.Signals, number]>([
  ['SIGTERM', 143],
  ['SIGHUP', 129],
])('%s during get', (how, code) => {
  it(`ABOR, the .part kept for -c, one line naming the signal, exit ${code}`, async () => {
    const s = await serve({ dataFaults: { RETR: { type: 'hold', bytes: HELD } } });
    const dest = join(local, 'f.bin');
    const r = await interrupt(['get', ...args(s), 'f.bin', dest], () => s.held > 0 && partSize(dest + '.part') >= HELD, how);
    expectInterrupted(r, code);
    expect(r.stderr).toContain(`interrupted by ${how}`);
    expect(r.ms).toBeLessThan(2000);
    expect(s.verbs()).toContain('ABOR');
    expect((await readFile(dest + '.part')).equals(data.subarray(0, HELD))).toBe(true);
    expect(existsSync(dest)).toBe(false);
    s.dataFaults = {};
    const again = await spawnTftp(['get', '-c', ...args(s), 'f.bin', dest]).done;
    expect(again.code).toBe(0);
    expect((await readFile(dest)).equals(data)).toBe(true);
  });

  it(`while waiting for the greeting: exit ${code} at once`, async () => {
    const s = await serve({ greeting: () => undefined });
    const r = await interrupt(['get', ...args(s), 'f.bin', join(local, 'f.bin')], () => s.sessions.length > 0, how);
    expectInterrupted(r, code);
    expect(r.ms).toBeLessThan(1000);
  });
});

describe('Ctrl-C during put', () => {
  it('with the upload blocked mid-file: ABOR, exit 130, the local file untouched', async () => {
    const s = await serve({ dataFaults: { STOR: { type: 'hold', bytes: HELD } } });
    const src = join(local, 'up.bin');
    // Larger than what the loopback's socket buffers absorb, so the client is still sending.
    const big = randomBytes(8 * 1024 * 1024);
    await writeFile(src, big);
    const r = await interrupt(['put', ...args(s), src, 'up.bin'], () => s.held > 0);
    expectInterrupted(r);
    expect(r.ms).toBeLessThan(2000);
    expect(s.verbs()).toContain('ABOR');
    expect(s.uploads[0]!.data.equals(big.subarray(0, HELD))).toBe(true);
    expect((await readFile(src)).equals(big)).toBe(true);
  });
});

describe('Ctrl-C outside a transfer', () => {
  it('while waiting for the greeting: exit 130 at once, no ABOR', async () => {
    const s = await serve({ greeting: () => undefined });
    const r = await interrupt(['get', ...args(s), 'f.bin', join(local, 'f.bin')], () => s.sessions.length > 0);
    expectInterrupted(r);
    expect(r.ms).toBeLessThan(1000);
    expect(s.verbs()).not.toContain('ABOR');
    expect(existsSync(join(local, 'f.bin.part'))).toBe(false);
  });
});
