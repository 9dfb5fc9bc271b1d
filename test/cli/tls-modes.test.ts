import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { startFtpSrv, TEST_CA, type RunningFtpSrv } from '../support/ftpsrv.js';
import { startFakeServer } from '../support/fake-server.js';
import { tftp, type CliResult } from '../support/cli.js';
import { startSilent, startTlsScript } from '../support/tls-script-server.js';

// The wrong FTPS mode, or not FTP at all: one clear line that says what to try,
// with the exit code of its class (TLS 9, connect 3), in bounded time.

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});
async function keep<T extends { close(): Promise<void> }>(s: Promise<T>): Promise<T> {
  const server = await s;
  open.push(server);
  return server;
}

function expectOneLine(r: CliResult, code: number, message: RegExp) {
  expect(r.stderr).toMatch(/^tftp: [^\n]*\n$/);
  expect(r.stderr).toMatch(message);
  expect(r.code).toBe(code);
}

const timed = async (argv: string[]) => {
  const started = Date.now();
  const r = await tftp(argv);
  return { ...r, ms: Date.now() - started };
};

describe('implicit FTPS against a server that is not', () => {
  it('ftps:// against an explicit FTPS server says to try ftpes:// (exit 9)', async () => {
    const srv: RunningFtpSrv = await keep(startFtpSrv({ tls: 'explicit' }));
    const r = await timed(['ls', '--ca-file', TEST_CA, '--timeout', '20', `ftps://127.0.0.1:${srv.port}/`]);
    expectOneLine(r, 9, /^tftp: control connection: the server answered in plain text: it is not implicit FTPS; try ftpes:\/\/ \(or --tls explicit\) or ftp:\/\/\n$/);
    expect(r.ms).toBeLessThan(5_000);
  });

  it('--tls=implicit against a plain FTP server says the same', async () => {
    const fake = await keep(startFakeServer());
    const r = await timed(['ls', '--tls=implicit', '--timeout', '20', '-P', String(fake.port), '127.0.0.1']);
    expectOneLine(r, 9, /the server answered in plain text: it is not implicit FTPS; try ftpes:\/\//);
    expect(r.ms).toBeLessThan(5_000);
  });
});

describe('plain or explicit FTP against implicit FTPS', () => {
  it('a server whose first bytes are a TLS record: try ftps:// (exit 3, at once)', async () => {
    // A TLS alert record (fatal, protocol_version), as some TLS stacks send to anything odd.
    const s = await keep(startSilent(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46])));
    const r = await timed(['ls', '--timeout', '8', '-P', String(s.port), '127.0.0.1']);
    expectOneLine(r, 3, /^tftp: the server speaks TLS from its first byte: it is implicit FTPS; try ftps:\/\/ \(or --tls implicit\)\n$/);
    expect(r.ms).toBeLessThan(5_000);
  });

  it('ftpes:// against an implicit FTPS server on port 990: the silence ends with a hint to try ftps://', async (ctx) => {
    const s = await startSilent(undefined, 990).catch(() => null);
    if (!s) return ctx.skip(); // port 990 needs root and must be free
    open.push(s);
    const r = await tftp(['ls', '--timeout', '1', `ftpes://127.0.0.1:990/`]);
    expectOneLine(r, 3, /^tftp: no greeting from the server: no reply from server in 1 s; port 990 is implicit FTPS: try ftps:\/\/ \(or --tls implicit\)\n$/);
  });

  it('a fractional --timeout is reported as given', async () => {
    const s = await keep(startSilent());
    const r = await tftp(['ls', '--timeout', '0.4', '-P', String(s.port), '127.0.0.1']);
    expectOneLine(r, 3, /^tftp: no greeting from the server: no reply from server in 0\.4 s\n$/);
  });

  it('on another port, a silent server is only a missing greeting', async () => {
    const s = await keep(startSilent());
    const r = await tftp(['ls', '--timeout', '1', '-P', String(s.port), '127.0.0.1']);
    expectOneLine(r, 3, /^tftp: no greeting from the server: no reply from server in 1 s\n$/);
  });
});

