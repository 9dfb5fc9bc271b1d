import { beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFtpSrv, type RunningFtpSrv } from '../support/ftpsrv.js';
import { tftp } from '../support/cli.js';

// rm, mkdir, rmdir, mv, chmod, stat and quote against ftp-srv: what they
// leave on the server's disk, their NDJSON, their exit codes.

let server: RunningFtpSrv;
beforeEach(async () => {
  server = await startFtpSrv();
  return () => server.close();
});

const at = (...p: string[]) => join(server.root, ...p);
const host = () => ['127.0.0.1', '-P', String(server.port)];
const put = (path: string, body = 'x') => {
  mkdirSync(join(server.root, path, '..'), { recursive: true });
  writeFileSync(at(path), body);
};
const events = (stdout: Buffer) => stdout.toString().trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
/** The commands a -v trace shows going out. */
const sent = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('> ')).map((l) => l.slice(2));

describe('tftp mkdir', () => {
  it('makes folders; -p makes missing parents and accepts existing ones', async () => {
    const r = await tftp(['mkdir', ...host(), 'one', 'two']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(statSync(at('one')).isDirectory()).toBe(true);
    expect(statSync(at('two')).isDirectory()).toBe(true);
    mkdirSync(at('a/b'), { recursive: true });
    const p = await tftp(['mkdir', '-p', '--json', ...host(), 'a/b/c/d', 'a/b', 'one']);
    expect(p.stderr).toBe('');
    expect(p.code).toBe(0);
    expect(statSync(at('a/b/c/d')).isDirectory()).toBe(true);
    expect(events(p.stdout)).toEqual([
      { event: 'created', path: 'a/b/c/d' },
      { event: 'created', path: 'a/b' },
      { event: 'created', path: 'one' },
      expect.objectContaining({ event: 'summary', paths: 3, ok: 3, failed: 0 }),
    ]);
  });
  // ftp-srv's MKD makes parents and accepts an existing folder (mkdir -p): the refusal is tested on the fake server.
});

describe('tftp rm', () => {
  it('removes files; a missing one is exit 5 naming it, or nothing with -f', async () => {
    put('a.txt');
    put('sub/b.txt');
    const r = await tftp(['rm', '--json', ...host(), 'a.txt', 'sub/b.txt']);
    expect(r.code).toBe(0);
    expect(existsSync(at('a.txt'))).toBe(false);
    expect(existsSync(at('sub/b.txt'))).toBe(false);
    expect(existsSync(at('sub'))).toBe(true);
    expect(events(r.stdout).slice(0, 2)).toEqual([
      { event: 'removed', path: 'a.txt', type: 'file' },
      { event: 'removed', path: 'sub/b.txt', type: 'file' },
    ]);
    const missing = await tftp(['rm', ...host(), 'a.txt']);
    expect(missing.code).toBe(5);
    expect(missing.stderr).toMatch(/^tftp: a\.txt: /);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    const forced = await tftp(['rm', '-f', ...host(), 'a.txt', 'sub/*.gz']);
    expect(forced.stderr).toBe('');
    expect(forced.code).toBe(0);
  });

  it('goes on after a failed path and lists it: exit 10, the others removed', async () => {
    put('x.txt');
    put('y.txt');
    const r = await tftp(['rm', ...host(), 'x.txt', 'nope.txt', 'y.txt']);
    expect(r.code).toBe(10);
    expect(existsSync(at('x.txt'))).toBe(false);
    expect(existsSync(at('y.txt'))).toBe(false);
    expect(r.stderr).toMatch(/^failed:\n {2}nope\.txt: .+\ntftp: 1 of 3 paths failed/m);
  });

  it('expands a wildcard in the folder listing: only the matching files go; matching nothing is exit 5', async () => {
    for (const n of ['a.gz', 'b.gz', 'keep.log', 'c.gz.txt']) put(`logs/${n}`);
    const r = await tftp(['rm', ...host(), 'logs/*.gz']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readdirSync(at('logs')).sort()).toEqual(['c.gz.txt', 'keep.log']);
    const none = await tftp(['rm', ...host(), 'logs/*.zip']);
    expect(none.code).toBe(5);
    expect(none.stderr).toMatch(/^tftp: logs\/\*\.zip: no remote file matches logs\/\*\.zip\n$/);
    expect(readdirSync(at('logs')).sort()).toEqual(['c.gz.txt', 'keep.log']);
  });

  it('refuses a folder without -r, saying so', async () => {
    mkdirSync(at('dir'));
    put('dir/f');
    const r = await tftp(['rm', ...host(), 'dir']);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/^tftp: dir: /);
    expect(existsSync(at('dir/f'))).toBe(true);
  });

  it('-r removes a folder and everything in it, depth first', async () => {
    put('tree/a.bin', 'a');
    put('tree/sub/b.bin', 'b');
    put('tree/sub/deeper/c.bin', 'c');
    mkdirSync(at('tree/empty'));
    put('other/keep.bin');
    const r = await tftp(['rm', '-r', '--json', ...host(), 'tree']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(existsSync(at('tree'))).toBe(false);
    expect(existsSync(at('other/keep.bin'))).toBe(true);
    const removed = events(r.stdout).filter((e) => e.event === 'removed');
    expect(removed.map((e) => e.path).sort()).toEqual(['tree', 'tree/a.bin', 'tree/empty', 'tree/sub', 'tree/sub/b.bin', 'tree/sub/deeper', 'tree/sub/deeper/c.bin']);
    // Each folder after everything in it.
    const order = removed.map((e) => e.path as string);
    for (const folder of ['tree/sub/deeper', 'tree/sub', 'tree']) {
      expect(order.filter((p) => p.startsWith(`${folder}/`)).every((p) => order.indexOf(p) < order.indexOf(folder))).toBe(true);
    }
  });

  it.each([['/'], ['.'], [''], ['~'], ['./'], ['a/..'], ['..'], ['~/']])('-r refuses %j before connecting (exit 2), the server untouched', async (path) => {
    put('precious.bin');
    const r = await tftp(['rm', '-r', '-v', ...host(), path]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/refusing to remove .* recursively \(--force-root/);
    expect(sent(r.stderr)).toEqual([]);
    expect(existsSync(at('precious.bin'))).toBe(true);
  });

  it('-r --dry-run prints what would go and sends no DELE or RMD', async () => {
    put('tree/a.bin');
    put('tree/sub/b.bin');
    const r = await tftp(['rm', '-r', '--dry-run', '-v', ...host(), 'tree']);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe('would remove tree/a.bin\nwould remove tree/sub/b.bin\nwould remove folder tree/sub\nwould remove folder tree\n');
    expect(sent(r.stderr).filter((c) => /^(DELE|RMD|SITE|RNFR|RNTO|STOR|MKD)\b/.test(c))).toEqual([]);
    expect(existsSync(at('tree/sub/b.bin'))).toBe(true);
  });
});

describe('tftp rmdir', () => {
  it('removes empty folders; a folder with files is exit 5 and stays', async () => {
    mkdirSync(at('empty'));
    put('full/f.bin');
    const r = await tftp(['rmdir', ...host(), 'empty']);
    expect(r.code).toBe(0);
    expect(existsSync(at('empty'))).toBe(false);
    const full = await tftp(['rmdir', ...host(), 'full']);
    expect(full.code).toBe(5);
    expect(full.stderr).toMatch(/^tftp: full: 550 /);
    expect(existsSync(at('full/f.bin'))).toBe(true);
  });

  it('--dry-run sends no RMD', async () => {
    mkdirSync(at('empty'));
    const r = await tftp(['rmdir', '--dry-run', '-v', ...host(), 'empty']);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe('would remove folder empty\n');
    expect(sent(r.stderr).filter((c) => c.startsWith('RMD'))).toEqual([]);
    expect(existsSync(at('empty'))).toBe(true);
  });
});

describe('tftp mv', () => {
  it('renames, and into a folder with a trailing /, bytes unchanged', async () => {
    put('a.txt', 'alpha');
    mkdirSync(at('archive'));
    const r = await tftp(['mv', '--json', ...host(), 'a.txt', 'b.txt']);
    expect(r.code).toBe(0);
    expect(events(r.stdout)[0]).toEqual({ event: 'renamed', path: 'a.txt', to: 'b.txt' });
    expect(readFileSync(at('b.txt'), 'utf8')).toBe('alpha');
    const into = await tftp(['mv', `ftp://127.0.0.1:${server.port}/b.txt`, 'archive/']);
    expect(into.code).toBe(0);
    expect(readFileSync(at('archive/b.txt'), 'utf8')).toBe('alpha');
    expect(existsSync(at('b.txt'))).toBe(false);
  });

  it('a missing source is exit 5 naming it; a missing <to> is exit 2', async () => {
    const r = await tftp(['mv', ...host(), 'none.txt', 'x.txt']);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/^tftp: none\.txt: 550 /);
    const usage = await tftp(['mv', ...host(), 'none.txt']);
    expect(usage.code).toBe(2);
  });
});

describe('tftp chmod', () => {
  it('sets the mode on disk, with wildcards; --dry-run changes nothing', async () => {
    put('bin/a.sh');
    put('bin/b.sh');
    put('bin/c.txt');
    const r = await tftp(['chmod', '--json', ...host(), '750', 'bin/*.sh']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(statSync(at('bin/a.sh')).mode & 0o777).toBe(0o750);
    expect(statSync(at('bin/b.sh')).mode & 0o777).toBe(0o750);
    expect(statSync(at('bin/c.txt')).mode & 0o777).not.toBe(0o750);
    expect(events(r.stdout).filter((e) => e.event === 'changed')).toEqual([
      { event: 'changed', path: 'bin/a.sh', mode: '750' },
      { event: 'changed', path: 'bin/b.sh', mode: '750' },
    ]);
    const dry = await tftp(['chmod', '--dry-run', '-v', ...host(), '600', 'bin/c.txt']);
    expect(dry.code).toBe(0);
    expect(dry.stdout.toString()).toBe('would chmod 600 bin/c.txt\n');
    expect(sent(dry.stderr).filter((c) => c.startsWith('SITE'))).toEqual([]);
    expect(statSync(at('bin/c.txt')).mode & 0o777).not.toBe(0o600);
  });

  it.each([['999'], ['u+x'], ['64'], ['07555']])('a mode that is not octal (%s) is exit 2 before connecting', async (mode) => {
    put('f');
    const r = await tftp(['chmod', '-v', ...host(), mode, 'f']);
    expect(r.code).toBe(2);
    expect(sent(r.stderr)).toEqual([]);
    expect(r.stderr).toMatch(/expected an octal mode/);
  });
});

describe('tftp stat', () => {
  it('a file: type, size, modified (UTC); a folder: its type', async () => {
    put('pub/file.iso', 'x'.repeat(1234));
    const r = await tftp(['stat', ...host(), 'pub/file.iso']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const mtime = statSync(at('pub/file.iso')).mtime;
    expect(r.stdout.toString()).toBe(`path:        pub/file.iso\ntype:        file\nsize:        1234\nmodified:    ${mtime.toISOString().replace(/\.\d+Z$/, (m) => (m === '.000Z' ? 'Z' : m))}\n`);
    const json = await tftp(['stat', '--json', ...host(), 'pub']);
    expect(json.code).toBe(0);
    expect(events(json.stdout)[0]).toEqual({ event: 'stat', path: 'pub', type: 'dir', size: null, modified: null, permissions: null });
  });

  it('a missing path is exit 5 naming it; a wildcard gives each match', async () => {
    const r = await tftp(['stat', ...host(), 'nothing.bin']);
    expect(r.code).toBe(5);
    expect(r.stderr).toBe('tftp: nothing.bin: no such file or folder\n');
    put('d/a.iso', 'aa');
    put('d/b.iso', 'bbb');
    const w = await tftp(['stat', '--json', ...host(), 'd/*.iso']);
    expect(w.code).toBe(0);
    expect(events(w.stdout).filter((e) => e.event === 'stat').map((e) => [e.path, e.size])).toEqual([
      ['d/a.iso', 2],
      ['d/b.iso', 3],
    ]);
  });
});

describe('tftp quote', () => {
  it('sends the commands in order after login and prints each reply', async () => {
    const r = await tftp(['quote', ...host(), 'NOOP', 'PWD', 'MKD made']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.toString().split('\n').filter(Boolean);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^200 /);
    expect(lines[1]).toMatch(/^257 "\/"/);
    expect(lines[2]).toMatch(/^257 /);
    expect(statSync(at('made')).isDirectory()).toBe(true);
  });

  it('a 5xx reply stops: exit 5, the reply on stderr, nothing sent after it', async () => {
    const r = await tftp(['quote', '-v', ...host(), 'RMD none', 'MKD after']);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/^tftp: RMD none: 550 /m);
    expect(sent(r.stderr)).not.toContain('MKD after');
    expect(existsSync(at('after'))).toBe(false);
  });
});
