import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FakeServer } from '../support/fake-server.js';
import { dirLine, fileLine, startPersona, type Persona, type Tree } from '../support/listing-servers.js';
import { startFtpSrv, type RunningFtpSrv } from '../support/ftpsrv.js';
import { tftp } from '../support/cli.js';
import { FtpClient } from '../../src/core/client.js';

// Which folder a listing shows, whatever the server does with LIST arguments:
// BSD-derived servers split them at spaces, vsftpd and pure-ftpd answer a
// missing folder with an empty 226, some answer an empty folder with 450.

let server: FakeServer | undefined;
let local: string;
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-lsdir-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(local, { recursive: true, force: true });
});

const at = (s: FakeServer) => ['-P', String(s.port), '127.0.0.1'];
const out = (r: { stdout: Buffer }) => r.stdout.toString();

/** pub/ holds a folder with spaces, a folder named like its first word, an empty folder and a file. */
const TREE: Tree = {
  folders: {
    pub: [dirLine('dir with space'), dirLine('dir'), dirLine('empty'), fileLine('file.txt', 6)],
    'pub/dir with space': [fileLine('inner.txt', 5), fileLine('two words.txt', 3)],
    'pub/dir': [fileLine('decoy.txt', 5)],
    'pub/empty': [],
  },
  files: { 'pub/file.txt': 'file!\n', 'pub/dir with space/inner.txt': 'inner', 'pub/dir with space/two words.txt': 'two', 'pub/dir/decoy.txt': 'decoy' },
};

async function persona(p: Persona, tree: Tree = TREE): Promise<FakeServer> {
  server = await startPersona(tree, p);
  return server;
}