describe('not FTP at all', () => {
  it.each([['ftp://'], ['ftpes://']])('an SSH banner (%s) says it is an SSH server (exit 3)', async (scheme) => {
    const fake = await keep(startFakeServer({ greeting: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3' }));
    const r = await timed(['ls', '--timeout', '20', `${scheme}127.0.0.1:${fake.port}/`]);
    expectOneLine(r, 3, /^tftp: this is an SSH \(SFTP\) server, not FTP/);
    expect(r.ms).toBeLessThan(5_000);
    expect(fake.commands).toEqual([]);
  });

  it('an SSH banner sent a byte at a time is recognised too', async () => {
    const fake = await keep(startFakeServer({ greeting: 'SSH-2.0-OpenSSH_9.2p1', byteByByte: true }));
    const r = await tftp(['ls', '--timeout', '5', '-P', String(fake.port), '127.0.0.1']);
    expectOneLine(r, 3, /this is an SSH \(SFTP\) server, not FTP/);
  });

  it('a greeting that merely starts with S is still a malformed reply (exit 8)', async () => {
    const fake = await keep(startFakeServer({ greeting: 'SSL ready' }));
    const r = await tftp(['ls', '--timeout', '5', '-P', String(fake.port), '127.0.0.1']);
    expectOneLine(r, 8, /malformed reply/);
  });
});

describe('230: already logged in', () => {
  it('a 230 greeting skips USER and PASS', async () => {
    const fake = await keep(startFakeServer({ greeting: '230 Already logged in', files: { 'a.txt': 'x' } }));
    const r = await tftp(['ls', '--names', '-P', String(fake.port), '127.0.0.1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toBe('a.txt\n');
    expect(fake.verbs()).not.toContain('USER');
    expect(fake.verbs()).not.toContain('PASS');
  });

  it('USER answered 230 needs no PASS', async () => {
    const fake = await keep(startFakeServer({ handlers: { USER: '230 No password needed' }, files: { 'a.txt': 'x' } }));
    const r = await tftp(['ls', '--names', '-P', String(fake.port), '127.0.0.1']);
    expect(r.code).toBe(0);
    expect(fake.verbs()[0]).toBe('USER');
    expect(fake.verbs()).not.toContain('PASS');
  });

  it('a 230 greeting with --tls is exit 9, before AUTH TLS or any credential', async () => {
    const fake = await keep(startFakeServer({ greeting: '230 Already logged in' }));
    const r = await tftp(['ls', '--tls', '-P', String(fake.port), '127.0.0.1']);
    expectOneLine(r, 9, /^tftp: the server greeted with 230 \(logged in before any credentials\): refused with FTPS/);
    expect(fake.commands).toEqual([]);
  });

  it('a 230 greeting over implicit TLS (ftps://) is exit 9 too', async () => {
    const s = await keep(startTlsScript({ mode: 'implicit', greeting: '230 Already logged in' }));
    const r = await tftp(['ls', '--ca-file', TEST_CA, `ftps://127.0.0.1:${s.port}/`]);
    expectOneLine(r, 9, /^tftp: the server greeted with 230 \(logged in before any credentials\): refused with FTPS/);
    expect(s.commands).toEqual([]);
  });
});

/**
 * A port whose connects hang: a listener (in python3, which, unlike node, can
 * listen without accepting) with a full backlog, so further SYNs go unanswered.
 */
async function unansweredPort(): Promise<{ port: number; close(): Promise<void> } | null> {
  const script = "import socket,sys\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()";
  const py = spawn('python3', ['-c', script], { stdio: ['pipe', 'pipe', 'ignore'] });
  const port = await new Promise<number | null>((resolve) => {
    py.once('error', () => resolve(null));
    py.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
  });
  if (!port) return null;
  const filler = net.connect(port, '127.0.0.1'); // takes the one place in the backlog
  filler.on('error', () => {});
  await new Promise((resolve) => filler.once('connect', resolve));
  return {
    port,
    async close() {
      filler.destroy();
      py.kill();
    },
  };
}

describe('Ctrl-C', () => {
  it('while the TCP connect is still unanswered hangs up at once (exit 130)', async (ctx) => {
    const hung = await unansweredPort();
    if (!hung) return ctx.skip(); // no python3
    open.push(hung);
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 300);
    const started = Date.now();
    const r = await tftp(['ls', '--timeout', '20', '-P', String(hung.port), '127.0.0.1'], { signal: abort.signal });
    expect(r.code).toBe(130);
    expect(r.stderr).toBe('tftp: interrupted\n');
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('during the implicit TLS handshake hangs up at once (exit 130)', async () => {
    const s = await keep(startSilent()); // accepts, then never answers the ClientHello
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 300);
    const started = Date.now();
    const r = await tftp(['ls', '--tls=implicit', '--timeout', '20', '-P', String(s.port), '127.0.0.1'], { signal: abort.signal });
    expect(r.code).toBe(130);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
