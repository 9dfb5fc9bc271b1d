import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFtpSrv, type RunningFtpSrv } from '../support/ftpsrv.js';
import { startFakeServer } from '../support/fake-server.js';
import { tftp } from '../support/cli.js';

let server: RunningFtpSrv;
let local: string;
const files = new Map<string, Buffer>();

beforeAll(async () => {
  server = await startFtpSrv();
  await mkdir(join(server.root, 'tree/sub/deeper'), { recursive: true });
  await mkdir(join(server.root, 'many'));
  for (const [name, size] of [['tree/a.bin', 70_000], ['tree/with space.txt', 10], ['tree/sub/b.bin', 1_000_000], ['tree/sub/deeper/c.bin', 0]] as const) {
    const body = randomBytes(size);
    files.set(name, body);
    await writeFile(join(server.root, name), body);
  }
  for (let i = 0; i < 200; i++) await writeFile(join(server.root, 'many', `f${String(i).padStart(3, '0')}.bin`), randomBytes(4096 + i));
});
afterAll(() => server.close());
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-tree-'));
  return () => rm(local, { recursive: true, force: true });
});

const at = () => ['-P', String(server.port), '127.0.0.1'];
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('get -r', () => {
  it('downloads a tree byte-identical, folders included', async () => {
    const r = await tftp(['get', '-r', ...at(), 'tree', join(local, 'out')]);
    expect(r.stderr).toMatch(/^downloaded 4 files/);
    expect(r.code).toBe(0);
    for (const [name, body] of files) expect((await readFile(join(local, 'out', name.slice('tree/'.length)))).equals(body)).toBe(true);
  });

  it('fetches 200 files over 8 connections, all byte-identical', async () => {
    const r = await tftp(['get', '-r', '-j', '8', ...at(), 'many', local]);
    expect(r.code).toBe(0);
    const names = await readdir(local);
    expect(names).toHaveLength(200);
    for (const name of names) expect(sha(await readFile(join(local, name)))).toBe(sha(await readFile(join(server.root, 'many', name))));
  });

  it('-j 1: each next RETR goes ahead as soon as the last file is complete, and every file arrives whole', async () => {
    const r = await tftp(['get', '-v', '-j', '1', ...at(), 'many/f0[0-3]?.bin', local]);
    expect(r.code).toBe(0);
    const names = await readdir(local);
    expect(names).toHaveLength(40);
    for (const name of names) expect(sha(await readFile(join(local, name)))).toBe(sha(await readFile(join(server.root, 'many', name))));
    const lines = r.stderr.split('\n');
    const ahead = lines.flatMap((l, i) => (l === '* the next transfer goes ahead:' ? [lines[i + 2]] : []));
    // The first file goes the usual way; every other one was sent ahead, each once.
    expect(ahead).toHaveLength(39);
    expect(new Set(ahead).size).toBe(39);
    expect(lines.filter((l) => l.startsWith('> RETR '))).toHaveLength(40);
  });

  it('nothing goes ahead with -p, --retries, -c or --ascii: they have commands of their own around each file', async () => {
    for (const flag of ['-p', '--retries=1', '-c', '--ascii']) {
      const r = await tftp(['get', '-v', '-r', '-j', '1', flag, ...at(), 'many/f01?.bin', join(local, flag)]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toContain('goes ahead');
      expect(await readdir(join(local, flag))).toHaveLength(10);
    }
  });

  it('takes a wildcard and reports NDJSON events with --json', async () => {
    const r = await tftp(['get', '--json', ...at(), 'many/f00?.bin', local]);
    expect(r.code).toBe(0);
    const events = r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l));
    const done = events.filter((e) => e.event === 'done');
    expect(done.map((e) => e.file).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `many/f00${i}.bin`));
    for (const e of done) expect(e.sha256).toBe(sha(await readFile(join(server.root, e.file))));
    expect(events.at(-1)).toMatchObject({ event: 'summary', files: 10, ok: 10, failed: 0 });
    expect(r.stderr).toBe('');
  });

  it('-c skips complete files and --dry-run transfers nothing', async () => {
    await tftp(['get', '-r', ...at(), 'tree', local]);
    const again = await tftp(['get', '-r', '-c', '--json', ...at(), 'tree', local]);
    expect(again.code).toBe(0);
    const skips = again.stdout.toString().trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.event === 'skip');
    expect(skips).toHaveLength(4);
    const dry = await tftp(['get', '-r', '--dry-run', ...at(), 'tree', join(local, 'dry')]);
    expect(dry.code).toBe(0);
    expect(dry.stdout.toString()).toMatch(/tree\/sub\/b\.bin -> /);
    expect(existsSync(join(local, 'dry'))).toBe(false);
  });
});