describe('a BSD ftpd that splits LIST arguments at spaces', () => {
  const bsd: Persona = { splitsArguments: true };

  it('ls, ls -l and ls --names show the folder named, not the one named by its first word', async () => {
    const s = await persona(bsd);
    const raw = await tftp(['ls', ...at(s), 'pub/dir with space']);
    expect(raw.code, raw.stderr).toBe(0);
    expect(out(raw)).toContain('inner.txt');
    expect(out(raw)).not.toContain('decoy');
    const long = await tftp(['ls', '-l', ...at(s), 'pub/dir with space']);
    expect(long.code, long.stderr).toBe(0);
    expect(out(long)).toMatch(/^-rw-r--r--\s+5\s+2026-01-01 00:00\s+inner\.txt$/m);
    expect(out(long)).not.toContain('decoy');
    const names = await tftp(['ls', '--names', ...at(s), 'pub/dir with space']);
    expect(names.code, names.stderr).toBe(0);
    expect(out(names)).toBe('inner.txt\ntwo words.txt\n');
  });

  // As inetutils ftpd does: LIST of a missing path answers 226 with ls's error text.
  const inetutils: Persona = { splitsArguments: true, missing: 'ls-error' };

  it('ls of a file whose name has spaces shows its own line (from the listing of its folder)', async () => {
    const s = await persona(inetutils);
    const raw = await tftp(['ls', ...at(s), 'pub/dir with space/two words.txt']);
    expect(raw.code, raw.stderr).toBe(0);
    expect(out(raw)).toMatch(/^-rw-r--r--.* two words\.txt\n$/);
    const names = await tftp(['ls', '--names', ...at(s), 'pub/dir with space/two words.txt']);
    expect(out(names)).toBe('two words.txt\n');
  });

  it('ls, ls -l and get -r of a missing path: exit 5, nothing on stdout, nothing written', async () => {
    const s = await persona(inetutils);
    for (const args of [['ls'], ['ls', '-l'], ['ls', '--json']]) {
      const r = await tftp([...args, ...at(s), 'no such thing']);
      expect(r.code, r.stderr).toBe(5);
      expect(r.stderr).toBe('tftp: no such file or folder: no such thing\n');
      expect(out(r)).toBe('');
    }
    const tree = await tftp(['get', '-r', ...at(s), 'nosuch', join(local, 'nosuch')]);
    expect(tree.code, tree.stderr).toBe(5);
    expect(existsSync(join(local, 'nosuch'))).toBe(false);
  });

  it('get -r fetches the files of a folder with spaces, byte for byte', async () => {
    const s = await persona(bsd);
    const r = await tftp(['get', '-r', ...at(s), 'pub', join(local, 'pub')]);
    expect(r.code, r.stderr).toBe(0);
    for (const [name, body] of Object.entries(TREE.files!)) expect(await readFile(join(local, name), 'utf8')).toBe(body);
    expect(existsSync(join(local, 'pub/empty'))).toBe(true);
  });

  it('comes back to a login folder that is not the root, so relative names still work', async () => {
    const home = 'home/alice';
    const tree: Tree = {
      folders: { [home]: [dirLine('pub')], ...Object.fromEntries(Object.entries(TREE.folders).map(([k, v]) => [`${home}/${k}`, v])) },
      files: Object.fromEntries(Object.entries(TREE.files!).map(([k, v]) => [`${home}/${k}`, v])),
    };
    const s = await persona({ ...bsd, home }, tree);
    const r = await tftp(['get', '-r', ...at(s), 'pub/dir with space', local]);
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(join(local, 'inner.txt'), 'utf8')).toBe('inner');
    expect(await readFile(join(local, 'two words.txt'), 'utf8')).toBe('two');
    // Into the folder, and back to where the session was.
    const cwds = s.commands.filter((c) => /^CWD /.test(c));
    expect(cwds).toEqual(['CWD /home/alice', 'CWD pub/dir with space', 'CWD /home/alice']);
  });

  it('a server whose PWD cannot be gone back to: a library session lists with the argument and stays put', async () => {
    const s = await persona({ pwd: '257 "C:\\ftp" is the current directory' });
    const client = new FtpClient({ timeoutMs: 2000 });
    await client.connect('127.0.0.1', s.port);
    await client.login();
    const listing = await client.list('pub');
    const again = await client.list('pub');
    await client.quit();
    expect(listing.entries.map((e) => e.name)).toContain('file.txt');
    expect(again.entries.map((e) => e.name)).toEqual(listing.entries.map((e) => e.name));
    expect(s.commands.filter((c) => c.startsWith('LIST'))).toEqual(['LIST pub', 'LIST pub']);
    expect(s.commands.filter((c) => c.startsWith('CWD ') && c !== 'CWD C:\\ftp')).toEqual([]);
  });

  it('the same server with ls, whose session ends after the listing: listed from inside, without the argument', async () => {
    const s = await persona({ pwd: '257 "C:\\ftp" is the current directory' });
    const r = await tftp(['ls', '-l', ...at(s), 'pub']);
    expect(r.code, r.stderr).toBe(0);
    expect(out(r)).toMatch(/file\.txt$/m);
    expect(s.commands.filter((c) => /^(CWD|PWD|LIST)/.test(c))).toEqual(['CWD pub', 'LIST']);
  });
});

