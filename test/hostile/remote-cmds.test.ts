import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolvePath, startFakeServer, type CommandContext, type FakeServer, type FakeServerOptions, type Handler } from '../support/fake-server.js';
import { listing, lsLine } from '../support/fake-tree.js';
import { tftp } from '../support/cli.js';

// rm, mkdir, rmdir, mv, chmod, stat and quote against replies ftp-srv never
// gives: refusals (450/550 on DELE, RNTO refused after RNFR, no SITE CHMOD),
// no MLST, a login folder that is not "/", hostile listings.

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const host = () => ['127.0.0.1', '-P', String(server!.port), '--timeout', '2'];
/** The commands received after login. */
const after = () => server!.commands.filter((c) => !/^(USER|PASS|FEAT|PWD|TYPE|SYST|OPTS)\b/.test(c));
const oneLine = (stderr: string) => expect(stderr.trim().split('\n'), stderr).toHaveLength(1);

/**
 * A fake server with real folders: `folders` (paths under the root, '' is the
 * root) answer CWD, each listed by `listings` (LIST lines); MKD, RMD and DELE
 * change them and `server.files`.
 */
async function treeServer(folders: string[], listings: Record<string, string[]>, extra: Record<string, Handler> = {}, opts: FakeServerOptions = {}): Promise<{ folders: Set<string> }> {
  const tree = new Set(['', ...folders]);
  const parent = (p: string) => p.slice(0, Math.max(0, p.lastIndexOf('/')));
  server = await startFakeServer({
    ...opts,
    handlers: {
      CWD: ({ session, arg }: CommandContext) => {
        const p = resolvePath(session.cwd, arg);
        if (!tree.has(p)) return '550 Not a folder';
        session.cwd = p;
        return '250 OK';
      },
      MKD: ({ session, arg }: CommandContext) => {
        const p = resolvePath(session.cwd, arg);
        if (tree.has(p)) return '550 File exists';
        if (!tree.has(parent(p))) return '550 No such file or directory';
        tree.add(p);
        return `257 "/${p}" created`;
      },
      RMD: ({ session, arg }: CommandContext) => (tree.delete(resolvePath(session.cwd, arg)) ? '250 Removed' : '550 No such folder'),
      ...extra,
    },
  });
  for (const [folder, lines] of Object.entries(listings)) server.listings.set(folder, listing(lines));
  return { folders: tree };
}

