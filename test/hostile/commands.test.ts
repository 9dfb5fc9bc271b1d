import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeServer, type FakeServer } from '../support/fake-server.js';
import { tftp, type CliResult } from '../support/cli.js';
import { FtpClient } from '../../src/core/client.js';
import { FtpError, ProtocolError } from '../../src/protocol/errors.js';

// CR, LF or NUL in anything that goes into a command line would let a name
// smuggle a second command (bpo-30119 class): refused before connecting.

let local: string;
let server: FakeServer;
beforeEach(async () => {
  local = await mkdtemp(join(tmpdir(), 'tftp-cmd-'));
  server = await startFakeServer({ files: { 'f.bin': 'data', 'x': 'victim' } });
});
afterEach(async () => {
  await server.close();
  await rm(local, { recursive: true, force: true });
});

const host = () => ['127.0.0.1', '-P', String(server.port), '--timeout', '1'];
const url = (userinfo: string, path: string) => `ftp://${userinfo}127.0.0.1:${server.port}/${path}`;

/** Exit 2, one error line naming the character class (after an optional --password warning), nothing sent. */
function expectRefused(r: CliResult, what: RegExp) {
  expect(r.code).toBe(2);
  const lines = r.stderr.trimEnd().split('\n').filter((l) => !l.startsWith('tftp: warning:'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^tftp: /);
  expect(lines[0]).toMatch(what);
  expect(lines[0]).toMatch(/CR, LF or NUL/);
  expect(server.connections).toEqual([]);
  expect(server.commands).toEqual([]);
  expect(server.files.get('x')?.toString()).toBe('victim');
}

const evil: [string, string][] = [
  ['CR LF', 'f.bin\r\nDELE x'],
  ['a bare LF', 'f.bin\nDELE x'],
  ['a bare CR', 'f.bin\rDELE x'],
  ['NUL', 'f.bin\0DELE x'],
];
const encoded: [string, string][] = [
  ['%0D%0A', 'f.bin%0D%0ADELE%20x'],
  ['%0A', 'f.bin%0ADELE%20x'],
  ['%0D', 'f.bin%0DDELE%20x'],
  ['%00', 'f.bin%00DELE%20x'],
];

describe('paths', () => {
  it.each(evil)('get: a remote path with %s', async (_n, path) => {
    expectRefused(await tftp(['get', ...host(), path, join(local, 'out')]), /remote path/);
  });

  it.each(encoded)('get: a URL path with %s', async (_n, path) => {
    expectRefused(await tftp(['get', url('', path), join(local, 'out')]), /remote path/);
  });

  it.each(evil)('put: a remote name with %s', async (_n, path) => {
    const src = join(local, 'src.txt');
    await writeFile(src, 'hello');
    expectRefused(await tftp(['put', ...host(), src, path]), /remote path/);
  });

  it.each(encoded)('put: a URL path with %s', async (_n, path) => {
    const src = join(local, 'src.txt');
    await writeFile(src, 'hello');
    expectRefused(await tftp(['put', url('', path), src]), /remote path/);
  });

  it.each(evil.filter(([n]) => n !== 'NUL'))('put: a local file whose name has %s, uploaded under its own name', async (_n, name) => {
    const src = join(local, name);
    await writeFile(src, 'hello');
    expectRefused(await tftp(['put', ...host(), src]), /remote path/);
  });

  it.each(evil)('ls: a path with %s', async (_n, path) => {
    expectRefused(await tftp(['ls', ...host(), path]), /remote path/);
  });
});

describe('user names and passwords', () => {
  it.each(evil)('-u with %s', async (_n, user) => {
    expectRefused(await tftp(['get', '-u', user, ...host(), 'f.bin', join(local, 'out')]), /user name/);
  });

  it.each(encoded)('a URL user with %s', async (_n, user) => {
    expectRefused(await tftp(['get', url(`${user}:pw@`, 'f.bin'), join(local, 'out')]), /user name/);
  });

  it.each(evil)('--password with %s', async (_n, pw) => {
    expectRefused(await tftp(['get', '-u', 'bob', '--password', pw, ...host(), 'f.bin', join(local, 'out')]), /password/);
  });

  it.each(evil)('TFTP_PASSWORD with %s', async (_n, pw) => {
    expectRefused(await tftp(['get', '-u', 'bob', ...host(), 'f.bin', join(local, 'out')], { env: { TFTP_PASSWORD: pw } }), /password/);
  });

  it.each(encoded)('a URL password with %s', async (_n, pw) => {
    expectRefused(await tftp(['get', url(`bob:${pw}@`, 'f.bin'), join(local, 'out')]), /password/);
  });

  it.each([
    ['a CR', 'pw\rDELE x\n'],
    ['a NUL', 'pw\0DELE x\n'],
  ])('--password-stdin with %s inside its line', async (_n, stdin) => {
    expectRefused(await tftp(['get', '-u', 'bob', '--password-stdin', ...host(), 'f.bin', join(local, 'out')], { stdin }), /password/);
  });

  it('a netrc password with a CR inside quotes', async () => {
    const netrc = join(local, 'netrc');
    await writeFile(netrc, `machine 127.0.0.1 login bob password "pw\rDELE x"\n`);
    await chmod(netrc, 0o600);
    expectRefused(await tftp(['get', '--netrc-file', netrc, ...host(), 'f.bin', join(local, 'out')]), /password/);
  });
});

describe('the library refuses the same before sending (FtpClient)', () => {
  let client: FtpClient;
  beforeEach(async () => {
    client = new FtpClient({ timeoutMs: 1000 });
    await client.connect('127.0.0.1', server.port);
  });
  afterEach(() => client.close());

  it('login with CR/LF in the user or password sends nothing', async () => {
    await expect(client.login('bob\r\nDELE x', 'pw')).rejects.toMatchObject({ kind: 'argument' });
    await expect(client.login('bob', 'pw\nDELE x')).rejects.toMatchObject({ kind: 'argument' });
    expect(server.commands).toEqual([]);
  });

  it.each([
    ['cwd', (c: FtpClient) => c.cwd('dir\r\nDELE x')],
    ['size', (c: FtpClient) => c.size('f.bin\nDELE x')],
    ['mdtm', (c: FtpClient) => c.mdtm('f.bin\0')],
    ['sendcmd', (c: FtpClient) => c.sendcmd('NOOP\r\nDELE x')],
    ['retrieve', (c: FtpClient) => c.retrieve('RETR f.bin\r\nDELE x', { fd: -1, position: 0 })],
    ['read', (c: FtpClient) => c.read('f.bin\r\nDELE x', { fd: -1, position: 0 }, { ascii: true })],
    ['write', (c: FtpClient) => c.write('f.bin\nDELE x', Readable.from([Buffer.from('a')]))],
  ])('%s with CR/LF/NUL sends nothing more', async (_n, call) => {
    await client.login();
    const before = [...server.commands];
    const err = await call(client).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(FtpError);
    expect(err).toMatchObject({ kind: 'argument' });
    expect(server.commands).toEqual(before);
    expect(server.files.get('x')?.toString()).toBe('victim');
  });
});

describe('a 257 reply cannot smuggle a line into a path (library: client.pwd())', () => {
  async function pwdWith(reply: string): Promise<unknown> {
    server.handlers.PWD = reply;
    const client = new FtpClient({ timeoutMs: 1000 });
    try {
      await client.connect('127.0.0.1', server.port);
      await client.login();
      return await client.pwd().then((path) => ({ path }), (e: unknown) => e);
    } finally {
      client.close();
    }
  }

  it('reads an ordinary 257 with doubled quotes', async () => {
    expect(await pwdWith('257 "/a ""quoted"" dir" is current')).toEqual({ path: '/a "quoted" dir' });
  });

  it.each([
    ['a CR inside the quotes', '257 "/x\rSTOR y" is current\r\n'],
    ['a LF across a multi-line reply', '257-"/x\r\n257 STOR y" is current\r\n'],
    ['no closing quote', '257 "/x is the current directory'],
    ['no quote at all', '257 /x is the current directory'],
    ['an empty text', '257'],
  ])('%s is a ProtocolError', async (_n, reply) => {
    const err = await pwdWith(reply);
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as Error).message).toMatch(/^malformed 257 reply/);
  });
});
