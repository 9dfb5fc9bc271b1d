import { describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FtpError, PermanentError, TemporaryError } from '../../src/protocol/errors.js';
import { resolvePath, type CommandContext, type FakeServerOptions, type Handler } from '../support/fake-server.js';
import { startFtpSrv } from '../support/ftpsrv.js';
import { useSessions } from '../support/sessions.js';

// The facade's verbs: what they do on a real server's disk (ftp-srv), and how
// a server's refusals come back as typed errors (the fake server).

const s = useSessions('tftp-verbs-');
const sent = () => s.trace.filter((l) => l.startsWith('> ')).map((l) => l.slice(2));

async function ftpSrv(opts: { mfmt?: boolean } = {}) {
  s.srv = await startFtpSrv(opts);
  const c = await s.connect(s.srv.port);
  return { c, root: s.srv.root };
}

async function refusal(run: () => Promise<unknown>): Promise<FtpError> {
  const err = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FtpError);
  return err as FtpError;
}

describe('verbs on ftp-srv: the server disk changes as asked', () => {
  it('mkdir makes a folder; recursive makes its missing parents and accepts one that exists', async () => {
    const { c, root } = await ftpSrv();
    await c.mkdir('one');
    expect(statSync(join(root, 'one')).isDirectory()).toBe(true);
    await c.mkdir('two/three/four', { recursive: true });
    expect(statSync(join(root, 'two/three/four')).isDirectory()).toBe(true);
    await c.mkdir('two/three', { recursive: true });
    expect(await c.pwd()).toBe('/');
  });

  it('remove deletes a file, removeDir an empty folder', async () => {
    const { c, root } = await ftpSrv();
    writeFileSync(join(root, 'f.txt'), 'x');
    mkdirSync(join(root, 'empty'));
    await c.remove('f.txt');
    await c.removeDir('empty');
    expect(existsSync(join(root, 'f.txt'))).toBe(false);
    expect(existsSync(join(root, 'empty'))).toBe(false);
  });

  it('rename moves a file, bytes unchanged', async () => {
    const { c, root } = await ftpSrv();
    const body = randomBytes(10_000);
    writeFileSync(join(root, 'a.bin'), body);
    mkdirSync(join(root, 'sub'));
    await c.rename('a.bin', 'sub/b.bin');
    expect(existsSync(join(root, 'a.bin'))).toBe(false);
    expect(readFileSync(join(root, 'sub/b.bin')).equals(body)).toBe(true);
  });

  it('stat tells a file (size, time), a folder (though ftp-srv answers SIZE for it too) and nothing, and leaves the session where it was', async () => {
    const { c, root } = await ftpSrv();
    writeFileSync(join(root, 'f.bin'), randomBytes(1234));
    const when = new Date('2023-05-06T07:08:09.000Z');
    utimesSync(join(root, 'f.bin'), when, when);
    mkdirSync(join(root, 'dir/inner'), { recursive: true });
    await c.cwd('dir');
    expect(await c.stat('/f.bin')).toEqual({ type: 'file', size: 1234, modified: when });
    expect(await c.stat('inner')).toEqual({ type: 'dir' });
    expect(await c.stat('/nothing here')).toBeUndefined();
    expect(await c.pwd()).toBe('/dir');
  });

  it('setModified sets the time on disk where FEAT offers MFMT', async () => {
    const { c, root } = await ftpSrv({ mfmt: true });
    writeFileSync(join(root, 'f.txt'), 'x');
    const when = new Date('2021-02-03T04:05:06Z');
    expect(await c.setModified('f.txt', when)).toBe(true);
    expect(statSync(join(root, 'f.txt')).mtime).toEqual(when);
  });

  it('setModified is false, with nothing sent, where FEAT does not offer MFMT; hash is undefined without HASH or XSHA*', async () => {
    const { c, root } = await ftpSrv();
    writeFileSync(join(root, 'f.txt'), 'x');
    const before = statSync(join(root, 'f.txt')).mtimeMs;
    expect(await c.setModified('f.txt', new Date('2021-02-03T04:05:06Z'))).toBe(false);
    expect(await c.hash('f.txt')).toBeUndefined();
    expect(sent().filter((l) => /^(MFMT|HASH|X)/.test(l))).toEqual([]);
    expect(statSync(join(root, 'f.txt')).mtimeMs).toBe(before);
  });

  it('features() asks FEAT once and parses it', async () => {
    const { c } = await ftpSrv();
    const features = await c.features();
    expect(features.has('SIZE')).toBe(true);
    expect(features.has('size')).toBe(true);
    expect(await c.hasFeature('MDTM')).toBe(true);
    expect(await c.feat()).toEqual(features.lines);
    expect(await c.features()).toBe(features);
    expect(sent().filter((l) => l === 'FEAT')).toHaveLength(1);
  });

  it('refusals are typed: DELE of a missing file, MKD under a file, RNFR of nothing', async () => {
    const { c, root } = await ftpSrv();
    writeFileSync(join(root, 'f.txt'), 'x');
    for (const run of [() => c.remove('nothing'), () => c.mkdir('f.txt/sub'), () => c.rename('nothing', 'else')]) {
      const err = await refusal(run);
      expect(err).toBeInstanceOf(PermanentError);
      expect([err.kind, err.code]).toEqual(['permanent', 550]);
    }
    expect(sent()).not.toContain('RNTO else');
  });
});

