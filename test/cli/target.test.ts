import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseTarget } from '../../src/cli/target.js';
import { exitCodeFor } from '../../src/cli/exit-codes.js';
import { startFakeServer, type FakeServer } from '../support/fake-server.js';
import { tftp } from '../support/cli.js';

describe('parseTarget: bare hosts', () => {
  it.each([
    ['ftp.example.com', 'ftp.example.com', undefined],
    ['192.0.2.7', '192.0.2.7', undefined],
    ['::1', '::1', undefined],
    ['2001:db8::1', '2001:db8::1', undefined],
    ['fe80::1%eth0', 'fe80::1%eth0', undefined],
    ['host:2121', 'host', 2121],
    ['127.0.0.1:2121', '127.0.0.1', 2121],
    ['[::1]', '::1', undefined],
    ['[::1]:2121', '::1', 2121],
    ['[2001:db8::1]:21', '2001:db8::1', 21],
  ])('%s is host %s, port %s', (arg, host, port) => {
    const t = parseTarget(arg);
    expect(t.host).toBe(host);
    expect(t.port).toBe(port);
    expect(t.isUrl).toBe(false);
  });

  it.each(['host:0', 'host:65536', 'host:', ':21', 'host:21x', '[::1]:0', '[host]', '[::1', '::1]', '1:2:zz', 'a b', 'a/b', 'u@h'])('%j is a usage error', (arg) => {
    let err: unknown;
    try {
      parseTarget(arg);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ kind: 'argument' }); // exit 2
    expect(exitCodeFor(err)).toBe(2);
  });
});

describe('parseTarget: URLs', () => {
  it('keeps a port equal to the default, which WHATWG parsing drops', () => {
    expect(parseTarget('ftp://h:21/f').port).toBe(21);
    expect(parseTarget('ftp://h:00021/f').port).toBe(21);
    expect(parseTarget('ftps://h:990/f').port).toBe(990);
    expect(parseTarget('ftp://h/f').port).toBeUndefined();
    expect(parseTarget('ftp://h:/f').port).toBeUndefined();
    expect(parseTarget('ftp://[::1]:2121/f')).toMatchObject({ host: '::1', port: 2121 });
    expect(parseTarget('ftp://u:p:w@h:2121/f')).toMatchObject({ host: 'h', port: 2121, user: 'u', password: 'p:w' });
  });

  it.each(['ftp://h:0/', 'ftpes://h:0/f', 'ftp://[::1]:0/'])('%s (port 0) is a usage error', (arg) => {
    expect(() => parseTarget(arg)).toThrow(/invalid port/);
  });

  it.each(['ftp:///file', 'ftp:///', 'ftpes:///x', 'ftp://user@/x', 'ftp://:21/x', 'ftp://'])('%s says the host is missing', (arg) => {
    expect(() => parseTarget(arg)).toThrow(/URL has no host/);
  });

  it('an unknown scheme is named before anything else', () => {
    expect(() => parseTarget('http:///x')).toThrow(/unsupported URL scheme http/);
  });

  it('? and # belong to the path: FTP URLs have no query or fragment', () => {
    expect(parseTarget('ftp://h/pub/file?.iso').path).toBe('pub/file?.iso');
    expect(parseTarget('ftp://h/a?').path).toBe('a?');
    expect(parseTarget('ftp://h/notes#1.txt').path).toBe('notes#1.txt');
    expect(parseTarget('ftpes://h/a%3Fb').path).toBe('a?b');
    expect(parseTarget('ftp://h/my%20file.txt').path).toBe('my file.txt');
  });
});

describe('the port a command connects to', () => {
  let server: FakeServer;
  let other: FakeServer;
  beforeAll(async () => {
    server = await startFakeServer();
    other = await startFakeServer();
  });
  afterAll(async () => {
    await server.close();
    await other.close();
  });
  beforeEach(() => {
    server.commands.length = 0;
    other.commands.length = 0;
  });

  it('host:port as a bare host, over -P', async () => {
    const r = await tftp(['ls', '--names', '-P', String(other.port), `127.0.0.1:${server.port}`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(server.commands).toContain('NLST');
    expect(other.commands).toEqual([]);
  });

  it('a bracketed IPv6 address with a port is not taken for a name', async () => {
    const r = await tftp(['ls', '--names', '--timeout', '2', `[::1]:${server.port}`]);
    // The fake server listens on 127.0.0.1 only: a connection to ::1 is refused, not a DNS failure.
    expect(r.stderr).toMatch(new RegExp(`cannot connect to \\[?::1\\]?:${server.port}`));
    expect(r.code).toBe(3);
  });

  it('ftp://host:0/ is exit 2 before connecting', async () => {
    const r = await tftp(['ls', 'ftp://127.0.0.1:0/']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('tftp: invalid port in ftp://127.0.0.1:0/: expected 1-65535\n');
  });

  it('ftp:///file is exit 2: the host is missing', async () => {
    const r = await tftp(['get', 'ftp:///file']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('tftp: URL has no host: ftp:///file\n');
  });
});
