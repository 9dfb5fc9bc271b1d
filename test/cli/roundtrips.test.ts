import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordingGreeting, startFakeServer, type FakeServer, type FakeServerOptions, type FakeSession } from '../support/fake-server.js';
import { startFtpSrv, type RunningFtpSrv } from '../support/ftpsrv.js';
import { tftp } from '../support/cli.js';

// What the server receives, one entry per read of its control socket: the
// lines a client wrote together (pipelined). On loopback a single small write
// arrives in one read; a client that waits for each reply writes each command
// alone. So the number of entries before QUIT is the number of round trips
// the client waited for.
type Writes = string[][];

let server: FakeServer;
let writes: Writes;
let local: string;
const start = async (opts: FakeServerOptions = {}) => {
  writes = [];
  server = await startFakeServer({ greeting: recordingGreeting(writes), ...opts });
  return server;
};
const host = () => ['127.0.0.1', '-P', String(server.port)];

beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-rt-'));
});
afterEach(async () => {
  await server?.close();
  await rm(local, { recursive: true, force: true });
});

/** The client does not wait for QUIT's reply: the server may read it just after the command returns. */
const quitRead = (log: Writes) => vi.waitFor(() => expect(log.at(-1)).toEqual(['QUIT']));

const BODY = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 251));

