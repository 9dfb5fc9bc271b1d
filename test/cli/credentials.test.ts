import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeServer, type FakeServer } from '../support/fake-server.js';
import { tftp } from '../support/cli.js';
import { findNetrcEntry, parseNetrc } from '../../src/cli/netrc.js';

let server: FakeServer;
let home: string;
beforeAll(async () => {
  server = await startFakeServer();
  home = await mkdtemp(join(tmpdir(), 'tftp-home-'));
});
afterAll(async () => {
  await server.close();
  await rm(home, { recursive: true, force: true });
});
beforeEach(async () => {
  // The last run's QUIT (not waited for) may still be on its way.
  await vi.waitFor(() => expect(server.sockets.size).toBe(0));
  server.commands.length = 0;
});

const login = () => server.commands.filter((c) => /^(USER|PASS) /.test(c));
const ls = (extra: string[], opts: Parameters<typeof tftp>[1] = {}) =>
  tftp(['ls', ...extra, '-P', String(server.port), '127.0.0.1'], { ...opts, env: { HOME: home, ...opts.env } });

async function netrc(text: string, mode = 0o600): Promise<string> {
  const path = join(home, '.netrc');
  await writeFile(path, text);
  await chmod(path, mode);
  return path;
}

describe('where the password comes from', () => {
  it('prefers the URL, then --password, then --password-stdin, then TFTP_PASSWORD', async () => {
    await tftp(['ls', `ftp://bob:url%20pw@127.0.0.1:${server.port}/`], { env: { TFTP_PASSWORD: 'env' } });
    expect(login()).toEqual(['USER bob', 'PASS url pw']);
    server.commands.length = 0;
    const r = await ls(['-u', 'bob', '--password', 'flag', '--password-stdin'], { stdin: 'stdin\n', env: { TFTP_PASSWORD: 'env' } });
    expect(login()).toEqual(['USER bob', 'PASS flag']);
    expect(r.stderr).toMatch(/warning: a password given with --password can be seen by other users/);
    server.commands.length = 0;
    await ls(['-u', 'bob', '--password-stdin'], { stdin: 'from stdin\r\nnext line\n', env: { TFTP_PASSWORD: 'env' } });
    expect(login()).toEqual(['USER bob', 'PASS from stdin']);
    server.commands.length = 0;
    await ls(['-u', 'bob'], { env: { TFTP_PASSWORD: 'env' } });
    expect(login()).toEqual(['USER bob', 'PASS env']);
  });

  it('reads login and password from ~/.netrc for the machine, else the default entry', async () => {
    await netrc('machine other login x password y\nmachine 127.0.0.1\n  login carol password "s3 cret"\ndefault login anon password d\n');
    await ls([]);
    expect(login()).toEqual(['USER carol', 'PASS s3 cret']);
    server.commands.length = 0;
    await ls(['-u', 'dave']); // another user: the entry does not apply
    expect(login()).toEqual(['USER dave', 'PASS ']);
  });

  it('refuses a netrc that other users can read, with a warning', async () => {
    await netrc('machine 127.0.0.1 login carol password secret\n', 0o644);
    const r = await ls([]);
    expect(r.stderr).toMatch(/warning: .*\.netrc is readable by other users: ignored/);
    expect(login()).toEqual(['USER anonymous', 'PASS anonymous@']);
  });

  it('--netrc-file names another file', async () => {
    const path = join(home, 'creds');
    await writeFile(path, 'machine 127.0.0.1 login erin password pw\n', { mode: 0o600 });
    await ls(['--netrc-file', path]);
    expect(login()).toEqual(['USER erin', 'PASS pw']);
  });

  it('picks the entry whose login is the user, among several for the host', async () => {
    await netrc('machine 127.0.0.1 login carol password c-pw\nmachine 127.0.0.1 login dave password d-pw\n');
    await ls(['-u', 'dave']);
    expect(login()).toEqual(['USER dave', 'PASS d-pw']);
    server.commands.length = 0;
    await tftp(['ls', `ftp://dave@127.0.0.1:${server.port}/`], { env: { HOME: home } });
    expect(login()).toEqual(['USER dave', 'PASS d-pw']);
    server.commands.length = 0;
    await ls([]); // no user: the host's first entry
    expect(login()).toEqual(['USER carol', 'PASS c-pw']);
  });

  it('skips # comments, as curl does', async () => {
    await netrc('# machine 127.0.0.1 login mallory password m\nmachine 127.0.0.1 login carol # password wrong\n  password "#right" # trailing words\n');
    await ls([]);
    expect(login()).toEqual(['USER carol', 'PASS #right']);
  });

  it.each([
    ['a missing file', 'nonexistent', /^tftp: cannot read --netrc-file .*nonexistent: ENOENT\n$/],
    ['a folder', '.', /^tftp: cannot read --netrc-file .*: EISDIR\n$/],
  ])('--netrc-file naming %s is exit 2 before connecting', async (_what, name, message) => {
    const r = await ls(['--netrc-file', join(home, name)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(server.commands).toEqual([]);
  });

  it.each([
    ['no line', ''],
    ['an empty line', '\nsecret\n'],
    ['a bare CRLF', '\r\n'],
  ])('an empty --password-stdin (%s) is exit 2 before connecting', async (_what, stdin) => {
    const r = await ls(['-u', 'bob', '--password-stdin'], { stdin });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('tftp: --password-stdin: stdin gave no password (no line, or an empty one)\n');
    expect(server.commands).toEqual([]);
  });

  it('-u user:password splits at the first colon, as curl does', async () => {
    const r = await ls(['-u', 'bob:pa:ss:word']);
    expect(login()).toEqual(['USER bob', 'PASS pa:ss:word']);
    expect(r.stderr).toMatch(/warning: a password given with -u user:password can be seen by other users/);
    server.commands.length = 0;
    await ls(['-u', 'bob:']); // an empty password, not a prompt
    expect(login()).toEqual(['USER bob', 'PASS ']);
    server.commands.length = 0;
    await tftp(['ls', '-u', 'bob:pw', `ftp://alice@127.0.0.1:${server.port}/`]); // the URL's user: not bob's password
    expect(login()).toEqual(['USER alice', 'PASS ']);
    const both = await ls(['-u', 'bob:pw', '--password', 'other']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/give the password once/);
  });

  it('never shows the password in a trace or an error', async () => {
    const r = await ls(['-v', '-u', 'bob'], { env: { TFTP_PASSWORD: 'hunter2' } });
    expect(r.stderr).toContain('> PASS ****');
    expect(r.stderr).not.toContain('hunter2');
  });
});

describe('parseNetrc', () => {
  it.each([
    ['machine h login u password p', 'h', { login: 'u', password: 'p' }],
    ['machine h\n\tlogin u\n\tpassword p\n', 'h', { login: 'u', password: 'p' }],
    ['macdef init\ncd /\nls\n\nmachine h login u password p', 'h', { login: 'u', password: 'p' }],
    ['machine h login u account a password "p w"', 'h', { login: 'u', password: 'p w' }],
    ['#machine h login x\nmachine h login u #password x\npassword p#x', 'h', { login: 'u', password: 'p#x' }],
    ['machine H.Example login u password p', 'h.example', { login: 'u', password: 'p' }],
  ])('%j', (text, host, entry) => {
    expect(findNetrcEntry(parseNetrc(text), host, undefined)).toEqual(entry);
  });

  it('keeps every entry of a host; the user picks one, else the first', () => {
    const netrc = parseNetrc('machine h login a password 1\nmachine h login b password 2\ndefault login b password 3\n');
    expect(findNetrcEntry(netrc, 'h', 'b')).toEqual({ login: 'b', password: '2' });
    expect(findNetrcEntry(netrc, 'h', undefined)).toEqual({ login: 'a', password: '1' });
    expect(findNetrcEntry(netrc, 'h', 'c')).toBeUndefined();
    expect(findNetrcEntry(netrc, 'other', 'b')).toEqual({ login: 'b', password: '3' });
  });

  it('keeps the default entry apart', () => {
    expect(parseNetrc('default login anonymous password me@').fallback).toEqual({ login: 'anonymous', password: 'me@' });
  });
});

describe('credentials over several connections', () => {
  it('-j 3 with --password-stdin reads stdin once and logs every connection in', async () => {
    const { startFtpSrv } = await import('../support/ftpsrv.js');
    const { mkdir, readFile } = await import('node:fs/promises');
    const srv = await startFtpSrv({ users: { alice: 'secret' } });
    const out = await mkdtemp(join(tmpdir(), 'tftp-creds-'));
    try {
      await mkdir(join(srv.root, 'set'));
      for (let i = 0; i < 6; i++) await writeFile(join(srv.root, 'set', `f${i}`), `file ${i}\n`);
      const r = await tftp(['get', '-r', '-j', '3', '-u', 'alice', '--password-stdin', '-P', String(srv.port), '127.0.0.1', 'set', join(out, 'a')], { stdin: 'secret\n' });
      expect(r.stderr).toMatch(/^downloaded 6 files/);
      expect(r.code).toBe(0);
      for (let i = 0; i < 6; i++) expect(await readFile(join(out, 'a', `f${i}`), 'utf8')).toBe(`file ${i}\n`);
      // --password warns once, not once per connection.
      const w = await tftp(['get', '-r', '-j', '3', '-u', 'alice', '--password', 'secret', '-P', String(srv.port), '127.0.0.1', 'set', join(out, 'b')]);
      expect(w.code).toBe(0);
      expect(w.stderr.match(/warning: a password given with --password/g)).toHaveLength(1);
    } finally {
      await srv.close();
      await rm(out, { recursive: true, force: true });
    }
  });
});
