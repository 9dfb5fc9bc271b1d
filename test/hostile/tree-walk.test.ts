import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolvePath, startFakeServer, type FakeServer } from '../support/fake-server.js';
import { listing, lsLine, mlsdLine, serveTree } from '../support/fake-tree.js';
import { spawnTftp, tftp } from '../support/cli.js';

// get -r walking a remote tree: local folders that are links, listings that
// never end or cannot be read, and trees with nothing to download.

let server: FakeServer;
let local: string;
beforeEach(async () => {
  server = await startFakeServer();
  local = await mkdtemp(join(tmpdir(), 'tftp-walk-'));
});
afterEach(async () => {
  await server.close();
  await rm(local, { recursive: true, force: true });
});

const at = () => ['-P', String(server.port), '127.0.0.1'];
const count = (verb: string) => server.commands.filter((c) => c.startsWith(`${verb} `) || c === verb).length;

/** The --json events of a run. */
function events(r: { stdout: Buffer }): { event: string; file?: string; code?: number; message?: string; failed?: number; ok?: number }[] {
  return r.stdout.toString().trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}
const errors = (r: { stdout: Buffer }) => events(r).filter((e) => e.event === 'error');

/** Every depth of the endless tree holds f.txt with these bytes. */
const F = Buffer.from('hello');
/** RETR of any …/f.txt sends F: the endless tree's files exist at every depth. */
function serveEveryF() {
  server.handlers.RETR = (ctx) => {
    const name = ctx.arg.replace(/^\/+/, '');
    if (name.endsWith('/f.txt')) ctx.server.files.set(name, F);
    return ctx.fallback();
  };
}

describe('a local folder that is a symbolic link', () => {
  it('leading outside the target: nothing written through it, its entry failed, exit 10 since other files arrived', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'tftp-walk-outside-'));
    try {
      const a = randomBytes(2000);
      serveTree(server, { 'dir/a.txt': a, 'dir/sub/b.txt': randomBytes(100), 'dir/sub/c.txt': randomBytes(200) });
      const out = join(local, 'out');
      await mkdir(out);
      await symlink(outside, join(out, 'sub'));
      const r = await tftp(['get', '-r', '--json', ...at(), 'dir', out]);
      expect(r.code, r.stderr).toBe(10);
      expect(await readdir(outside)).toEqual([]);
      expect((await readFile(join(out, 'a.txt'))).equals(a)).toBe(true);
      expect(errors(r)).toEqual([expect.objectContaining({ file: 'dir/sub', code: 7, message: expect.stringMatching(/symbolic link/) })]);
      expect(events(r).at(-1)).toMatchObject({ event: 'summary', ok: 1, failed: 1 });
      expect(server.commands.filter((c) => c.startsWith('RETR dir/sub/'))).toEqual([]);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('the only entry: nothing written through it, exit 7', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'tftp-walk-outside-'));
    try {
      serveTree(server, { 'dir/sub/b.txt': randomBytes(100) });
      const out = join(local, 'out');
      await mkdir(out);
      await symlink(outside, join(out, 'sub'));
      const r = await tftp(['get', '-r', ...at(), 'dir', out]);
      expect(r.code, r.stderr).toBe(7);
      expect(r.stderr).toMatch(/^tftp: [^\n]*sub is a symbolic link[^\n]*\n$/);
      expect(await readdir(outside)).toEqual([]);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});

describe('the one file of several that failed', () => {
  it('is named on stderr, not only counted', async () => {
    serveTree(server, { 'dir/a.txt': randomBytes(10), 'dir/gone.txt': randomBytes(10) });
    server.files.delete('dir/gone.txt'); // listed, then refused with 550
    const r = await tftp(['get', '-r', ...at(), 'dir', join(local, 'out')]);
    expect(r.code, r.stderr).toBe(10);
    expect(r.stderr).toMatch(/1 of 2 files failed/);
    expect(r.stderr).toMatch(/dir\/gone\.txt[^\n]*550/);
  });
});

describe('get -r host dir/.. without a local name', () => {
  it('is refused with exit 2 before connecting, and nothing is written in the parent folder', async () => {
    server.listings.set('dir/..', listing([lsLine('top.txt', 5)]));
    server.files.set('dir/../top.txt', Buffer.from('hello'));
    const cwd = join(local, 'a', 'b');
    await mkdir(cwd, { recursive: true });
    const { done } = spawnTftp(['get', '-r', ...at(), 'dir/..'], { cwd });
    const r = await done;
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^tftp: [^\n]*\n$/);
    expect(await readdir(join(local, 'a'))).toEqual(['b']);
    expect(await readdir(cwd)).toEqual([]);
    expect(server.connections).toEqual([]);
  });
});