describe('a missing folder (vsftpd and pure-ftpd answer LIST with an empty 226)', () => {
  it.each([[[]], [['-l']], [['--json']], [['--names']]])('ls %j of a missing folder exits 5 and names it', async (flags) => {
    const s = await persona({});
    const r = await tftp(['ls', ...flags, ...at(s), 'pub/nosuch']);
    expect(r.stderr).toBe('tftp: no such file or folder: pub/nosuch\n');
    expect(r.code).toBe(5);
    expect(out(r)).toBe('');
  });

  it('get -r of a missing folder exits 5 instead of downloading nothing', async () => {
    const s = await persona({});
    const r = await tftp(['get', '-r', ...at(s), 'pub/nosuch', local]);
    expect(r.stderr).toMatch(/no such file or folder: pub\/nosuch/);
    expect(r.code).toBe(5);
  });

  it('a file is still listed: its line from the listing of its parent folder, when it is not a folder', async () => {
    const s = await persona({});
    const raw = await tftp(['ls', ...at(s), 'pub/file.txt']);
    expect(raw.code, raw.stderr).toBe(0);
    expect(out(raw)).toMatch(/^-rw-r--r--.* file\.txt\n$/);
    const long = await tftp(['ls', '-l', ...at(s), 'pub/file.txt']);
    expect(long.code, long.stderr).toBe(0);
    expect(out(long)).toMatch(/^-rw-r--r--\s+6\s+2026-01-01 00:00\s+file\.txt\n$/);
    // Never `LIST pub/file.txt`: BSD servers split it at spaces and answer a missing path with ls's error text.
    expect(s.commands).not.toContain('LIST pub/file.txt');
    expect(s.commands).toContain('CWD pub');
  });

  it('MLSD servers: a file is listed from MLST, a missing path is exit 5', async () => {
    const s = await persona({ mlsd: true }, { folders: { pub: ['type=file;size=6; file.txt'] }, files: { 'pub/file.txt': 'file!\n' } });
    const long = await tftp(['ls', '-l', ...at(s), 'pub/file.txt']);
    expect(long.code, long.stderr).toBe(0);
    expect(out(long)).toBe('-  6  2026-01-01 00:00  pub/file.txt\n');
    const missing = await tftp(['ls', '-l', ...at(s), 'pub/nosuch']);
    expect(missing.stderr).toBe('tftp: 550 pub/nosuch: No such file or directory\n');
    expect(missing.code).toBe(5);
  });

  it('an empty folder that exists is empty, exit 0', async () => {
    const s = await persona({});
    for (const flags of [[], ['-l'], ['--names']]) {
      const r = await tftp(['ls', ...flags, ...at(s), 'pub/empty']);
      expect(r.code, r.stderr).toBe(0);
      expect(out(r)).toBe('');
    }
    const json = await tftp(['ls', '--json', ...at(s), 'pub/empty']);
    expect(out(json)).toBe('[]\n');
  });
});

describe('450 No files found for an empty folder', () => {
  it.each<[string, Persona]>([
    ['LIST 450', { emptyFolder: '450 No files found' }],
    ['LIST 550', { emptyFolder: '550 No files found' }],
    ['MLSD 450', { emptyFolder: '450 No files found', mlsd: true }],
  ])('%s: an existing empty folder is an empty listing', async (_name, p) => {
    const tree: Tree = p.mlsd ? { folders: { pub: ['type=dir; empty'], 'pub/empty': [] } } : TREE;
    const s = await persona(p, tree);
    const json = await tftp(['ls', '--json', ...at(s), 'pub/empty']);
    expect(json.code, json.stderr).toBe(0);
    expect(out(json)).toBe('[]\n');
    if (!p.mlsd) {
      const raw = await tftp(['ls', ...at(s), 'pub/empty']);
      expect(raw.code, raw.stderr).toBe(0);
      expect(out(raw)).toBe('');
    }
    const tree2 = await tftp(['get', '-r', ...at(s), 'pub', join(local, 'pub')]);
    expect(tree2.code, tree2.stderr).toBe(0);
    expect(existsSync(join(local, 'pub/empty'))).toBe(true);
  });

  it('a path that is not a folder is not taken for an empty one: exit 5, whatever LIST of it would say', async () => {
    const s = await persona({ missing: '450 No files found' });
    const r = await tftp(['ls', '-l', ...at(s), 'pub/nosuch']);
    expect(r.stderr).toBe('tftp: no such file or folder: pub/nosuch\n');
    expect(r.code).toBe(5);
  });

  it('a 550 that does not say "No files found" stays an error even in a folder that exists', async () => {
    const s = await persona({ emptyFolder: '550 Permission denied' });
    const r = await tftp(['ls', '-l', ...at(s), 'pub/empty']);
    expect(r.stderr).toBe('tftp: 550 Permission denied\n');
    expect(r.code).toBe(5);
  });
});

