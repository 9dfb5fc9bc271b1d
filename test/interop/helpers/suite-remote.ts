// Shared tests of every instance (called by suite.ts): the remote file
// commands (mkdir, mkdir -p, mv, rm, rm -r, rmdir, chmod, stat, quote), each
// checked on the server's disk, in a folder of their own under the upload folder.
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { expectSameBytes, type InstanceContext } from './instance.js';
import { show } from './tftp.js';

const HOST = '127.0.0.1';
const DIR = 'remote-cmds';

export function remoteCommandTests(t: InstanceContext): void {
  /** The remote name (relative to the login folder) and local path of a name in this test's folder. */
  const remote = (name: string) => `${t.server().upload}/${DIR}/${name}`;
  const disk = (name: string) => join(t.server().uploadLocal, DIR, name);
  /** A file or folder on the server's disk, owned by the logged-in user as if it had made it. */
  const own = (path: string) => chownSync(path, t.server().owner.uid, t.server().owner.gid);
  const file = (name: string, body: Buffer | string) => {
    writeFileSync(disk(name), body, { mode: 0o644 });
    own(disk(name));
  };
  /** A folder and its missing parents, each owned by the user. */
  const folder = (name: string) => {
    const parts = name.split('/').filter(Boolean);
    for (let i = 0; i <= parts.length; i++) {
      const p = disk(parts.slice(0, i).join('/'));
      if (!existsSync(p)) mkdirSync(p, { mode: 0o755 });
      own(p);
    }
  };

  /** What this server did, for the record (the suite's log). */
  const note = (text: string) => console.log(`interop: ${t.server().instance}: ${text}`);

  beforeAll(() => folder(''));

  it('mkdir, then mkdir -p with existing parents: the folders on disk', async () => {
    const r = await t.run(['mkdir', ...t.conn(), HOST, remote('made')]);
    expect(r.code, show(r)).toBe(0);
    expect(statSync(disk('made')).isDirectory()).toBe(true);
    const p = await t.run(['mkdir', '-p', ...t.conn(), HOST, remote('made/a/b/c'), remote('made')]);
    expect(p.code, show(p)).toBe(0);
    expect(statSync(disk('made/a/b/c')).isDirectory()).toBe(true);
    const again = await t.run(['mkdir', ...t.conn(), HOST, remote('made')]);
    expect(again.code, show(again)).toBe(5);
    note(`MKD of an existing folder: ${again.stderr.trim()}`);
  });

  it('mv: renamed on disk, bytes unchanged; into a folder with a trailing /', async () => {
    const body = randomBytes(40_000);
    file('mv-a.bin', body);
    folder('mv-into');
    const r = await t.run(['mv', ...t.conn(), HOST, remote('mv-a.bin'), remote('mv-b.bin')]);
    expect(r.code, show(r)).toBe(0);
    expect(existsSync(disk('mv-a.bin'))).toBe(false);
    expectSameBytes(readFileSync(disk('mv-b.bin')), body, 'renamed file');
    const into = await t.run(['mv', ...t.conn(), HOST, remote('mv-b.bin'), `${remote('mv-into')}/`]);
    expect(into.code, show(into)).toBe(0);
    expectSameBytes(readFileSync(disk('mv-into/mv-b.bin')), body, 'moved file');
  });

  it('rm: files and a wildcard; a missing file is exit 5, with -f exit 0', async () => {
    folder('rm');
    for (const n of ['a.gz', 'b.gz', 'keep.txt', 'one.bin']) file(`rm/${n}`, n);
    const r = await t.run(['rm', ...t.conn(), HOST, remote('rm/one.bin'), remote('rm/*.gz')]);
    expect(r.code, show(r)).toBe(0);
    expect(readdirSync(disk('rm'))).toEqual(['keep.txt']);
    const missing = await t.run(['rm', ...t.conn(), HOST, remote('rm/one.bin')]);
    expect(missing.code, show(missing)).toBe(5);
    expect(missing.stderr).toMatch(new RegExp(`^tftp: ${remote('rm/one.bin')}: `, 'm'));
    const forced = await t.run(['rm', '-f', ...t.conn(), HOST, remote('rm/one.bin'), remote('rm/*.zip')]);
    expect(forced.code, show(forced)).toBe(0);
  });

  it('rm -r: the whole tree, depth first; a link inside is removed, its target kept', async () => {
    folder('outside');
    file('outside/target.bin', 'keep me');
    folder('tree/sub/deeper');
    file('tree/a.bin', randomBytes(1000));
    file('tree/sub/b.bin', 'b');
    file('tree/sub/deeper/c.bin', 'c');
    folder('tree/empty');
    // inetutils ftpd answers DELE of a link to a folder with "550 Not a directory" (it stat()s through the link): tried on its own below.
    const linkDeletable = t.server().kind !== 'inetutils-ftpd';
    if (linkDeletable) symlinkSync('../outside', disk('tree/link'));
    const dry = await t.run(['rm', '-r', '--dry-run', '-v', ...t.conn(), HOST, remote('tree')]);
    expect(dry.code, show(dry)).toBe(0);
    expect(dry.stderr).not.toMatch(/^> (DELE|RMD) /m);
    expect(existsSync(disk('tree/sub/deeper/c.bin'))).toBe(true);
    const r = await t.run(['rm', '-r', '-v', '--json', ...t.conn(), HOST, remote('tree')]);
    expect(r.code, show(r)).toBe(0);
    expect(existsSync(disk('tree'))).toBe(false);
    expect(readFileSync(disk('outside/target.bin'), 'utf8')).toBe('keep me');
    const removed = r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as { event: string; path: string; type?: string }).filter((e) => e.event === 'removed');
    expect(removed.at(-1)).toEqual({ event: 'removed', path: remote('tree'), type: 'dir' });
    if (linkDeletable) expect(removed.find((e) => e.path === remote('tree/link'))?.type).toBe('link');
    // A link to a folder given as the path itself: the link goes (where the server can), never what it points to.
    symlinkSync('outside', disk('top-link'));
    const link = await t.run(['rm', '-r', ...t.conn(), HOST, remote('top-link')]);
    expect(link.code, show(link)).toBe(linkDeletable ? 0 : 5);
    if (linkDeletable) expect(existsSync(disk('top-link'))).toBe(false);
    else note(`rm -r of a link to a folder: ${link.stderr.trim()}`);
    expect(readFileSync(disk('outside/target.bin'), 'utf8')).toBe('keep me');
  });

  it('rm -r refuses the login folder (exit 2), nothing removed', async () => {
    for (const path of ['.', '/', `${t.server().upload}/..`]) {
      const r = await t.run(['rm', '-r', ...t.conn(), HOST, path]);
      expect(r.code, show(r)).toBe(2);
    }
    expect(existsSync(join(t.server().root, 'data.bin'))).toBe(true);
  });

  it('rmdir: an empty folder goes; one with a file in it is exit 5 and stays', async () => {
    folder('rmdir-empty');
    folder('rmdir-full');
    file('rmdir-full/f', 'f');
    const r = await t.run(['rmdir', ...t.conn(), HOST, remote('rmdir-empty')]);
    expect(r.code, show(r)).toBe(0);
    expect(existsSync(disk('rmdir-empty'))).toBe(false);
    const full = await t.run(['rmdir', ...t.conn(), HOST, remote('rmdir-full')]);
    expect(full.code, show(full)).toBe(5);
    note(`RMD of a folder with a file: ${full.stderr.trim()}`);
    expect(existsSync(disk('rmdir-full/f'))).toBe(true);
  });

  it('chmod: SITE CHMOD sets the mode on disk (wildcard too)', async () => {
    folder('chmod');
    file('chmod/a.sh', '#!/bin/sh\n');
    file('chmod/b.sh', '#!/bin/sh\n');
    const r = await t.run(['chmod', ...t.conn(), HOST, '750', remote('chmod/*.sh')]);
    expect(r.code, show(r)).toBe(0);
    expect(statSync(disk('chmod/a.sh')).mode & 0o777).toBe(0o750);
    expect(statSync(disk('chmod/b.sh')).mode & 0o777).toBe(0o750);
    const one = await t.run(['chmod', ...t.conn(), HOST, '600', remote('chmod/a.sh')]);
    expect(one.code, show(one)).toBe(0);
    expect(statSync(disk('chmod/a.sh')).mode & 0o777).toBe(0o600);
  });

  it('stat: a file (type, size, modified to the second) and a folder', async () => {
    file('stat.bin', randomBytes(12_345));
    const when = new Date('2024-05-06T07:08:09Z');
    utimesSync(disk('stat.bin'), when, when);
    folder('stat-dir');
    const r = await t.run(['stat', '-v', '--json', ...t.conn(), HOST, remote('stat.bin')]);
    expect(r.code, show(r)).toBe(0);
    const e = JSON.parse(r.stdout.toString().split('\n')[0]!) as Record<string, unknown>;
    const asked = [...new Set(r.stderr.split('\n').filter((l) => /^> (MLST|SIZE|MDTM|LIST|MLSD)\b/.test(l)).map((l) => l.split(' ')[1]))];
    note(`stat asked ${asked.join(', ')}; permissions ${String(e.permissions)}`);
    expect(e).toMatchObject({ event: 'stat', path: remote('stat.bin'), type: 'file', size: 12_345, modified: '2024-05-06T07:08:09Z' });
    if (e.permissions !== null) expect(e.permissions).toBe('rw-r--r--');
    const d = await t.run(['stat', ...t.conn(), HOST, remote('stat-dir')]);
    expect(d.code, show(d)).toBe(0);
    expect(d.stdout.toString()).toMatch(/^type: +dir$/m);
    const none = await t.run(['stat', ...t.conn(), HOST, remote('no-such')]);
    expect(none.code, show(none)).toBe(5);
  });

  it('quote: replies in order on stdout; an unknown command is exit 5 and stops', async () => {
    const r = await t.run(['quote', ...t.conn(), HOST, 'NOOP', 'PWD']);
    expect(r.code, show(r)).toBe(0);
    const lines = r.stdout.toString().split('\n').filter(Boolean);
    expect(lines[0]).toMatch(/^200[ -]/);
    expect(lines.at(-1)).toMatch(/^257 /);
    const bad = await t.run(['quote', '-v', ...t.conn(), HOST, 'XBOGUSCMD', 'NOOP']);
    expect(bad.code, show(bad)).toBe(5);
    expect(bad.stderr).toMatch(/^tftp: XBOGUSCMD: 5\d\d /m);
    note(`an unknown command: ${bad.stderr.split('\n').find((l) => l.startsWith('tftp:'))}`);
    expect(bad.stderr).not.toMatch(/^> NOOP$/m);
  });
}
