import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeServer, waitUntil, type FakeServer, type DataFault } from '../support/fake-server.js';
import { spawnTftp, tftp } from '../support/cli.js';

// --segments goes through the same transfer path as every download: a
// stalled range times out, Ctrl-C stops every range, and the sidecar counts
// only bytes that reached the disk.

const data = randomBytes(8 * 1024 * 1024);
const step = data.length / 4;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
let local: string;
let server: FakeServer | undefined;
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-segf-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(local, { recursive: true, force: true });
});

/** A server whose third range (REST 2*step) misbehaves as `fault` says; the others are served. */
async function serveWithBadRange(fault: DataFault): Promise<FakeServer> {
  const s = await startFakeServer({ files: { 'big.bin': data } });
  s.handlers.RETR = (ctx) => {
    if (ctx.session.rest === 2 * step) ctx.server.dataFaults.RETR = fault;
    else delete ctx.server.dataFaults.RETR;
    return ctx.fallback();
  };
  return s;
}

const args = (s: FakeServer) => ['get', '--segments', '4', '-P', String(s.port), '127.0.0.1', 'big.bin'];

describe('--segments faults', () => {
  it('a stalled range fails after --timeout (exit 6) instead of hanging; -c then completes the file', async () => {
    server = await serveWithBadRange({ type: 'stall', bytes: 100_000 });
    const dest = join(local, 'big.bin');
    const t = performance.now();
    const r = await tftp([...args(server), dest, '--timeout', '1']);
    expect(performance.now() - t).toBeLessThan(8000);
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toMatch(/^tftp: [^\n]*stalled[^\n]*\n$/);
    expect(existsSync(dest)).toBe(false);
    server.handlers.RETR = (ctx) => ctx.fallback();
    delete server.dataFaults.RETR;
    const again = await tftp([...args(server), dest, '-c']);
    expect(again.code, again.stderr).toBe(0);
    expect(sha(await readFile(dest))).toBe(sha(data));
  }, 20_000);

  it('the first Ctrl-C stops every range: exit 130, ABOR sent, no final file', async () => {
    server = await serveWithBadRange({ type: 'hold', bytes: 100_000 });
    const dest = join(local, 'big.bin');
    const { child, done } = spawnTftp([...args(server), dest, '--timeout', '10']);
    const s = server;
    await waitUntil(() => s.held > 0 && s.commands.filter((c) => c.startsWith('REST ')).length === 4, 10_000, 'the held range');
    await new Promise((r) => setTimeout(r, 300)); // the other ranges are done by now
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/^tftp: [^\n]*interrupted[^\n]*\n$/);
    expect(s.verbs()).toContain('ABOR');
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(dest + '.part.segments')).toBe(true);
  }, 20_000);

  describe('on a disk that fills up', () => {
    let small: string;
    let mounted = false;
    beforeEach(() => {
      small = join(local, 'small');
      execFileSync('mkdir', [small]);
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', small], { stdio: 'ignore' });
        mounted = true;
      } catch {
        mounted = false;
      }
    });
    afterEach(() => {
      if (mounted) execFileSync('umount', [small]);
    });

    it('exit 7 naming the .part; the sidecar claims only bytes on disk, so -c after freeing space gives the right file', async (ctx) => {
      if (!mounted) return ctx.skip();
      server = await startFakeServer({ files: { 'big.bin': data } });
      const dest = join(small, 'big.bin');
      const r = await tftp([...args(server), dest]);
      expect(r.code).toBe(7);
      expect(r.stderr).toMatch(/big\.bin\.part: no space left on device\n$/);
      const state = JSON.parse(await readFile(dest + '.part.segments', 'utf8')) as { ranges: { start: number; done: number }[] };
      const part = await readFile(dest + '.part');
      for (const range of state.ranges) {
        expect(part.subarray(range.start, range.done).equals(data.subarray(range.start, range.done))).toBe(true);
      }
      execFileSync('mount', ['-o', 'remount,size=64m', small]);
      const again = await tftp([...args(server), dest, '-c']);
      expect(again.code, again.stderr).toBe(0);
      expect(sha(await readFile(dest))).toBe(sha(data));
      expect(statSync(dest).size).toBe(data.length);
    }, 20_000);
  });
});
