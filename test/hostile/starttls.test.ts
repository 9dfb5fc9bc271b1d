import { afterEach, describe, expect, it } from 'vitest';
import { TEST_CA } from '../support/ftpsrv.js';
import { spawnTftp, tftp } from '../support/cli.js';
import { startSilent, startTlsScript, type TlsScriptServer } from '../support/tls-script-server.js';

// Bytes that arrive before the TLS handshake must never be read as replies
// after it (the STARTTLS injection of CVE-2011-0411): whoever can write into
// the clear-text connection could otherwise answer commands sent under TLS.

let server: TlsScriptServer | { close(): Promise<void> } | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const tlsArgs = (port: number) => ['--tls', '--ca-file', TEST_CA, '--timeout', '5', '-P', String(port), '127.0.0.1'];

describe('clear text after the 234 reply to AUTH TLS', () => {
  it('a whole reply sent with the 234 ends the session with exit 9, before USER is sent', async () => {
    const s = await startTlsScript({ mode: 'explicit', afterAuth: '230 Logged in, no password needed\r\n' });
    server = s;
    const r = await tftp(['ls', ...tlsArgs(s.port)]);
    expect(r.stderr).toMatch(/^tftp: the server sent clear text after its 234 reply to AUTH TLS/);
    expect(r.stderr.split('\n')).toHaveLength(2); // one line
    expect(r.code).toBe(9);
    // Nothing was sent under TLS: not USER, let alone PASS.
    expect(s.commands.map((c) => c.line)).toEqual(['AUTH TLS']);
  });

  it('a partial line sent with the 234 ends it too', async () => {
    const s = await startTlsScript({ mode: 'explicit', afterAuth: '230 Logg' });
    server = s;
    const r = await tftp(['ls', ...tlsArgs(s.port)]);
    expect(r.stderr).toMatch(/^tftp: the server sent clear text after its 234 reply to AUTH TLS/);
    expect(r.code).toBe(9);
    expect(s.commands.map((c) => c.line)).toEqual(['AUTH TLS']);
  });

  it('an honest server still works: the session logs in under TLS', async () => {
    const s = await startTlsScript({ mode: 'explicit', replies: { LIST: '502 no data here' } });
    server = s;
    const r = await tftp(['ls', ...tlsArgs(s.port)]);
    // The script serves no data connections: the session gets as far as the listing.
    expect(s.commands.filter((c) => c.tls).map((c) => c.line.split(' ')[0])).toEqual(expect.arrayContaining(['USER', 'PASS', 'PBSZ', 'PROT']));
    expect(s.commands.find((c) => c.line.startsWith('USER'))?.tls).toBe(true);
    expect(r.stderr).not.toMatch(/clear text/);
  });
});

describe('implicit FTPS (ftps://) against a plain-text FTP server', () => {
  it('fails at once with exit 9, not after --timeout (the real binary, cold start)', async () => {
    const s = await startSilent('220 plain FTP server ready\r\n');
    server = s;
    const started = Date.now();
    const r = await spawnTftp(['ls', '--timeout', '20', `ftps://127.0.0.1:${s.port}/`]).done;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(r.code).toBe(9);
    expect(r.stderr).toMatch(/plain text: it is not implicit FTPS; try ftpes:\/\/ \(or --tls explicit\) or ftp:\/\//);
    // The client spoke TLS first: its ClientHello (a handshake record) is what the server got.
    expect(s.received()[0]).toBe(0x16);
  });

  it('does not take the plain greeting as its reply', async () => {
    const s = await startSilent('220 plain FTP server ready\r\n');
    server = s;
    const started = Date.now();
    const r = await tftp(['ls', '-v', '--timeout', '20', `ftps://127.0.0.1:${s.port}/`]);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(r.code).toBe(9);
    expect(r.stderr).not.toMatch(/^< 220/m);
    expect(r.stderr).not.toMatch(/^> USER/m);
  });
});