describe('listings that never end', () => {
  it('LIST: a folder that lists itself again (sub inside sub forever) is not entered: the walk ends at once, exit 10', async () => {
    server.handlers.LIST = (ctx) => {
      ctx.server.listings.set(resolvePath(ctx.session.cwd, ctx.arg), listing([lsLine('sub', 0, 'dir'), lsLine('f.txt', F.length)]));
      return ctx.fallback();
    };
    serveEveryF();
    const out = join(local, 'out');
    const r = await tftp(['get', '-r', '--json', ...at(), 'dir', out]);
    expect(r.code, r.stderr).toBe(10);
    expect(count('LIST')).toBeLessThanOrEqual(2);
    expect(errors(r)).toEqual([expect.objectContaining({ file: 'dir/sub', message: expect.stringMatching(/loop/) })]);
    expect((await readFile(join(out, 'f.txt'))).equals(F)).toBe(true);
    expect(existsSync(join(out, 'sub', 'sub'))).toBe(false);
  });

  it('MLSD: the same loop in machine listings ends as quickly, exit 10', async () => {
    server.handlers.FEAT = '211-Features:\r\n MLST type*;size*;modify*;\r\n EPSV\r\n SIZE\r\n REST STREAM\r\n UTF8\r\n211 End';
    server.handlers.MLSD = (ctx) => {
      ctx.server.mlsd.set(resolvePath(ctx.session.cwd, ctx.arg), listing([mlsdLine('sub', 0, 'dir'), mlsdLine('f.txt', F.length)]));
      return ctx.fallback();
    };
    serveEveryF();
    const out = join(local, 'out');
    const r = await tftp(['get', '-r', '--json', ...at(), 'dir', out]);
    expect(r.code, r.stderr).toBe(10);
    expect(count('MLSD')).toBeLessThanOrEqual(2);
    expect(count('LIST')).toBe(0);
    expect(errors(r)).toEqual([expect.objectContaining({ file: 'dir/sub', message: expect.stringMatching(/loop/) })]);
    expect((await readFile(join(out, 'f.txt'))).equals(F)).toBe(true);
  });

  it('a generated tree whose every level differs: stopped at the depth limit, and the run fails', async () => {
    let level = 0;
    server.handlers.LIST = (ctx) => {
      ctx.server.listings.set(resolvePath(ctx.session.cwd, ctx.arg), listing([lsLine('sub', 0, 'dir'), lsLine(`level${level++}.txt`, 1)]));
      return ctx.fallback();
    };
    const r = await tftp(['get', '-r', '--dry-run', ...at(), 'dir', join(local, 'out')]);
    expect(r.code).not.toBe(0);
    expect(count('LIST')).toBeLessThanOrEqual(66);
    expect(r.stderr).toMatch(/deeper than \d+ folders/);
  });
});

describe('listing lines that cannot be read', () => {
  it('the good files arrive, the bad lines are named on stderr, exit 10', async () => {
    const good1 = randomBytes(3000);
    const good2 = randomBytes(40);
    server.files.set('dir/good1.bin', good1);
    server.files.set('dir/good2.bin', good2);
    server.listings.set('dir', listing([lsLine('good1.bin', good1.length), 'this is no listing line', lsLine('good2.bin', good2.length), '-rw-r--r-- 1 ftp ftp notanumber Jan 01 2020 odd.bin']));
    const out = join(local, 'out');
    const r = await tftp(['get', '-r', ...at(), 'dir', out]);
    expect(r.code, r.stderr).toBe(10);
    expect((await readdir(out)).sort()).toEqual(['good1.bin', 'good2.bin']);
    expect((await readFile(join(out, 'good1.bin'))).equals(good1)).toBe(true);
    expect((await readFile(join(out, 'good2.bin'))).equals(good2)).toBe(true);
    expect(r.stderr).toMatch(/this is no listing line[^\n]*not understood/);
    expect(r.stderr).toMatch(/notanumber Jan 01 2020 odd\.bin[^\n]*not understood/);
  });
});

describe('nothing to download', () => {
  it('a wildcard matching nothing: exit 5, one clear line', async () => {
    serveTree(server, { 'dir/a.txt': Buffer.from('a'), 'dir/b.bin': Buffer.from('b') });
    const r = await tftp(['get', ...at(), 'dir/*.zip', local]);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toMatch(/^tftp: [^\n]*no remote file matches dir\/\*\.zip[^\n]*\n$/);
    expect(await readdir(local)).toEqual([]);
  });

  it('a folder whose every entry is left out (links, no --follow-links): exit 5, not 0', async () => {
    server.listings.set('dir', listing([lsLine('l1', 5, 'link', '/etc/passwd'), lsLine('l2', 5, 'link', 'elsewhere')]));
    const out = join(local, 'out');
    const r = await tftp(['get', '-r', ...at(), 'dir', out]);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toMatch(/skipped "dir\/l1"/);
    expect(r.stderr).toMatch(/skipped "dir\/l2"/);
    expect(r.stderr).toMatch(/^tftp: [^\n]*nothing to download[^\n]*\n$/m);
    expect(count('RETR')).toBe(0);
  });

  it('an empty remote folder: exit 0, an empty local folder', async () => {
    server.listings.set('empty', '');
    const out = join(local, 'out');
    const r = await tftp(['get', '-r', ...at(), 'empty', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(await readdir(out)).toEqual([]);
  });
});

describe('get -r of a file', () => {
  it('says it is a file (exit 2) instead of asking for file/file', async () => {
    serveTree(server, { 'dir/file.txt': Buffer.from('hello') });
    server.handlers.CWD = ({ session, server: s, arg }) => {
      const to = resolvePath(session.cwd, arg);
      if (s.files.has(to)) return session.reply(550, 'Not a directory');
      session.cwd = to;
      return session.reply(250, 'Directory changed');
    };
    const r = await tftp(['get', '-r', ...at(), 'dir/file.txt', join(local, 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('tftp: dir/file.txt is a file, not a folder: get it without -r\n');
    expect(server.commands.filter((c) => c.startsWith('RETR'))).toEqual([]);
  });
});