describe('GridFTP: MLSD lines ending in \\r\\r\\n in ASCII mode', () => {
  const names = ['a.bin', 'b.bin', 'c d.bin', 'e.bin', 'f.bin'];
  const tree: Tree = {
    folders: { data: names.map((n, i) => `type=file;size=${i + 1};modify=20260101000000; ${n}`) },
    files: Object.fromEntries(names.map((n, i) => [`data/${n}`, 'x'.repeat(i + 1)])),
  };

  it('get -r fetches every file, with TYPE I before the listing', async () => {
    const s = await persona({ mlsd: true, doubleCrInAscii: true }, tree);
    const r = await tftp(['get', '-r', ...at(s), 'data', local]);
    expect(r.code, r.stderr).toBe(0);
    expect((await readdir(local)).sort()).toEqual(names);
    for (const [i, n] of names.entries()) expect(await readFile(join(local, n), 'utf8')).toBe('x'.repeat(i + 1));
    const verbs = s.verbs();
    expect(verbs.indexOf('TYPE')).toBeLessThan(verbs.indexOf('MLSD'));
    expect(s.commands).toContain('TYPE I');
  });

  it('every trailing CR of a line is dropped, even in binary mode', async () => {
    const s = await persona({ mlsd: true }, { folders: { data: ['type=file;size=1; a.bin\r\r', 'type=file;size=2; b.bin\r'] } });
    const r = await tftp(['ls', '--json', ...at(s), 'data']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(out(r)).map((e: { name: string }) => e.name)).toEqual(['a.bin', 'b.bin']);
  });
});

describe('ftp-srv', () => {
  let srv: RunningFtpSrv;
  beforeAll(async () => {
    srv = await startFtpSrv();
    await mkdir(join(srv.root, 'top/dir with space/deeper one'), { recursive: true });
    await mkdir(join(srv.root, 'top/dir'), { recursive: true });
    await writeFile(join(srv.root, 'top/dir with space/a.txt'), 'a-body');
    await writeFile(join(srv.root, 'top/dir with space/deeper one/b c.txt'), 'bc-body');
    await writeFile(join(srv.root, 'top/dir/decoy.txt'), 'decoy');
  });
  afterAll(() => srv.close());
  const on = () => ['-P', String(srv.port), '127.0.0.1'];

  it('lists a folder with spaces in every mode', async () => {
    const long = await tftp(['ls', '-l', ...on(), 'top/dir with space']);
    expect(long.code, long.stderr).toBe(0);
    expect(out(long)).toMatch(/\s6\s+\S+ \S+\s+a\.txt$/m);
    expect(out(long)).toMatch(/^d.*deeper one$/m);
    const names = await tftp(['ls', '--names', ...on(), 'top/dir with space']);
    expect(out(names).split('\n').sort()).toEqual(['', 'a.txt', 'deeper one']);
  });

  it('get -r of nested folders with spaces, byte for byte', async () => {
    const r = await tftp(['get', '-r', ...on(), 'top', join(local, 'top')]);
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(join(local, 'top/dir with space/a.txt'), 'utf8')).toBe('a-body');
    expect(await readFile(join(local, 'top/dir with space/deeper one/b c.txt'), 'utf8')).toBe('bc-body');
    expect(await readFile(join(local, 'top/dir/decoy.txt'), 'utf8')).toBe('decoy');
  });

  it('a file is listed as itself; a missing folder is an error naming it', async () => {
    const file = await tftp(['ls', '-l', ...on(), 'top/dir/decoy.txt']);
    expect(file.code, file.stderr).toBe(0);
    // ftp-srv names a listed file by the path it was asked for.
    expect(out(file)).toMatch(/\s5\s+\S+ \S+\s+(top\/dir\/)?decoy\.txt\n$/);
    const missing = await tftp(['ls', '-l', ...on(), 'top/nosuch']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/^tftp: .*nosuch.*\n$/);
  });
});
