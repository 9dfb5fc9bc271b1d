import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFtpSrv, TEST_CA, type RunningFtpSrv } from '../support/ftpsrv.js';
import { startFakeServer } from '../support/fake-server.js';
import { tftp } from '../support/cli.js';

// FTPS against ftp-srv with the test certificates in test/fixtures/tls.
const data = randomBytes(3 * 1024 * 1024 + 11);
const fingerprint = (name: string) => new X509Certificate(readFileSync(new URL(`../fixtures/tls/${name}.pem`, import.meta.url))).fingerprint256;

let explicit: RunningFtpSrv;
let implicit: RunningFtpSrv;
let selfSigned: RunningFtpSrv;
let local: string;
beforeAll(async () => {
  explicit = await startFtpSrv({ tls: 'explicit' });
  implicit = await startFtpSrv({ tls: 'implicit' });
  selfSigned = await startFtpSrv({ tls: 'explicit', cert: 'other' });
  for (const s of [explicit, implicit, selfSigned]) await writeFile(join(s.root, 'f.bin'), data);
  local = await mkdtemp(join(tmpdir(), 'tftp-tls-'));
});
afterAll(async () => {
  for (const s of [explicit, implicit, selfSigned]) await s.close();
  await rm(local, { recursive: true, force: true });
});

const at = (s: RunningFtpSrv) => ['-P', String(s.port), '127.0.0.1'];

describe('explicit FTPS (AUTH TLS)', () => {
  it('a passive data connection reads into the caller\'s buffers (onread), the first of a session too; active mode through its own', async () => {
    const { FtpClient } = await import('../../src/core/client.js');
    for (const passive of [true, false]) {
      const client = new FtpClient({ timeoutMs: 5000, passive, tls: { mode: 'explicit', ca: [readFileSync(TEST_CA, 'utf8')] } });
      await client.connect('127.0.0.1', explicit.port);
      await client.login();
      await client.type('I');
      // The first passive connection proves its EPSV port by connecting before the command, as TLS's own socket.
      for (const expected of [passive, passive]) {
        const got: Buffer[] = [];
        const buffers = [Buffer.alloc(256 * 1024), Buffer.alloc(256 * 1024)];
        let handed = 0;
        const onread = { buffer: () => buffers[handed++ % 2]!, callback: (n: number, b: Uint8Array) => (got.push(Buffer.from(b.subarray(0, n))), true) };
        const start = await client.transfercmd('RETR f.bin', undefined, onread);
        expect(start.usesOnread).toBe(expected);
        if (!start.usesOnread) start.socket.on('data', (d: Buffer) => got.push(d));
        await new Promise<void>((resolve) => start.socket.once('close', () => resolve()));
        expect((await client.readReply()).code).toBe(226);
        expect(Buffer.concat(got).equals(data)).toBe(true);
      }
      await client.quit();
    }
  });

  it.each([['--passive'], ['--active']])('downloads and uploads byte-identical with --ca-file (%s)', async (mode) => {
    const dest = join(local, `get${mode}.bin`);
    const got = await tftp(['get', '--tls', mode, '--ca-file', TEST_CA, ...at(explicit), 'f.bin', dest]);
    expect(got.stderr).toMatch(/^downloaded/);
    expect(got.code).toBe(0);
    expect((await readFile(dest)).equals(data)).toBe(true);

    const put = await tftp(['put', '--tls', mode, '--ca-file', TEST_CA, ...at(explicit), dest, `up${mode}.bin`]);
    expect(put.code).toBe(0);
    expect((await readFile(join(explicit.root, `up${mode}.bin`))).equals(data)).toBe(true);
  });

  it('takes the ftpes:// scheme and protects the data connection (PBSZ, PROT P)', async () => {
    const r = await tftp(['get', '-v', '--ca-file', TEST_CA, `ftpes://127.0.0.1:${explicit.port}/f.bin`, '-']);
    expect(r.code).toBe(0);
    expect(r.stdout.equals(data)).toBe(true);
    const trace = r.stderr.split('\n');
    expect(trace.indexOf('> AUTH TLS')).toBeLessThan(trace.indexOf('> USER anonymous'));
    expect(trace).toContain('> PBSZ 0');
    expect(trace).toContain('> PROT P');
    expect(r.stderr).toContain(`certificate SHA-256 ${fingerprint('server')}`);
  });

  it('refuses an untrusted certificate with exit 9', async () => {
    const r = await tftp(['get', '--tls', ...at(explicit), 'f.bin', join(local, 'x')]);
    expect(r.code).toBe(9);
    expect(r.stderr).toMatch(/^tftp: control connection: certificate not trusted .*--ca-file/);
  });

  it('accepts a self-signed certificate only when pinned', async () => {
    const wrong = await tftp(['get', '--tls', '--pin-sha256', fingerprint('server'), ...at(selfSigned), 'f.bin', '-']);
    expect(wrong.code).toBe(9);
    expect(wrong.stderr).toMatch(/does not match --pin-sha256/);
    const pinned = await tftp(['get', '-q', '--tls', '--pin-sha256', fingerprint('other').replace(/:/g, '').toLowerCase(), ...at(selfSigned), 'f.bin', '-']);
    expect(pinned.code).toBe(0);
    expect(pinned.stdout.equals(data)).toBe(true);
  });

  it('--insecure skips verification with a warning', async () => {
    const r = await tftp(['get', '-q', '--tls', '--insecure', ...at(selfSigned), 'f.bin', '-']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^tftp: warning: --insecure/);
    expect(r.stdout.equals(data)).toBe(true);
  });

  it('never falls back to plain text when AUTH TLS is refused', async () => {
    const fake = await startFakeServer({ handlers: { AUTH: '502 Not here' } });
    try {
      const r = await tftp(['ls', '--tls', '-P', String(fake.port), '127.0.0.1']);
      expect(r.code).toBe(9);
      expect(r.stderr).toMatch(/^tftp: server refused AUTH TLS: 502 Not here/);
      expect(fake.verbs()).toEqual(['AUTH']); // no USER, no PASS in the clear
    } finally {
      await fake.close();
    }
  });
});

describe('implicit FTPS', () => {
  it('speaks TLS from the first byte with ftps:// and --tls=implicit', async () => {
    const viaUrl = await tftp(['get', '-q', '--ca-file', TEST_CA, `ftps://127.0.0.1:${implicit.port}/f.bin`, '-']);
    expect(viaUrl.code).toBe(0);
    expect(viaUrl.stdout.equals(data)).toBe(true);
    const viaFlag = await tftp(['ls', '--tls=implicit', '--ca-file', TEST_CA, ...at(implicit)]);
    expect(viaFlag.code).toBe(0);
    expect(viaFlag.stdout.toString()).toMatch(/f\.bin/);
  });

  it('refuses an unknown --tls mode with exit 2', async () => {
    const r = await tftp(['ls', '--tls=sometimes', ...at(implicit)]);
    expect(r.code).toBe(2);
  });
});
