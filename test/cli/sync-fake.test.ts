import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeServer, type CommandContext, type FakeServer } from '../support/fake-server.js';
import { serveFs, type FakeFs } from '../support/fake-fs.js';
import { spawnTftp, tftp } from '../support/cli.js';
import { files, finalName } from '../support/sync-trees.js';

// tftp sync against a server with only LIST (no MLSD), its times three hours
// off UTC, no MFMT; and a corrupt state file, names no local file can take.

let server: FakeServer;
let fs: FakeFs;
let local: string;

beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-sync-fake-'));
});
afterEach(async () => {
  await server?.close();
  await rm(local, { recursive: true, force: true });
});

async function start(opts: Parameters<typeof serveFs>[1] = { offsetHours: 3 }): Promise<void> {
  server = await startFakeServer();
  fs = serveFs(server, opts);
}

const url = (path: string) => `ftp://127.0.0.1:${server.port}/${path}`;
const transfers = () => server.verbs().filter((v) => v === 'STOR' || v === 'RETR' || v === 'APPE');
/** Times a few minutes ago, to the second (as MDTM gives them). */
const minutesAgo = (n: number) => new Date(Math.floor((Date.now() - n * 60_000) / 1000) * 1000);

describe('sync download from a LIST-only server three hours ahead of UTC', () => {
  beforeEach(async () => {
    await start();
    fs.put('pub/a.bin', randomBytes(30_000), minutesAgo(30));
    fs.put('pub/sub/b.txt', 'bee', minutesAgo(20));
  });

  it.each([[3], [-5.75], [0]])('finds the offset (UTC%s h) with MDTM: times compare, so a second run fetches nothing', async (hours) => {
    if (hours !== 3) {
      await server.close();
      await start({ offsetHours: hours });
      fs.put('pub/a.bin', randomBytes(30_000), minutesAgo(30));
      fs.put('pub/sub/b.txt', 'bee', minutesAgo(20));
    }
    const dest = join(local, 'mirror');
    const r = await tftp(['sync', url('pub'), dest]);
    expect(r.code, r.stderr).toBe(0);
    expect((await readFile(join(dest, 'a.bin'))).equals(server.files.get('pub/a.bin')!)).toBe(true);
    expect((await stat(join(dest, 'a.bin'))).mtimeMs).toBe(fs.times.get('pub/a.bin')!.getTime());
    server.commands.length = 0;
    const again = await tftp(['sync', url('pub'), dest]);
    expect(again.code, again.stderr).toBe(0);
    expect(transfers()).toEqual([]);
    expect(again.stderr).not.toContain('cannot be compared');
  });

  it('a file changed on the server with the same size: only it comes again', async () => {
    const dest = join(local, 'mirror');
    expect((await tftp(['sync', url('pub'), dest])).code).toBe(0);
    fs.put('pub/sub/b.txt', 'BEE', minutesAgo(2));
    server.commands.length = 0;
    const r = await tftp(['sync', url('pub'), dest]);
    expect(r.code, r.stderr).toBe(0);
    expect(server.commands.filter((c) => c.startsWith('RETR'))).toEqual(['RETR pub/sub/b.txt']);
    expect(await readFile(join(dest, 'sub/b.txt'), 'utf8')).toBe('BEE');
  });

  it('without MDTM, LIST times are not compared (a notice says so): sizes decide', async () => {
    await server.close();
    await start({ offsetHours: 3, mdtm: false });
    fs.put('pub/a.bin', randomBytes(1000), minutesAgo(30));
    const dest = join(local, 'mirror');
    expect((await tftp(['sync', url('pub'), dest])).code).toBe(0);
    server.commands.length = 0;
    const r = await tftp(['sync', url('pub'), dest]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("the server's times cannot be compared");
    expect(transfers()).toEqual([]);
  });

  it('names no local file can take are reported, never mangled; the run fails (exit 10) and deletes nothing', async () => {
    await server.close();
    await start({ offsetHours: 3, extraLines: { pub: ['-rw-r--r-- 1 ftp ftp          4 Jan 01  2020 back\\slash.txt'] } });
    fs.put('pub/good.txt', 'good', minutesAgo(5));
    const dest = join(local, 'mirror');
    await mkdir(dest);
    await writeFile(join(dest, 'extra.txt'), 'stays');
    const r = await tftp(['sync', '--delete', url('pub'), dest]);
    expect(r.code).toBe(10);
    expect(r.stderr).toContain('back\\slash.txt');
    expect(r.stderr).toContain('a path separator in the name');
    expect(await readFile(join(dest, 'good.txt'), 'utf8')).toBe('good');
    expect(await readFile(join(dest, 'extra.txt'), 'utf8')).toBe('stays');
    expect([...(await files(dest)).keys()].sort()).toEqual(['extra.txt', 'good.txt']);
  });

  it('--checksum: the server\'s XSHA256 against ours, whatever the times say', async () => {
    await server.close();
    await start({ offsetHours: 3, xsha256: true });
    fs.put('pub/same.bin', 'same bytes', minutesAgo(30));
    fs.put('pub/differs.bin', 'AAAA', minutesAgo(30));
    const dest = join(local, 'mirror');
    await mkdir(dest);
    await writeFile(join(dest, 'same.bin'), 'same bytes');
    await writeFile(join(dest, 'differs.bin'), 'BBBB');
    const r = await tftp(['sync', '--checksum', url('pub'), dest]);
    expect(r.code, r.stderr).toBe(0);
    expect(server.commands.filter((c) => c.startsWith('RETR'))).toEqual(['RETR pub/differs.bin']);
    expect(server.commands.filter((c) => c.startsWith('XSHA256')).sort()).toEqual(['XSHA256 pub/differs.bin', 'XSHA256 pub/same.bin']);
    expect(await readFile(join(dest, 'differs.bin'), 'utf8')).toBe('AAAA');
  });
});

describe('sync upload to a LIST-only server without MFMT', () => {
  beforeEach(() => start());

  async function tree(): Promise<string> {
    const src = join(local, 'site');
    await mkdir(join(src, 'a/b'), { recursive: true });
    await writeFile(join(src, 'top.txt'), 'top');
    await writeFile(join(src, 'a/b/deep.bin'), randomBytes(10_000));
    return src;
  }

  it('first run makes the folders and sends the files; the second sends nothing', async () => {
    const src = await tree();
    const r = await tftp(['sync', src, url('site')]);
    expect(r.code, r.stderr).toBe(0);
    expect([...fs.folders].sort()).toEqual(['', 'site', 'site/a', 'site/a/b']);
    expect((await readFile(join(src, 'a/b/deep.bin'))).equals(server.files.get('site/a/b/deep.bin')!)).toBe(true);
    // Folders before their files.
    const verbs = server.commands.map((c) => c.split(' ')[0]);
    expect(verbs.lastIndexOf('MKD')).toBeLessThan(verbs.indexOf('STOR'));
    server.commands.length = 0;
    const again = await tftp(['sync', src, url('site')]);
    expect(again.code, again.stderr).toBe(0);
    expect(transfers()).toEqual([]);
    expect(again.stderr).toContain('no MFMT');
  });

  it('a local name no FTP command can carry (a line feed) is reported, not sent, and the run fails (exit 10)', async () => {
    const src = await tree();
    await writeFile(join(src, 'bad\nname.txt'), 'x');
    const r = await tftp(['sync', src, url('site')]);
    expect(r.code).toBe(10);
    expect(r.stderr).toContain('a CR, LF or NUL in the name');
    expect([...server.files.keys()].sort()).toEqual(['site/a/b/deep.bin', 'site/top.txt']);
  });

  it('a corrupt state file is said in a notice and rebuilt from the listing: nothing is sent again', async () => {
    const src = await tree();
    expect((await tftp(['sync', src, url('site')])).code).toBe(0);
    fs.put('site/.tftp-sync.json', '{"tftpSync": 1, "files": {"top.txt": ', minutesAgo(1));
    server.commands.length = 0;
    const r = await tftp(['sync', src, url('site'), '--state']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/state file site\/\.tftp-sync\.json is unreadable: not JSON .*: comparing by size and time instead, and writing it anew/);
    expect(server.commands.filter((c) => c.startsWith('STOR') && !c.includes('.tftp-sync'))).toEqual([]);
    const state = JSON.parse(server.files.get('site/.tftp-sync.json')!.toString());
    expect(Object.keys(state.files).sort()).toEqual(['a/b/deep.bin', 'top.txt']);
    expect(state.files['top.txt'].size).toBe(3);
    expect(state.files['top.txt'].mtime).toBe((await stat(join(src, 'top.txt'))).mtimeMs);
  });

  it('an upload interrupted by Ctrl-C (SIGINT to the process), run again, sends only the rest', async () => {
    const src = join(local, 'many');
    await mkdir(src);
    for (let i = 0; i < 12; i++) await writeFile(join(src, `f${i}.bin`), randomBytes(50_000 + i));
    // The fifth STOR never completes: the run is stopped there.
    let stors = 0;
    const hold = server.handlers.STOR as (ctx: CommandContext) => Promise<void>;
    server.handlers.STOR = async (ctx) => {
      if (!ctx.arg.includes('.tftp-sync') && ++stors === 5) return new Promise(() => {});
      return hold(ctx);
    };
    const child = spawnTftp(['sync', '-j', '1', src, url('many'), '--state']);
    const deadline = Date.now() + 10_000;
    while (stors < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    child.child.kill('SIGINT');
    const first = await child.done;
    expect(first.code).toBe(130);
    server.handlers.STOR = hold;
    // The state was written as the files arrived (the first at once), under a temporary name renamed into place.
    const state = JSON.parse(server.files.get('many/.tftp-sync.json')!.toString());
    expect(Object.keys(state.files).length).toBeGreaterThan(0);
    expect(server.commands).toContain('RNTO many/.tftp-sync.json');
    const before = new Map(server.files);
    server.commands.length = 0;
    const again = await tftp(['sync', '-j', '1', src, url('many'), '--state']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('state file');
    const sent = server.commands.filter((c) => c.startsWith('STOR') && !c.includes('.tftp-sync')).map((c) => finalName(c.slice('STOR '.length)).slice('many/'.length));
    const mine = await files(src);
    const doneBefore = [...mine].filter(([k, v]) => before.get(`many/${k}`)?.equals(v)).map(([k]) => k);
    expect(doneBefore.length).toBe(4);
    expect(sent.sort()).toEqual([...mine.keys()].filter((k) => !doneBefore.includes(k)).sort());
    for (const [k, v] of mine) expect(server.files.get(`many/${k}`)!.equals(v), k).toBe(true);
  });
});

describe('sync and the state file on the local side', () => {
  beforeEach(() => start());

  it('a download records what it fetched; touched local files are not fetched again', async () => {
    fs.put('pub/x.txt', 'xx', minutesAgo(10));
    const dest = join(local, 'mirror');
    expect((await tftp(['sync', url('pub'), dest, '--state'])).code).toBe(0);
    const state = JSON.parse(await readFile(join(dest, '.tftp-sync.json'), 'utf8'));
    expect(state.files['x.txt']).toEqual({ size: 2, mtime: expect.any(Number), sha256: createHash('sha256').update('xx').digest('hex') });
    await utimes(join(dest, 'x.txt'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    server.commands.length = 0;
    const r = await tftp(['sync', url('pub'), dest, '--state']);
    expect(r.code, r.stderr).toBe(0);
    expect(transfers()).toEqual([]);
    expect(existsSync(join(dest, '.tftp-sync.json.tmp'))).toBe(false);
  });
});
