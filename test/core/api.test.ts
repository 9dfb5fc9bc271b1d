import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Ftp, type TransferProgress } from '../../src/index.js';
import { startFtpSrv, type RunningFtpSrv } from '../support/ftpsrv.js';
import { resolvePath, startFakeServer } from '../support/fake-server.js';

// The library API against ftp-srv: every result is checked on the server's
// disk or byte for byte on ours.

let srv: RunningFtpSrv;
let local: string;
let ftp: Ftp;
const big = randomBytes(3 * 1024 * 1024 + 17);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  srv = await startFtpSrv({ users: { alice: 'secret' } });
});
afterAll(() => srv.close());
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-api-'));
  await rm(join(srv.root, 'pub'), { recursive: true, force: true });
  await mkdir(join(srv.root, 'pub/sub'), { recursive: true });
  await writeFile(join(srv.root, 'pub/big.bin'), big);
  await writeFile(join(srv.root, 'pub/sub/small.txt'), 'small\n');
  ftp = await connect(`ftp://alice@127.0.0.1:${srv.port}/`, { password: 'secret', timeoutMs: 5000 });
  return async () => {
    await ftp.close();
    await rm(local, { recursive: true, force: true });
  };
});

describe('connect() and Ftp', () => {
  it('list: entries with Date times; stat: a file, a folder, nothing', async () => {
    const entries = await ftp.list('pub');
    const file = entries.find((e) => e.name === 'big.bin')!;
    expect(file).toMatchObject({ type: 'file', size: big.length });
    expect(file.modified).toBeInstanceOf(Date);
    expect(entries.find((e) => e.name === 'sub')).toMatchObject({ type: 'dir' });
    expect(await ftp.stat('pub/big.bin')).toMatchObject({ type: 'file', size: big.length });
    expect(await ftp.stat('pub/sub')).toMatchObject({ type: 'dir' });
    expect(await ftp.stat('pub/nothing')).toBeUndefined();
  });

  it('download: whole and correct under the final name, progress in totals, then resume skips it', async () => {
    const seen: TransferProgress[] = [];
    const dest = join(local, 'big.bin');
    const r = await ftp.download('pub/big.bin', dest, { onProgress: (p) => seen.push(p) });
    expect(r.bytes).toBe(big.length);
    expect(sha(await readFile(dest))).toBe(sha(big));
    expect(existsSync(dest + '.part')).toBe(false);
    expect(seen.at(-1)).toMatchObject({ file: 'pub/big.bin', bytes: big.length, total: big.length });
    expect(seen.every((p, i) => i === 0 || p.bytes >= seen[i - 1]!.bytes)).toBe(true);
    const again = await ftp.download('pub/big.bin', dest, { resume: true });
    expect(again.skipped).toMatch(/already complete/);
  });

  it('download resume: goes on from the .part', async () => {
    const dest = join(local, 'big.bin');
    await writeFile(dest + '.part', big.subarray(0, 1_000_000));
    const seen: TransferProgress[] = [];
    const r = await ftp.download('pub/big.bin', dest, { resume: true, onProgress: (p) => seen.push(p) });
    expect(r.bytes).toBe(big.length - 1_000_000);
    expect(seen[0]!.bytes).toBe(1_000_000);
    expect(sha(await readFile(dest))).toBe(sha(big));
  });

  it('download with a wrong sha256: rejects with kind checksum, no file kept', async () => {
    const dest = join(local, 'big.bin');
    await expect(ftp.download('pub/big.bin', dest, { sha256: '0'.repeat(64) })).rejects.toMatchObject({ kind: 'checksum' });
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(dest + '.part')).toBe(false);
  });

  it('upload, mkdir -p, rename, remove: checked on the server', async () => {
    const src = join(local, 'up.bin');
    await writeFile(src, big);
    await ftp.mkdir('in/a/b', { recursive: true });
    await ftp.upload(src, 'in/a/b/up.bin');
    expect(sha(await readFile(join(srv.root, 'in/a/b/up.bin')))).toBe(sha(big));
    await ftp.rename('in/a/b/up.bin', 'in/a/moved.bin');
    expect(existsSync(join(srv.root, 'in/a/moved.bin'))).toBe(true);
    await ftp.remove('in', { recursive: true });
    expect(existsSync(join(srv.root, 'in'))).toBe(false);
    await expect(ftp.remove('in')).rejects.toMatchObject({ kind: 'permanent' });
  });

  it('removeDir, chmod and raw: checked on the server', async () => {
    await ftp.mkdir('empty');
    await ftp.removeDir('empty');
    expect(existsSync(join(srv.root, 'empty'))).toBe(false);
    await ftp.chmod('pub/big.bin', '600');
    expect((await stat(join(srv.root, 'pub/big.bin'))).mode & 0o777).toBe(0o600);
    await expect(ftp.chmod('pub/big.bin', 'u+x')).rejects.toMatchObject({ kind: 'argument' });
    const made = await ftp.raw('MKD by-raw');
    expect(made).toMatchObject({ code: 257, ok: true });
    expect((await stat(join(srv.root, 'by-raw'))).isDirectory()).toBe(true);
    expect(await ftp.raw('RMD no-such-folder')).toMatchObject({ ok: false, code: 550 });
    await expect(ftp.raw('LIST')).rejects.toMatchObject({ kind: 'argument' });
    await expect(ftp.raw('NOOP\r\nDELE pub/big.bin')).rejects.toMatchObject({ kind: 'argument' });
    expect(existsSync(join(srv.root, 'pub/big.bin'))).toBe(true);
    // The session is still in step: a transfer after a raw TYPE A is binary again.
    await ftp.raw('TYPE A');
    await ftp.download('pub/big.bin', join(local, 'after-raw.bin'));
    expect(sha(await readFile(join(local, 'after-raw.bin')))).toBe(sha(big));
  });

  it('remove with recursive refuses the login folder and /', async () => {
    for (const path of ['', '.', '/', '~', 'pub/..']) {
      await expect(ftp.remove(path, { recursive: true }), path).rejects.toMatchObject({ kind: 'argument' });
    }
    expect(existsSync(join(srv.root, 'pub/big.bin'))).toBe(true);
  });

  it('downloadTree and uploadTree over parallel connections, byte for byte', async () => {
    const tree = await ftp.downloadTree('pub', join(local, 'pub'), { parallel: 3 });
    expect(tree).toMatchObject({ files: 2, ok: 2, failures: [] });
    expect(sha(await readFile(join(local, 'pub/big.bin')))).toBe(sha(big));
    expect(await readFile(join(local, 'pub/sub/small.txt'), 'utf8')).toBe('small\n');
    const up = await ftp.uploadTree(join(local, 'pub'), 'copy', { parallel: 2 });
    expect(up).toMatchObject({ files: 2, ok: 2 });
    expect(sha(await readFile(join(srv.root, 'copy/big.bin')))).toBe(sha(big));
    expect((await readdir(join(srv.root, 'copy/sub'))).sort()).toEqual(['small.txt']);
    // The client is still usable after the trees.
    expect((await ftp.list('copy')).map((e) => e.name).sort()).toEqual(['big.bin', 'sub']);
  });
});

