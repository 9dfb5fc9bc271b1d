import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeServer, type DataFault, type FakeServer } from '../support/fake-server.js';
import { tftp } from '../support/cli.js';

// The slow ways a download breaks: the server says nothing, or the data stops.
// Each ends with exit 6 within --timeout plus the client's fixed 3 s grace for
// the server's last word, never hangs, and leaves a .part that -c completes.
// They are slow by nature, so they run concurrently, each with its own server
// and folder.

const TIMEOUT_S = 0.5;
const GRACE_MS = 3000; // SETTLE_MS in src/core/transfer.ts
const data = randomBytes(300_000);
const old = Buffer.from('an older copy, kept until a complete download replaces it');
const args = (s: FakeServer) => ['127.0.0.1', '-P', String(s.port), '--timeout', String(TIMEOUT_S)];

/** A fresh server and folder for one test, removed afterwards. */
async function withServer(run: (server: FakeServer, local: string) => Promise<void>): Promise<void> {
  const server = await startFakeServer({ files: { 'f.bin': data } });
  const local = await mkdtemp(join(tmpdir(), 'tftp-stall-'));
  try {
    await run(server, local);
  } finally {
    await server.close();
    await rm(local, { recursive: true, force: true });
  }
}

describe.concurrent('a download where the server goes quiet', () => {
  it.each<[string, DataFault, RegExp, number]>([
    ['dropped, then no reply', { type: 'truncate', bytes: 100_000, reply: null }, /^tftp: no reply from server in \d+ s after the transfer$/, 100_000],
    ['reset (RST), then no reply', { type: 'reset', bytes: 100_000, reply: null }, /^tftp: data connection failed: .*$/, 0],
    ['stalled past --timeout', { type: 'stall', bytes: 100_000 }, /^tftp: transfer stalled: no data for \d+ s$/, 100_000],
  ])('%s: exit 6 in bounded time, .part kept, old file kept, -c completes', (_name, fault, message, minPart) =>
    withServer(async (server, local) => {
      server.dataFaults.RETR = fault;
      const dest = join(local, 'f.bin');
      await writeFile(dest, old);
      const t = performance.now();
      const r = await tftp(['get', ...args(server), 'f.bin', dest]);
      const ms = performance.now() - t;
      expect(r.stderr).toMatch(/^tftp: [^\n]*\n$/);
      expect(r.stderr.trimEnd()).toMatch(message);
      expect(r.code).toBe(6);
      expect(ms).toBeLessThan(TIMEOUT_S * 1000 + GRACE_MS + 2000);

      const part = await readFile(dest + '.part');
      expect(part.length).toBeGreaterThanOrEqual(minPart);
      expect(part.equals(data.subarray(0, part.length))).toBe(true);
      expect((await readFile(dest)).equals(old)).toBe(true);

      server.dataFaults = {};
      const again = await tftp(['get', '-c', ...args(server), 'f.bin', dest]);
      expect(again.code).toBe(0);
      if (part.length) expect(server.commands).toContain(`REST ${part.length}`);
      expect((await readFile(dest)).equals(data)).toBe(true);
      expect(existsSync(dest + '.part')).toBe(false);
    }),
  );

  it('--retries resumes a stalled download from its .part instead of starting over', () =>
    withServer(async (server, local) => {
      let n = 0;
      server.handlers.RETR = (ctx) => {
        if (n++ === 0) ctx.server.dataFaults.RETR = { type: 'stall', bytes: 120_000 };
        else delete ctx.server.dataFaults.RETR;
        return ctx.fallback();
      };
      const dest = join(local, 'f.bin');
      const r = await tftp(['get', '--retries', '1', '--retry-delay', '0.05', ...args(server), 'f.bin', dest]);
      expect(r.stderr).toMatch(/^tftp: transfer stalled: no data for \d+ s; retrying in 0\.05 s \(1\/1\)$/m);
      expect(r.code).toBe(0);
      expect(server.commands.filter((c) => c.startsWith('REST '))).toEqual(['REST 120000']);
      expect((await readFile(dest)).equals(data)).toBe(true);
      expect(existsSync(dest + '.part')).toBe(false);
    }));
});
