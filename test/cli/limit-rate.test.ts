import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFtpSrv, TEST_CA, type RunningFtpSrv } from '../support/ftpsrv.js';
import { tftp } from '../support/cli.js';
import { parseRate } from '../../src/cli/options.js';
import { connect } from '../../src/index.js';

// Loose bounds only: these prove a transfer is slowed at all, and that the
// connections of one run share one budget. bench/limit-rate.js measures accuracy.
let server: RunningFtpSrv;
let local: string;
const body = randomBytes(384 * 1024);
const parts = [0, 1, 2, 3].map(() => randomBytes(96 * 1024));

beforeAll(async () => {
  server = await startFtpSrv();
  await writeFile(join(server.root, 'body.bin'), body);
  await mkdir(join(server.root, 'tree'));
  for (const [i, p] of parts.entries()) await writeFile(join(server.root, 'tree', `p${i}.bin`), p);
});
afterAll(() => server.close());
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-rate-'));
  return () => rm(local, { recursive: true, force: true });
});

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await work();
  return [result, (performance.now() - start) / 1000];
}

// 384 KiB at 256 KiB/s: 1.5 s (less a twentieth of a second of burst). Unlimited, it takes milliseconds.
describe('--limit-rate', () => {
  it('slows a download into a file, and the file is whole', async () => {
    const [r, seconds] = await timed(() => tftp(['get', '-q', '--limit-rate', '256K', `${server.url}/body.bin`, join(local, 'body.bin')]));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((await readFile(join(local, 'body.bin'))).equals(body)).toBe(true);
    expect(seconds).toBeGreaterThan(1.2);
    expect(seconds).toBeLessThan(15);
  });

  it('slows a download to stdout (the stream path)', async () => {
    const [r, seconds] = await timed(() => tftp(['get', '-q', '--limit-rate', '256K', `${server.url}/body.bin`, '-']));
    expect(r.code).toBe(0);
    expect(r.stdout.equals(body)).toBe(true);
    expect(seconds).toBeGreaterThan(1.2);
  });

  it('slows an upload, and the server has every byte', async () => {
    await writeFile(join(local, 'up.bin'), body);
    const [r, seconds] = await timed(() => tftp(['put', '-q', '--limit-rate', '256K', `${server.url}/up-limited.bin`, join(local, 'up.bin')]));
    expect(r.code).toBe(0);
    expect((await readFile(join(server.root, 'up-limited.bin'))).equals(body)).toBe(true);
    expect(seconds).toBeGreaterThan(1.2);
  });

  it('shares one budget between the -j 4 connections of a tree', async () => {
    // 4 x 96 KiB at 128 KiB/s together: 3 s; four budgets of their own would take 0.75 s.
    const [r, seconds] = await timed(() => tftp(['get', '-q', '-r', '-j', '4', '--limit-rate', '128K', `${server.url}/tree`, join(local, 'tree')]));
    expect(r.code).toBe(0);
    for (const [i, p] of parts.entries()) expect((await readFile(join(local, 'tree', `p${i}.bin`))).equals(p)).toBe(true);
    expect(seconds).toBeGreaterThan(2.4);
  });

  it('shares one budget between the -j 4 connections of a sync', async () => {
    // The same 4 x 96 KiB, deployed: 3 s at 128 KiB/s together.
    await mkdir(join(local, 'site'));
    for (const [i, p] of parts.entries()) await writeFile(join(local, 'site', `p${i}.bin`), p);
    const [r, seconds] = await timed(() => tftp(['sync', '-q', '-j', '4', '--limit-rate', '128K', join(local, 'site'), `${server.url}/synced/`]));
    expect(r.code, r.stderr.toString()).toBe(0);
    for (const [i, p] of parts.entries()) expect((await readFile(join(server.root, 'synced', `p${i}.bin`))).equals(p)).toBe(true);
    expect(seconds).toBeGreaterThan(2.4);
  });

  it('leaves an exact prefix in the .part when interrupted, and -c finishes it', async () => {
    const dest = join(local, 'cut.bin');
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 600);
    const cut = await tftp(['get', '-q', '--limit-rate', '128K', `${server.url}/body.bin`, dest], { signal: stop.signal });
    expect(cut.code).toBe(130);
    const part = await readFile(dest + '.part');
    // Slowed: about 0.6 s of 128 KiB/s arrived, far from the whole file.
    expect(part.length).toBeGreaterThan(0);
    expect(part.length).toBeLessThan(body.length / 2);
    expect(part.equals(body.subarray(0, part.length))).toBe(true);
    const rest = await tftp(['get', '-q', '-c', '--limit-rate', '4M', `${server.url}/body.bin`, dest]);
    expect(rest.code).toBe(0);
    expect((await readFile(dest)).equals(body)).toBe(true);
  });

  it('refuses a rate it cannot read: one line, exit 2', async () => {
    for (const bad of ['fast', '2X', '0', '-5K', '']) {
      const r = await tftp(['get', '--limit-rate', bad, `${server.url}/body.bin`, join(local, 'x')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--limit-rate.*expected a rate in bytes a second/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it("reads curl's syntax: plain bytes, K, M and G in powers of 1024", () => {
    expect(parseRate('65536')).toBe(65536);
    expect(parseRate('500K')).toBe(500 * 1024);
    expect(parseRate('500k')).toBe(500 * 1024);
    expect(parseRate('2M')).toBe(2 * 1024 * 1024);
    expect(parseRate('1.5m')).toBe(1.5 * 1024 * 1024);
    expect(parseRate('1G')).toBe(1024 ** 3);
  });
});

describe('the library limitRate option', () => {
  it('slows a download over the connect() client', async () => {
    const ftp = await connect(server.url, { limitRate: 256 * 1024 });
    try {
      const dest = join(local, 'lib.bin');
      const [, seconds] = await timed(() => ftp.download('body.bin', dest));
      expect((await readFile(dest)).equals(body)).toBe(true);
      expect(seconds).toBeGreaterThan(1.2);
    } finally {
      await ftp.close();
    }
  });
});

describe('--limit-rate under FTPS', () => {
  it('slows the files of one connection, those read through TLS into the transfer\'s buffers too, and every file is whole', async () => {
    const secure = await startFtpSrv({ tls: 'explicit' });
    try {
      await mkdir(join(secure.root, 'tree'));
      for (const [i, p] of parts.entries()) await writeFile(join(secure.root, 'tree', `p${i}.bin`), p);
      // 4 x 96 KiB at 128 KiB/s: 3 s. After the first file, the data connections are dialled by TLS and read into onread buffers.
      const [r, seconds] = await timed(() =>
        tftp(['get', '-q', '-r', '-j', '1', '--tls', '--ca-file', TEST_CA, '--limit-rate', '128K', '-P', String(secure.port), '127.0.0.1', 'tree', join(local, 'tree')]),
      );
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      for (const [i, p] of parts.entries()) expect((await readFile(join(local, 'tree', `p${i}.bin`))).equals(p)).toBe(true);
      expect(seconds).toBeGreaterThan(2.4);
      expect(seconds).toBeLessThan(20);
    } finally {
      await secure.close();
    }
  });
});