describe('rm: refusals', () => {
  it('450 on DELE: exit 6, one line naming the path', async () => {
    await treeServer([], {}, { DELE: '450 File busy' }, { files: { 'f.bin': 'x' } });
    const r = await tftp(['rm', ...host(), 'f.bin']);
    expect(r.code).toBe(6);
    oneLine(r.stderr);
    expect(r.stderr).toBe('tftp: f.bin: 450 File busy\n');
  });

  it('550 on DELE of a file that is there: exit 5 with the server text, escaped', async () => {
    await treeServer([], { '': [lsLine('f.bin', 1)] }, { DELE: '550 Permission denied \x1b[31mred' }, { files: { 'f.bin': 'x' } });
    const r = await tftp(['rm', ...host(), 'f.bin']);
    expect(r.code).toBe(5);
    oneLine(r.stderr);
    expect(r.stderr).toBe('tftp: f.bin: 550 Permission denied \\x1b[31mred\n');
    expect(server!.files.has('f.bin')).toBe(true);
  });

  it('a folder above or at the login folder, by its absolute path: exit 2 after PWD, nothing removed', async () => {
    await treeServer(['home', 'home/u', 'home/u/keep'], { 'home/u': [lsLine('keep', 0, 'dir')] }, { PWD: '257 "/home/u" is the current directory' });
    for (const path of ['/home/u/', '/home/u', '/home', '/home/u/keep/..', '//home//u']) {
      const r = await tftp(['rm', '-r', ...host(), path]);
      expect(r.code, path).toBe(2);
      oneLine(r.stderr);
      expect(r.stderr).toMatch(/refusing to remove (the login folder|a folder above the login folder) recursively/);
    }
    expect(server!.verbs().filter((v) => ['DELE', 'RMD', 'LIST', 'MLSD'].includes(v))).toEqual([]);
    // Below the login folder is fine; --force-root lets even the login folder go.
    const below = await tftp(['rm', '-r', ...host(), '/home/u/keep']);
    expect(below.code).toBe(0);
    expect(server!.commands).toContain('RMD /home/u/keep');
  });

  it('-r: a link is removed with DELE, never entered; "." and ".." entries are skipped', async () => {
    await treeServer(['tree'], {
      tree: ['drwxr-xr-x 2 ftp ftp 0 Jan 01  2020 .', 'drwxr-xr-x 2 ftp ftp 0 Jan 01  2020 ..', lsLine('etc', 4, 'link', '/etc'), lsLine('a.bin', 3)],
    }, {}, { files: { 'tree/a.bin': 'abc', 'tree/etc': 'link' } });
    const r = await tftp(['rm', '-r', ...host(), 'tree']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(after().filter((c) => /^(DELE|RMD|CWD tree\/)/.test(c))).toEqual(['DELE tree/etc', 'DELE tree/a.bin', 'RMD tree']);
  });

  it('-r of a link to a folder (CWD goes into it): the link is removed, its folder never entered', async () => {
    await treeServer(['data', 'latest'], { '': [lsLine('data', 0, 'dir'), lsLine('latest', 4, 'link', 'data')], latest: [lsLine('precious.bin', 3)] }, {}, { files: { latest: 'data', 'data/precious.bin': 'abc' } });
    const r = await tftp(['rm', '-r', ...host(), 'latest']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(after().filter((c) => /^(DELE|RMD)/.test(c))).toEqual(['DELE latest']);
    expect(server!.files.has('data/precious.bin')).toBe(true);
  });

  it('-r where MLSD follows links (pyftpdlib): a link MLSD types "dir" but LIST shows as a link is removed, never entered', async () => {
    const feat = { FEAT: '211-Features:\r\n MLST type*;size*;modify*;\r\n211 End', MLST: '250-Listing\r\n type=dir;modify=20200101000000; x\r\n250 End' };
    await treeServer(['tree', 'tree/link', 'outside', 'top'], {
      '': [lsLine('tree', 0, 'dir'), lsLine('outside', 0, 'dir'), lsLine('top', 8, 'link', 'outside')],
      tree: [lsLine('a.bin', 3), lsLine('link', 10, 'link', '../outside')],
    }, feat, { files: { 'tree/a.bin': 'abc', 'tree/link': '-', top: '-', 'outside/keep.bin': 'k' } });
    server!.mlsd.set('tree', 'type=cdir;modify=20200101000000; .\r\ntype=file;size=3;modify=20200101000000; a.bin\r\ntype=dir;modify=20200101000000; link\r\n');
    server!.mlsd.set('tree/link', 'type=file;size=1;modify=20200101000000; keep.bin\r\n');
    const r = await tftp(['rm', '-r', ...host(), 'tree', 'top']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(after().filter((c) => /^(DELE|RMD|MLSD tree\/link)/.test(c))).toEqual(['DELE tree/a.bin', 'DELE tree/link', 'RMD tree', 'DELE top']);
    expect(server!.files.has('outside/keep.bin')).toBe(true);
  });

  it('-r: a refused DELE deep in the tree stops there, one line naming that entry', async () => {
    await treeServer(['tree', 'tree/sub'], { tree: [lsLine('sub', 0, 'dir')], 'tree/sub': [lsLine('a.bin', 3)] }, { DELE: '550 Permission denied' }, { files: { 'tree/sub/a.bin': 'abc' } });
    const r = await tftp(['rm', '-r', ...host(), 'tree/']);
    expect(r.code).toBe(5);
    expect(r.stderr).toBe('tftp: tree/sub/a.bin: 550 Permission denied\n');
    server!.files.set('other', Buffer.from('o'));
    const two = await tftp(['rm', '-r', ...host(), 'tree', 'other']);
    expect(two.code).toBe(5); // every path failed: the first failure's code
    expect(two.stderr).toMatch(/^failed:\n {2}tree\/sub\/a\.bin: 550 Permission denied\n {2}other: 550 Permission denied\n/);
    expect(server!.verbs()).not.toContain('RMD');
  });

  it('-r: a listing naming a path, not a plain name, removes nothing of that folder', async () => {
    await treeServer(['tree'], { tree: [lsLine('a.bin', 3), lsLine('../../victim', 3)] }, {}, { files: { 'tree/a.bin': 'abc', victim: 'v' } });
    const r = await tftp(['rm', '-r', ...host(), 'tree']);
    expect(r.code).toBe(8);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(/^tftp: tree: the listing names "\.\.\/\.\.\/victim", which is not a plain name/);
    expect(server!.verbs().filter((v) => v === 'DELE' || v === 'RMD')).toEqual([]);
  });

  it('--dry-run of rm -r, rmdir and chmod sends no DELE, RMD or SITE', async () => {
    await treeServer(['tree', 'tree/sub', 'empty'], { tree: [lsLine('a.bin', 3), lsLine('sub', 0, 'dir')], 'tree/sub': [lsLine('b.bin', 1)] }, {}, { files: { 'tree/a.bin': 'abc', 'tree/sub/b.bin': 'b' } });
    const rm = await tftp(['rm', '-r', '--dry-run', '--json', ...host(), 'tree']);
    expect(rm.code).toBe(0);
    const plan = rm.stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(plan.filter((e) => e.event === 'plan').map((e) => [e.action, e.path])).toEqual([
      ['rm', 'tree/a.bin'],
      ['rm', 'tree/sub/b.bin'],
      ['rmdir', 'tree/sub'],
      ['rmdir', 'tree'],
    ]);
    expect((await tftp(['rmdir', '--dry-run', ...host(), 'empty'])).code).toBe(0);
    expect((await tftp(['chmod', '--dry-run', ...host(), '644', 'tree/a.bin'])).code).toBe(0);
    expect(server!.verbs().filter((v) => ['DELE', 'RMD', 'SITE', 'RNFR', 'MKD', 'STOR'].includes(v))).toEqual([]);
  });
});

describe('mkdir', () => {
  it('without -p, an existing folder is exit 5 naming it; -p makes the missing parents, an existing folder is fine', async () => {
    const { folders } = await treeServer(['a'], {});
    const r = await tftp(['mkdir', ...host(), 'a']);
    expect(r.code).toBe(5);
    expect(r.stderr).toBe('tftp: a: 550 File exists\n');
    const p = await tftp(['mkdir', '-p', ...host(), 'a/b/c', 'a']);
    expect(p.stderr).toBe('');
    expect(p.code).toBe(0);
    expect([...folders].sort()).toEqual(['', 'a', 'a/b', 'a/b/c']);
  });
});

describe('mv', () => {
  it('RNFR accepted, RNTO refused: exit 5, one line naming the path', async () => {
    await treeServer([], {}, { RNFR: '350 Ready for RNTO', RNTO: '553 Rename refused: target exists' });
    const r = await tftp(['mv', ...host(), 'a.txt', 'b.txt']);
    expect(r.code).toBe(5);
    expect(r.stderr).toBe('tftp: a.txt: 553 Rename refused: target exists\n');
    await vi.waitFor(() => expect(after()).toEqual(['RNFR a.txt', 'RNTO b.txt', 'QUIT'])); // QUIT is not waited for
  });
});

describe('chmod', () => {
  it('a server without SITE CHMOD: exit 5, one clear line, no second SITE for the other paths', async () => {
    await treeServer([], {}, { SITE: '500 Unknown SITE command.' });
    const one = await tftp(['chmod', ...host(), '644', 'a.txt']);
    expect(one.code).toBe(5);
    expect(one.stderr).toBe('tftp: a.txt: the server has no SITE CHMOD (500 Unknown SITE command.)\n');
    server!.commands.length = 0;
    const three = await tftp(['chmod', ...host(), '644', 'a.txt', 'b.txt', 'c.txt']);
    expect(three.code).toBe(5);
    expect(server!.verbs().filter((v) => v === 'SITE')).toHaveLength(1);
    expect(three.stderr).toMatch(/the server has no SITE CHMOD/);
  });

  it('a refused SITE CHMOD (550) fails that path only: exit 10 with the others changed', async () => {
    await treeServer([], {}, { SITE: ({ arg }: CommandContext) => (arg.endsWith(' locked') ? '550 Permission denied' : '200 SITE CHMOD command ok.') });
    const r = await tftp(['chmod', ...host(), '600', 'a', 'locked', 'b']);
    expect(r.code).toBe(10);
    expect(r.stderr).toMatch(/^failed:\n {2}locked: 550 Permission denied\n/);
    expect(server!.commands.filter((c) => c.startsWith('SITE'))).toEqual(['SITE CHMOD 600 a', 'SITE CHMOD 600 locked', 'SITE CHMOD 600 b']);
  });
});

describe('stat', () => {
  const MLST_FEAT = { FEAT: '211-Features:\r\n MLST type*;size*;modify*;UNIX.mode*;\r\n211 End' };

  it('MLST where offered: type, size, modified and permissions from its facts', async () => {
    await treeServer([], {}, { ...MLST_FEAT, MLST: '250-Listing f.bin\r\n type=file;size=42;modify=20250301120000;UNIX.mode=0640; f.bin\r\n250 End' });
    const r = await tftp(['stat', '--json', ...host(), 'f.bin']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.toString().split('\n')[0]!)).toEqual({ event: 'stat', path: 'f.bin', type: 'file', size: 42, modified: '2025-03-01T12:00:00Z', permissions: 'rw-r-----' });
    expect(server!.verbs()).not.toContain('SIZE');
  });

  it('no MLST: SIZE and MDTM; MLST refused with 501: the same fallback', async () => {
    for (const extra of [{}, { ...MLST_FEAT, MLST: '501 Syntax error' }]) {
      await treeServer([], {}, { ...extra, MDTM: '213 20240102030405' }, { files: { 'f.bin': 'hello' } });
      const r = await tftp(['stat', ...host(), 'f.bin']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout.toString()).toBe('path:        f.bin\ntype:        file\nsize:        5\nmodified:    2024-01-02T03:04:05Z\n');
      expect(server!.verbs()).toEqual(expect.arrayContaining(['SIZE', 'MDTM']));
      await server!.close();
    }
    server = undefined;
  });

  it('neither MLST nor SIZE: the parent folder listing, with permissions', async () => {
    await treeServer(['pub'], { pub: ['-rwxr-x--- 1 ftp ftp 77 Mar 01  2022 tool'] }, { SIZE: '502 SIZE not implemented' });
    const r = await tftp(['stat', '--json', ...host(), 'pub/tool']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.toString().split('\n')[0]!)).toEqual({ event: 'stat', path: 'pub/tool', type: 'file', size: 77, modified: '2022-03-01T00:00:00Z', permissions: 'rwxr-x---' });
  });
});

describe('quote', () => {
  it.each([
    ['a CR LF', 'NOOP\r\nDELE x', /^tftp: NOOP: command contains a CR, LF or NUL/],
    ['a bare LF', 'NOOP\nDELE x', /CR, LF or NUL/],
    ['a NUL', 'NOOP\0', /CR, LF or NUL/],
    ['RETR', 'RETR f.bin', /^tftp: RETR f\.bin: RETR needs a data connection: use tftp get, put or ls/],
    ['list (lower case)', 'list', /LIST needs a data connection/],
    ['EPSV', 'EPSV', /EPSV needs a data connection/],
    ['PORT', 'PORT 127,0,0,1,4,1', /PORT needs a data connection/],
    ['REST', 'REST 100', /REST needs a data connection/],
    ['STOR', 'STOR x', /STOR needs a data connection/],
    ['AUTH', 'AUTH TLS', /AUTH would change the session/],
  ])('%s is refused before anything is sent: exit 2, one line', async (_name, command, why) => {
    server = await startFakeServer();
    const r = await tftp(['quote', ...host(), 'NOOP', command]);
    expect(r.code).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(why);
    expect(server.connections).toEqual([]);
  });

  it('a 4xx reply stops with exit 5; PASS is masked in the trace, the JSON and the error line', async () => {
    let passes = 0;
    server = await startFakeServer({ handlers: { PASS: () => (++passes === 1 ? '230 Logged in' : '503 Already logged in'), SITE: '421 Later' } });
    const r = await tftp(['quote', '-v', '--json', ...host(), 'PASS hunter2', 'SITE X']);
    expect(r.code).toBe(5);
    expect(r.stdout.toString()).not.toContain('hunter2');
    expect(r.stderr).not.toContain('hunter2');
    expect(r.stderr).toMatch(/^> PASS \*\*\*\*$/m);
    expect(r.stderr).toMatch(/^tftp: PASS \*\*\*\*: 503 Already logged in$/m);
    expect(JSON.parse(r.stdout.toString().split('\n')[0]!)).toEqual({ event: 'reply', command: 'PASS ****', code: 503, lines: ['Already logged in'] });
    expect(server.verbs()).not.toContain('SITE');

    passes = 0;
    const later = await tftp(['quote', ...host(), 'SITE X']);
    expect(later.code).toBe(5);
    expect(later.stderr).toBe('tftp: SITE X: 421 Later\n');
  });

  it('a command after QUIT: exit 6, the line names it; the replies before it are on stdout', async () => {
    server = await startFakeServer({ handlers: { QUIT: ({ session }: CommandContext) => void session.reply(221, 'Bye').then(() => session.socket.end()) } });
    const r = await tftp(['quote', ...host(), 'NOOP', 'QUIT', 'NOOP']);
    expect(r.code).toBe(6);
    expect(r.stdout.toString()).toBe('200 OK\n221 Bye\n');
    expect(r.stderr).toMatch(/^tftp: NOOP: /);
    oneLine(r.stderr);
  });

  it('a multi-line reply is printed line by line, escaped', async () => {
    server = await startFakeServer({ handlers: { HELP: '214-The following commands are recognized:\r\n USER PASS \x1b]0;evil\x07\r\n214 Help OK' } });
    const r = await tftp(['quote', ...host(), 'HELP']);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe('214-The following commands are recognized:\n USER PASS \\x1b]0;evil\\x07\n214 Help OK\n');
  });
});