describe('downloadTree with a file that fails', () => {
  it('rejects with a PartialFailure once the others have arrived', async () => {
    const fake = await startFakeServer({ files: { 'd/a.txt': 'a', 'd/b.txt': 'b' }, handlers: {} });
    fake.listings.set('d', '-rw-r--r-- 1 0 0 1 Jan 01  2026 a.txt\r\n-rw-r--r-- 1 0 0 1 Jan 01  2026 b.txt\r\n-rw-r--r-- 1 0 0 1 Jan 01  2026 gone.txt\r\n');
    const client = await connect(`ftp://127.0.0.1:${fake.port}/`, { timeoutMs: 3000 });
    try {
      await expect(client.downloadTree('d', join(local, 'd'))).rejects.toMatchObject({ kind: 'partial' });
      expect(await readFile(join(local, 'd/a.txt'), 'utf8')).toBe('a');
    } finally {
      await client.close();
      await fake.close();
    }
  });
});

describe('remove with recursive on a server that lists a link to a folder', () => {
  it('removes the link with DELE and never enters it', async () => {
    // A link to a folder: listed as a link, and CWD into it works, as on real servers.
    const fake = await startFakeServer({ files: { 'tree/a.txt': 'a', 'tree/etc': '/etc', 'tree/etc/passwd': 'root' } });
    const folders = new Set(['', 'tree', 'tree/etc']);
    fake.handlers.CWD = ({ session, arg }) => {
      const p = resolvePath(session.cwd, arg);
      if (!folders.has(p)) return '550 Not a folder';
      session.cwd = p;
      return '250 OK';
    };
    fake.handlers.RMD = ({ arg }) => (folders.delete(arg) ? '250 Removed' : '550 No such folder');
    fake.listings.set('tree', '-rw-r--r-- 1 0 0 1 Jan 01  2026 a.txt\r\nlrwxrwxrwx 1 0 0 4 Jan 01  2026 etc -> /etc\r\n');
    fake.listings.set('tree/etc', '-rw-r--r-- 1 0 0 4 Jan 01  2026 passwd\r\n');
    const client = await connect(`ftp://127.0.0.1:${fake.port}/`, { timeoutMs: 3000 });
    try {
      await client.remove('tree', { recursive: true });
      expect(fake.commands.filter((c) => /^(DELE|RMD)/.test(c))).toEqual(['DELE tree/a.txt', 'DELE tree/etc', 'RMD tree']);
      expect(fake.files.has('tree/etc/passwd')).toBe(true);
    } finally {
      await client.close();
      await fake.close();
    }
  });
});