/**
 * A fake server with folders, answering as real servers do: MKD of an existing
 * folder or under a missing one is 550, CWD into a file or nothing is 550.
 */
function withFolders(folders: string[], extra: Record<string, Handler> = {}): FakeServerOptions {
  const tree = new Set(['', ...folders]);
  const parent = (p: string) => p.slice(0, Math.max(0, p.lastIndexOf('/')));
  return {
    files: { 'f.bin': 'abc' },
    handlers: {
      MKD: ({ session, arg }: CommandContext) => {
        const p = resolvePath(session.cwd, arg);
        if (tree.has(p)) return '550 File exists';
        if (!tree.has(parent(p))) return '550 No such file or directory';
        tree.add(p);
        return `257 "/${p}" created`;
      },
      RMD: ({ session, arg }: CommandContext) => (tree.delete(resolvePath(session.cwd, arg)) ? '250 Removed' : '550 No such folder'),
      CWD: ({ session, arg }: CommandContext) => {
        const p = resolvePath(session.cwd, arg);
        if (!tree.has(p)) return '550 Not a folder';
        session.cwd = p;
        return '250 OK';
      },
      ...extra,
    },
  };
}

describe('verbs on the fake server', () => {
  it('mkdir -p tries the path first, then makes each missing parent, and comes back', async () => {
    const c = await s.fakeWith(withFolders(['a']));
    await c.cwd('a');
    await c.mkdir('b/c/d', { recursive: true });
    expect(sent().filter((l) => /^(MKD|CWD)/.test(l))).toEqual([
      'CWD a',
      'MKD b/c/d',
      'CWD /a', // proves the way back
      'CWD b/c/d',
      'MKD b/c',
      'CWD b/c',
      'MKD b',
      'MKD b/c',
      'MKD b/c/d',
    ]);
    expect(await c.pwd()).toBe('/a');
    const mark = sent().length;
    await c.mkdir('b/c', { recursive: true }); // exists: CWD into it, and back
    expect(sent().slice(mark)).toEqual(['MKD b/c', 'CWD b/c', 'CWD /a']);
  });

  it('mkdir: an existing folder is a 550 without recursive; 550 and 450 are typed', async () => {
    const c = await s.fakeWith(withFolders(['a']));
    let err = await refusal(() => c.mkdir('a'));
    expect([err.kind, err.code, err instanceof PermanentError]).toEqual(['permanent', 550, true]);
    err = await refusal(() => c.mkdir('x/y/z', { recursive: false }));
    expect(err.kind).toBe('permanent');
    s.fake!.handlers.MKD = '450 Busy, try later';
    err = await refusal(() => c.mkdir('b', { recursive: true }));
    expect([err.kind, err.code, err instanceof TemporaryError]).toEqual(['temporary', 450, true]);
  });

  it('remove and removeDir: the files go, refusals are typed', async () => {
    const c = await s.fakeWith(withFolders(['d']));
    await c.remove('f.bin');
    expect(s.fake!.files.has('f.bin')).toBe(false);
    await c.removeDir('d');
    await expect(c.cwd('d')).rejects.toMatchObject({ kind: 'permanent', code: 550 });
    expect((await refusal(() => c.remove('f.bin'))).kind).toBe('permanent');
    expect((await refusal(() => c.removeDir('d'))).kind).toBe('permanent');
    s.fake!.handlers.DELE = '450 File busy';
    s.fake!.handlers.RMD = '421 Closing';
    expect(await refusal(() => c.remove('f.bin'))).toMatchObject({ kind: 'temporary', code: 450 });
    expect(await refusal(() => c.removeDir('d'))).toMatchObject({ kind: 'temporary', code: 421 });
  });

  it('rename: RNFR then RNTO moves the file; a refused RNFR sends no RNTO; a refused RNTO is typed', async () => {
    let from: string | undefined;
    const rename: Record<string, Handler> = {
      RNFR: ({ server, arg }: CommandContext) => (server.files.has(arg) ? ((from = arg), '350 Ready for RNTO') : '550 No such file'),
      RNTO: ({ server, arg }: CommandContext) => {
        if (arg === 'forbidden') return '553 Not allowed';
        server.files.set(arg, server.files.get(from!)!);
        server.files.delete(from!);
        return '250 Renamed';
      },
    };
    const c = await s.fakeWith(withFolders([], rename));
    await c.rename('f.bin', 'g.bin');
    expect([...s.fake!.files.keys()]).toEqual(['g.bin']);
    expect(s.fake!.files.get('g.bin')!.toString()).toBe('abc');
    expect(await refusal(() => c.rename('f.bin', 'h.bin'))).toMatchObject({ kind: 'permanent', code: 550 });
    expect(sent()).not.toContain('RNTO h.bin');
    expect(await refusal(() => c.rename('g.bin', 'forbidden'))).toMatchObject({ kind: 'permanent', code: 553 });
    s.fake!.handlers.RNFR = '450 Busy';
    expect(await refusal(() => c.rename('g.bin', 'x'))).toMatchObject({ kind: 'temporary', code: 450 });
    await expect(c.rename('g.bin', 'a\r\nDELE g.bin')).rejects.toMatchObject({ kind: 'argument' });
    expect(s.fake!.files.has('g.bin')).toBe(true);
  });

  it('stat with MLST: a file, a folder typed cdir, nothing (550); a 4xx is typed', async () => {
    const mlst: Handler = ({ arg }: CommandContext) => {
      if (arg === 'f.bin') return '250-Listing f.bin\r\n type=file;size=3;modify=20240102030405; f.bin\r\n250 End';
      if (arg === 'pub') return '250-Listing pub\r\n type=cdir;modify=20240101000000; /pub\r\n250 End';
      if (arg === 'busy') return '450 Try later';
      return '550 No such file';
    };
    const c = await s.fakeWith({ handlers: { FEAT: '211-Features:\r\n MLST type*;size*;modify*;\r\n SIZE\r\n211 End', MLST: mlst } });
    expect(await c.stat('f.bin')).toEqual({ type: 'file', size: 3, modified: new Date('2024-01-02T03:04:05Z') });
    expect(await c.stat('pub')).toEqual({ type: 'dir', modified: new Date('2024-01-01T00:00:00Z') });
    expect(await c.stat('nothing')).toBeUndefined();
    expect(await refusal(() => c.stat('busy'))).toMatchObject({ kind: 'temporary', code: 450 });
    expect(sent().filter((l) => /^(CWD|SIZE|LIST)/.test(l))).toEqual([]);
  });

  it('stat where SIZE is refused: a link, from its parent folder listing', async () => {
    const c = await s.fakeWith(withFolders(['pub'], { SIZE: '502 SIZE not implemented' }));
    s.fake!.listings.set('pub', 'lrwxrwxrwx 1 ftp ftp 5 Mar 01 2022 latest -> v1.2\r\n-rw-r--r-- 1 ftp ftp 7 Mar 01 2022 other\r\n');
    expect(await c.stat('pub/latest')).toEqual({ type: 'link', size: 5, permissions: 'rwxrwxrwx', modified: new Date('2022-03-01T00:00:00Z') });
    expect(await c.stat('pub/missing')).toBeUndefined();
    s.fake!.handlers.CWD = '450 Busy';
    expect(await refusal(() => c.stat('pub/latest'))).toMatchObject({ kind: 'temporary', code: 450 });
  });

  it('setModified: 213 is true, 502 false, 550 and 450 typed; no MFMT in FEAT sends nothing', async () => {
    const times: string[] = [];
    const mfmt: Handler = ({ arg }: CommandContext) => {
      const [time, name] = arg.split(' ');
      if (name === 'locked') return '550 Permission denied';
      if (name === 'busy') return '450 Try later';
      times.push(`${name} ${time}`);
      return `213 Modify=${time}; ${name}`;
    };
    const c = await s.fakeWith({ handlers: { FEAT: '211-Features:\r\n MFMT\r\n211 End', MFMT: mfmt } });
    expect(await c.setModified('f.bin', new Date('2020-01-02T03:04:05Z'))).toBe(true);
    expect(times).toEqual(['f.bin 20200102030405']);
    expect(await refusal(() => c.setModified('locked', new Date()))).toMatchObject({ kind: 'permanent', code: 550 });
    expect(await refusal(() => c.setModified('busy', new Date()))).toMatchObject({ kind: 'temporary', code: 450 });
    s.fake!.handlers.MFMT = '502 Command not implemented';
    expect(await c.setModified('f.bin', new Date())).toBe(false);

    const plain = await s.fakeWith({});
    expect(await plain.setModified('f.bin', new Date())).toBe(false);
    expect(s.fake!.verbs()).not.toContain('MFMT');
  });

  it('hash: the server digest through HASH', async () => {
    const body = randomBytes(100);
    const hex = createHash('sha256').update(body).digest('hex');
    const c = await s.fakeWith({
      files: { 'f.bin': body },
      handlers: { FEAT: '211-Features:\r\n HASH SHA-256*;MD5\r\n211 End', HASH: `213 SHA-256 0-100 ${hex} f.bin` },
    });
    expect(await c.hash('f.bin')).toEqual({ algorithm: 'sha256', hex });
  });
});