describe('control round trips of one small file (fake server)', () => {
  it('get: EPSV and TYPE I go with SIZE, no FEAT, QUIT last: 3 waits after the greeting', async () => {
    await start({ files: { 'f.bin': BODY } });
    const r = await tftp(['get', '-q', ...host(), 'f.bin', join(local, 'f.bin')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((await readFile(join(local, 'f.bin'))).equals(BODY)).toBe(true);
    await quitRead(writes);
    expect(writes).toEqual([['USER anonymous'], ['PASS anonymous@'], ['EPSV', 'TYPE I', 'SIZE f.bin'], ['RETR f.bin'], ['QUIT']]);
  });

  it('put: TYPE I goes with EPSV: 3 waits after the greeting', async () => {
    await start();
    await writeFile(join(local, 'up.bin'), BODY);
    const r = await tftp(['put', '-q', ...host(), join(local, 'up.bin'), 'up.bin']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(server.uploads).toHaveLength(1);
    expect(server.uploads[0]!.data.equals(BODY)).toBe(true);
    await quitRead(writes);
    expect(writes).toEqual([['USER anonymous'], ['PASS anonymous@'], ['TYPE I', 'EPSV'], ['STOR up.bin'], ['QUIT']]);
  });

  it('ls: TYPE A goes with EPSV for the session folder; for a named one TYPE A, OPTS UTF8 ON and the listing\'s EPSV go with the CWD', async () => {
    await start({ files: { 'd/a.txt': 'a' } });
    const r = await tftp(['ls', ...host()]);
    expect(r.code).toBe(0);
    await quitRead(writes);
    expect(writes).toEqual([['USER anonymous'], ['PASS anonymous@'], ['TYPE A', 'OPTS UTF8 ON', 'EPSV'], ['LIST'], ['QUIT']]);
    writes.length = 0;
    const d = await tftp(['ls', ...host(), '/d']);
    expect(d.code).toBe(0);
    expect(d.stdout.toString()).toContain('a.txt');
    await quitRead(writes);
    // The session ends after the listing: no PWD to learn the way back, no CWD back.
    expect(writes).toEqual([['USER anonymous'], ['PASS anonymous@'], ['TYPE A', 'OPTS UTF8 ON', 'EPSV', 'CWD /d'], ['LIST'], ['QUIT']]);
  });

  it('a refused TYPE fails the command it went with, with the server\'s word', async () => {
    await start({ files: { 'f.bin': BODY }, handlers: { TYPE: '504 Type not supported' } });
    const r = await tftp(['get', '-q', ...host(), 'f.bin', join(local, 'f.bin')]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('504 Type not supported');
    expect(server.verbs()).not.toContain('RETR');
  });

  it('exits once QUIT is written, without waiting for its 221', async () => {
    // vsftpd answers QUIT only after closing an uploaded file; this server never does.
    await start({ handlers: { QUIT: () => new Promise(() => {}) } });
    await writeFile(join(local, 'up.bin'), BODY);
    const began = performance.now();
    const r = await tftp(['put', '-q', '--timeout', '20', ...host(), join(local, 'up.bin'), 'up.bin']);
    expect(r.code).toBe(0);
    expect(performance.now() - began).toBeLessThan(3_000);
    expect(server.uploads[0]!.data.equals(BODY)).toBe(true);
    await vi.waitFor(() => expect(server.verbs().at(-1)).toBe('QUIT'));
  }, 30_000);

  it('still waits for the final reply of the transfer: a late 226 is waited for, a late 451 fails', async () => {
    const late = (reply: string) => async ({ session, fallback }: { session: FakeSession; fallback(): Promise<void> }) => {
      const send = session.send.bind(session);
      // The built-in STOR writes 150, then its final reply: hold that one back.
      session.send = (raw) => (String(raw).startsWith('226') ? new Promise((r) => setTimeout(r, 600)).then(() => send(reply)) : send(raw));
      await fallback();
      session.send = send;
    };
    await start({ handlers: { STOR: late('226 Transfer complete\r\n') } });
    await writeFile(join(local, 'up.bin'), BODY);
    const began = performance.now();
    const ok = await tftp(['put', '-q', ...host(), join(local, 'up.bin'), 'up.bin']);
    expect(ok.code).toBe(0);
    expect(performance.now() - began).toBeGreaterThanOrEqual(550);
    await server.close();
    await start({ handlers: { STOR: late('451 Disk trouble\r\n') } });
    const bad = await tftp(['put', '-q', ...host(), join(local, 'up.bin'), 'up.bin']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('451');
  });
});

describe('non-ASCII names on a server that needs OPTS UTF8 ON', () => {
  // Like IIS with a local code page: names outside ASCII are found only once told UTF-8.
  const strict = (): FakeServerOptions['handlers'] => {
    let utf8 = false;
    const guarded = async ({ arg, session, fallback }: { arg: string; session: FakeSession; fallback(): Promise<void> }) => {
      // eslint-disable-next-line no-control-regex
      if (/[^\x00-\x7f]/.test(arg) && !utf8) return session.reply(550, 'No such file');
      return fallback();
    };
    return {
      OPTS: ({ arg, session }) => {
        if (arg.toUpperCase() === 'UTF8 ON') utf8 = true;
        return session.reply(200, 'UTF8 set to on');
      },
      SIZE: guarded,
      RETR: guarded,
      STOR: guarded,
      CWD: guarded,
    };
  };

  it('get: FEAT and OPTS UTF8 ON go before the first command naming the file', async () => {
    await start({ files: { 'café.bin': BODY }, handlers: strict() });
    const r = await tftp(['get', '-q', ...host(), 'café.bin', join(local, 'café.bin')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((await readFile(join(local, 'café.bin'))).equals(BODY)).toBe(true);
    const verbs = server.verbs();
    expect(verbs.indexOf('OPTS')).toBeGreaterThan(verbs.indexOf('FEAT'));
    expect(verbs.indexOf('OPTS')).toBeLessThan(server.commands.findIndex((c) => c.includes('café')));
  });

  it('put and ls of a folder: the same', async () => {
    await start({ files: { 'dossier/x.txt': 'x' }, handlers: strict() });
    await writeFile(join(local, 'été.bin'), BODY);
    const r = await tftp(['put', '-q', ...host(), join(local, 'été.bin'), 'été.bin']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(server.uploads[0]!.name).toBe('été.bin');
    expect(server.uploads[0]!.data.equals(BODY)).toBe(true);
    await server.close();
    await start({ files: { 'déjà/x.txt': 'x' }, handlers: strict() });
    const l = await tftp(['ls', ...host(), '/déjà']);
    expect(l.stderr).toBe('');
    expect(l.code).toBe(0);
    expect(l.stdout.toString()).toContain('x.txt');
    expect(server.verbs()).toContain('OPTS');
  });
});

describe('a server that lists names in its local code page until told UTF-8', () => {
  // IIS-like: LIST sends latin1 names until OPTS UTF8 ON, after which it sends UTF-8.
  const codePageUntilTold = (): FakeServerOptions => ({
    commandEncoding: 'latin1',
    handlers: {
      OPTS: ({ arg, session, server: s }) => {
        if (arg.toUpperCase() === 'UTF8 ON') {
          s.commandEncoding = 'utf8';
          session.socket.setEncoding('utf8');
        }
        return session.reply(200, 'UTF8 set to on');
      },
    },
  });

  it('ls of an ASCII folder: OPTS UTF8 ON goes with the EPSV of the listing, no round trip of its own, and names arrive as UTF-8', async () => {
    await start({ files: { 'café.txt': 'a' }, ...codePageUntilTold() });
    const r = await tftp(['ls', ...host()]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toContain('café.txt');
    await quitRead(writes);
    expect(writes).toEqual([['USER anonymous'], ['PASS anonymous@'], ['TYPE A', 'OPTS UTF8 ON', 'EPSV'], ['LIST'], ['QUIT']]);
  });
});

describe('against ftp-srv, from its own log of what it read', () => {
  let srv: RunningFtpSrv;
  let reads: Writes;
  beforeEach(async () => {
    reads = [];
    srv = await startFtpSrv({ onRead: (lines) => reads.push(lines) });
    await mkdir(join(srv.root, 'upload'));
    await writeFile(join(srv.root, 'f.bin'), BODY);
  });
  afterEach(() => srv.close());
  const at = () => ['127.0.0.1', '-P', String(srv.port)];

  it('get, put and ls of one small file (its anonymous USER needs no PASS)', async () => {
    const g = await tftp(['get', '-q', ...at(), '/f.bin', join(local, 'f.bin')]);
    expect(g.code).toBe(0);
    expect((await readFile(join(local, 'f.bin'))).equals(BODY)).toBe(true);
    await quitRead(reads);
    expect(reads).toEqual([['USER anonymous'], ['EPSV', 'TYPE I', 'SIZE /f.bin'], ['RETR /f.bin'], ['QUIT']]);
    reads.length = 0;
    const p = await tftp(['put', '-q', ...at(), join(local, 'f.bin'), '/upload/f.bin']);
    expect(p.code).toBe(0);
    expect((await readFile(join(srv.root, 'upload', 'f.bin'))).equals(BODY)).toBe(true);
    await quitRead(reads);
    expect(reads).toEqual([['USER anonymous'], ['TYPE I', 'EPSV'], ['STOR /upload/f.bin'], ['QUIT']]);
    reads.length = 0;
    const l = await tftp(['ls', ...at()]);
    expect(l.code).toBe(0);
    expect(l.stdout.toString()).toContain('f.bin');
    await quitRead(reads);
    expect(reads).toEqual([['USER anonymous'], ['TYPE A', 'OPTS UTF8 ON', 'EPSV'], ['LIST'], ['QUIT']]);
  });

  it('ls of a relative folder, of a file and of nothing: listed from inside, no PWD and no CWD back (the session ends)', async () => {
    await mkdir(join(srv.root, 'd', 'sub'), { recursive: true });
    await writeFile(join(srv.root, 'd', 'sub', 'a.txt'), 'a');
    await writeFile(join(srv.root, 'd', 'f.txt'), 'ff');
    const cwds = () => reads.flat().filter((c) => /^(CWD|PWD)/.test(c));
    const d = await tftp(['ls', ...at(), 'd/sub']);
    expect(d.stderr.toString()).toBe('');
    expect(d.code).toBe(0);
    expect(d.stdout.toString()).toMatch(/ a\.txt\n$/);
    await quitRead(reads);
    expect(reads).toEqual([['USER anonymous'], ['TYPE A', 'OPTS UTF8 ON', 'EPSV', 'CWD d/sub'], ['LIST'], ['QUIT']]);
    reads.length = 0;
    const j = await tftp(['ls', '--json', ...at(), 'd/sub']);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout.toString()).map((e: { name: string }) => e.name)).toEqual(['a.txt']);
    await quitRead(reads);
    expect(cwds()).toEqual(['CWD d/sub']);
    reads.length = 0;
    // A file: CWD refuses it, so its own line comes from its parent, listed from inside.
    const f = await tftp(['ls', ...at(), 'd/f.txt']);
    expect(f.stderr.toString()).toBe('');
    expect(f.code).toBe(0);
    expect(f.stdout.toString().trim().split('\n')).toHaveLength(1);
    expect(f.stdout.toString()).toMatch(/ f\.txt\n$/);
    await quitRead(reads);
    expect(cwds()).toEqual(['CWD d/f.txt', 'CWD d']);
    // Each CWD takes an EPSV along; the listing uses the newest, and no round trip goes to EPSV alone.
    expect(reads).toEqual([['USER anonymous'], ['TYPE A', 'OPTS UTF8 ON', 'EPSV', 'CWD d/f.txt'], ['EPSV', 'CWD d'], ['LIST'], ['QUIT']]);
    reads.length = 0;
    const missing = await tftp(['ls', ...at(), 'd/nothing']);
    expect(missing.stderr.toString()).toMatch(/no such file or folder: d\/nothing/);
    expect(missing.code).toBe(5);
  });
});