describe('get -r -c and modification times', () => {
  it('fetches again a same-size local file older than the remote one', async () => {
    const { utimes } = await import('node:fs/promises');
    await tftp(['get', '-r', ...at(), 'tree', local]);
    const stale = join(local, 'a.bin');
    await writeFile(stale, Buffer.alloc(70_000)); // same size, wrong bytes
    await utimes(stale, new Date('2001-01-01T00:00:00Z'), new Date('2001-01-01T00:00:00Z'));
    const r = await tftp(['get', '-r', '-c', '--json', ...at(), 'tree', local]);
    expect(r.code).toBe(0);
    const events = r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l));
    expect(events.filter((e) => e.event === 'done').map((e) => e.file)).toEqual(['tree/a.bin']);
    expect((await readFile(stale)).equals(files.get('tree/a.bin')!)).toBe(true);
  });
});

describe('get -r against hostile listings', () => {
  it('writes nothing outside the target and reports every refused name; a failed file gives exit 10', async () => {
    const listing = [
      '-rw-r--r-- 1 0 0 5 Nov 25 13:39 ../evil',
      '-rw-r--r-- 1 0 0 5 Nov 25 13:39 a/b',
      '-rw-r--r-- 1 0 0 5 Nov 25 13:39 ..',
      '-rw-r--r-- 1 0 0 5 Nov 25 13:39 good.txt',
      '-rw-r--r-- 1 0 0 5 Nov 25 13:39 missing.txt',
      'lrwxrwxrwx 1 0 0 5 Nov 25 13:39 link -> /etc/passwd',
    ].join('\r\n');
    const fake = await startFakeServer({ files: { 'dir/good.txt': 'good!' } });
    fake.listings.set('dir', listing + '\r\n');
    try {
      const out = join(local, 'inner');
      const r = await tftp(['get', '-r', '-P', String(fake.port), '127.0.0.1', 'dir', out]);
      // A refused name is a file not downloaded: it fails the run, as a failed transfer does.
      expect(r.stderr).toMatch(/^ {2}dir\/\.\.\/evil: refused: a path separator/m);
      expect(r.stderr).toMatch(/^ {2}dir\/a\/b: refused/m);
      expect(r.stderr).toMatch(/skipped "dir\/link": symbolic link to \/etc\/passwd/);
      expect(r.stderr).toMatch(/dir\/missing\.txt: 550/);
      expect(r.code).toBe(10);
      expect(await readFile(join(out, 'good.txt'), 'utf8')).toBe('good!');
      expect(existsSync(join(local, 'evil'))).toBe(false);
      expect((await readdir(local)).sort()).toEqual(['inner']);
    } finally {
      await fake.close();
    }
  });
});

describe('put -r', () => {
  it('uploads a tree byte-identical over several connections', async () => {
    const src = join(local, 'src');
    await mkdir(join(src, 'x/y'), { recursive: true });
    const bodies: [string, Buffer][] = [['one.bin', randomBytes(50_000)], ['x/two.bin', randomBytes(3)], ['x/y/three.bin', randomBytes(200_000)]];
    for (const [name, body] of bodies) await writeFile(join(src, name), body);
    const r = await tftp(['put', '-r', '-j', '3', ...at(), src, 'uploaded']);
    expect(r.code).toBe(0);
    for (const [name, body] of bodies) expect((await readFile(join(server.root, 'uploaded', name))).equals(body)).toBe(true);
  });
});

describe('ls --json and -l', () => {
  it('prints parsed entries', async () => {
    const r = await tftp(['ls', '--json', ...at(), 'tree']);
    expect(r.code).toBe(0);
    const entries = JSON.parse(r.stdout.toString());
    expect(entries.find((e: { name: string }) => e.name === 'with space.txt')).toMatchObject({ type: 'file', size: 10 });
    expect(entries.find((e: { name: string }) => e.name === 'sub')).toMatchObject({ type: 'dir' });
    const long = await tftp(['ls', '-l', ...at(), 'tree']);
    expect(long.stdout.toString()).toMatch(/^-\S*\s+70000\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+a\.bin$/m);
  });
});

describe('--sha256', () => {
  it('keeps a matching download and refuses a mismatch with exit 11', async () => {
    const body = files.get('tree/a.bin')!;
    const good = await tftp(['get', '--sha256', sha(body), ...at(), 'tree/a.bin', join(local, 'a.bin')]);
    expect(good.code).toBe(0);
    const bad = await tftp(['get', '--sha256', '0'.repeat(64), ...at(), 'tree/a.bin', join(local, 'b.bin')]);
    expect(bad.code).toBe(11);
    expect(bad.stderr).toMatch(/does not match/);
    expect(existsSync(join(local, 'b.bin'))).toBe(false);
  });
});
