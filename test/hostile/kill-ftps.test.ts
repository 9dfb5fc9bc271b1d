import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFtpSrv, TEST_CA, type RunningFtpSrv } from '../support/ftpsrv.js';
import { spawnTftp } from '../support/cli.js';

// kill -9 at moments spread over an FTPS `get -r -j 1` (the real command): after
// the first file, its data connections are dialled by TLS and read into the
// transfer's buffers. Whatever the moment, a final name holds the whole file and
// a .part an exact prefix of it; `get -r -c` then completes every file.

const FILES = ['a.bin', 'b.bin', 'c.bin'];
const bodies = new Map(FILES.map((f) => [f, randomBytes(16 * 1024 * 1024 + 333)]));
let server: RunningFtpSrv;
let local: string;
beforeAll(async () => {
  server = await startFtpSrv({ tls: 'explicit' });
  await mkdir(join(server.root, 'tree'));
  for (const [name, body] of bodies) await writeFile(join(server.root, 'tree', name), body);
  local = await mkdtemp(join(tmpdir(), 'tftp-kill-ftps-'));
});
afterAll(async () => {
  await server.close();
  await rm(local, { recursive: true, force: true });
});

const args = (dest: string, ...more: string[]) => ['get', '-q', '-r', '-j', '1', ...more, '--tls', '--ca-file', TEST_CA, '-P', String(server.port), '127.0.0.1', 'tree', dest];

/** Every file in `dir`: a final name is whole, a .part is a prefix of its source; returns how many bytes are there. */
async function checkOnDisk(dir: string): Promise<number> {
  let bytes = 0;
  if (!existsSync(dir)) return 0;
  for (const name of await readdir(dir)) {
    const data = await readFile(join(dir, name));
    bytes += data.length;
    const source = bodies.get(name.replace(/\.part$/, ''));
    expect(source, `unexpected file ${name}`).toBeDefined();
    if (name.endsWith('.part')) expect(source!.subarray(0, data.length).equals(data), `${name} is not a prefix`).toBe(true);
    else expect(data.equals(source!), `${name} is not whole`).toBe(true);
  }
  return bytes;
}

/** Bytes in `dir` now (final files and .part files), 0 while it does not exist. */
function bytesIn(dir: string): number {
  try {
    return readdirSync(dir).reduce((n, name) => n + statSync(join(dir, name)).size, 0);
  } catch {
    return 0;
  }
}

describe('kill -9 during an FTPS get -r', () => {
  it('leaves whole files and exact .part prefixes at any moment, and -c completes them', async () => {
    const total = FILES.length * bodies.get('a.bin')!.length;
    // Kill once this share of all the bytes is on disk: in the first file, and in the later ones read through TLS into our buffers.
    let cutShort = 0;
    for (const [i, share] of [0.1, 0.4, 0.55, 0.7, 0.9].entries()) {
      const dest = join(local, `run${i}`);
      const { child, done } = spawnTftp(args(dest));
      let exited = false;
      void done.then(() => (exited = true));
      while (!exited && bytesIn(dest) < share * total) await new Promise((resolve) => setTimeout(resolve, 1));
      child.kill('SIGKILL');
      const r = await done;
      const onDisk = await checkOnDisk(dest);
      // A run the kill came too late for is whole; one it cut short is counted.
      if (r.code === 0) expect(onDisk).toBe(total);
      else if (onDisk > 0 && onDisk < total) cutShort++;
      const resumed = await spawnTftp(args(dest, '-c')).done;
      expect(resumed.stderr).toBe('');
      expect(resumed.code).toBe(0);
      for (const [name, body] of bodies) expect((await readFile(join(dest, name))).equals(body), name).toBe(true);
      expect((await readdir(dest)).sort()).toEqual(FILES);
    }
    // The kills did land mid-transfer (the watch above is fast enough), not only before the first byte or after the last.
    expect(cutShort).toBeGreaterThanOrEqual(3);
  }, 90_000);
});
