import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Readable, Writable } from 'node:stream';
import { randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { Command } from 'commander';
import { startFtpSrv, TEST_CA, type RunningFtpSrv } from '../support/ftpsrv.js';
import { startFakeServer, type FakeServer, type FakeServerOptions } from '../support/fake-server.js';
import { doctor, registerDoctor, type DoctorFlags } from '../../src/cli/commands/doctor.js';
import type { Io } from '../../src/cli/io.js';
import type { ProbeReport } from '../../src/core/probe/probe.js';
import { exitCodeFor, EXIT } from '../../src/cli/exit-codes.js';
import { reportError } from '../../src/cli/output.js';

// ---- a small in-memory Io ----

class Collector extends Writable {
  chunks: Buffer[] = [];
  constructor(
    public isTTY = false,
    public columns = 100,
  ) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
    this.chunks.push(Buffer.from(chunk));
    cb();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString();
  }
}

function memoryIo(opts: { tty?: boolean; env?: Record<string, string> } = {}) {
  const stdout = new Collector(opts.tty ?? false);
  const stderr = new Collector(opts.tty ?? false);
  const io: Io = { stdin: Readable.from([]), stdout, stderr, env: { HOME: '/nonexistent', ...opts.env } };
  return { io, stdout, stderr };
}

const flags = (extra: Partial<DoctorFlags> = {}): DoctorFlags => ({ timeout: 10, json: true, ...extra });

/** Runs doctor --json and parses what it printed. */
async function doctorJson(target: string, extra: Partial<DoctorFlags> = {}): Promise<{ report: ProbeReport; stderr: string }> {
  const { io, stdout, stderr } = memoryIo();
  await doctor(io, target, flags(extra));
  return { report: JSON.parse(stdout.text()) as ProbeReport, stderr: stderr.text() };
}

/** What doctor would exit with, and its one-line message. */
async function doctorFails(target: string, extra: Partial<DoctorFlags> = {}): Promise<{ code: number; message: string }> {
  const { io, stderr } = memoryIo();
  try {
    await doctor(io, target, flags(extra));
  } catch (err) {
    return { code: reportError(io, err, false), message: stderr.text() };
  }
  throw new Error('doctor did not fail');
}

const fingerprint = (name: string) => new X509Certificate(readFileSync(new URL(`../fixtures/tls/${name}.pem`, import.meta.url))).fingerprint256;

// ---- against ftp-srv ----

describe('doctor against ftp-srv', () => {
  let plain: RunningFtpSrv;
  let explicit: RunningFtpSrv;
  let selfSigned: RunningFtpSrv;
  let implicit: RunningFtpSrv;
  beforeAll(async () => {
    plain = await startFtpSrv({ users: { alice: 'secret' } });
    explicit = await startFtpSrv({ tls: 'explicit' });
    selfSigned = await startFtpSrv({ tls: 'explicit', cert: 'other' });
    implicit = await startFtpSrv({ tls: 'implicit' });
    for (const s of [plain, explicit, selfSigned, implicit]) await writeFile(join(s.root, 'f.bin'), 'hello doctor\n');
  });
  afterAll(async () => {
    for (const s of [plain, explicit, selfSigned, implicit]) await s?.close();
  });

  it('reports every data connection mode working, FEAT, SIZE, MDTM and the clock', async () => {
    const { report } = await doctorJson(`${plain.url}`);
    expect(report.server).toEqual({ host: '127.0.0.1', port: plain.port, address: '127.0.0.1', tls: 'none' });
    expect(report.user).toBe('anonymous');
    expect(report.greeting).toBeTruthy();
    expect(report.system).toMatch(/UNIX/);
    expect(report.feat).toEqual(expect.arrayContaining(['AUTH TLS', 'SIZE', 'MDTM', 'UTF8']));
    for (const mode of ['epsv', 'pasv', 'eprt', 'port'] as const) {
      expect(report.data[mode], mode).toMatchObject({ ok: true, refused: false, error: null, command: mode.toUpperCase() });
      expect(report.data[mode].bytes).toBeGreaterThan(0);
    }
    expect(report.data.epsv.reply).toMatch(/^229 /);
    expect(report.passiveWorks).toBe(true);
    expect(report.activeWorks).toBe(true);
    expect(report.pasvAddress).toEqual({ advertised: '127.0.0.1', control: '127.0.0.1', differs: false });
    // ftp-srv lists AUTH TLS in FEAT even without a certificate, and refuses it.
    expect(report.authTls).toMatchObject({ advertised: true, mode: 'explicit', works: false, dataSessionReuse: 'unknown' });
    expect(report.authTls.error).toMatch(/refused AUTH TLS: 502/);
    expect(report.features).toMatchObject({
      restStream: false,
      size: { advertised: true, file: 'f.bin', works: true, detail: '213 13' },
      mdtm: { advertised: true, file: 'f.bin', works: true },
      mfmt: false,
      mlst: false,
      utf8: true,
      hash: null,
    });
    // ftp-srv's LIST shows UTC, like MDTM; the file was just written.
    expect(report.clock).toMatchObject({ method: 'mdtm-vs-list', file: 'f.bin', listMinusMdtmSeconds: 0 });
    expect(Math.abs(report.clock.mdtmMinusNowSeconds!)).toBeLessThan(120);
    expect(report.recommended.flags).toEqual([]);
    expect(report.recommended.notes.join('\n')).toMatch(/AUTH TLS failed/);
  });

  it('logs in with the given user and exits 4 when the login is rejected', async () => {
    const { report } = await doctorJson(`ftp://alice:secret@127.0.0.1:${plain.port}`);
    expect(report.user).toBe('alice');
    const bad = await doctorFails(`ftp://alice:wrong@127.0.0.1:${plain.port}`);
    expect(bad.code).toBe(EXIT.login);
    expect(bad.message).toMatch(/^tftp: login rejected: 530/);
  });

  it('verifies AUTH TLS with --ca-file, reports the fingerprint and that data needs no session reuse', async () => {
    const { report } = await doctorJson('127.0.0.1', { port: explicit.port, caFile: TEST_CA });
    expect(report.server.tls).toBe('none');
    expect(report.authTls).toMatchObject({
      advertised: true,
      mode: 'explicit',
      works: true,
      verification: 'ca',
      fingerprint: fingerprint('server'),
      dataWorks: true,
      error: null,
    });
    expect(report.authTls.protocol).toMatch(/^TLSv1\.[23]$/);
    // ftp-srv's data listener has its own ticket keys: a new session, and it works.
    expect(report.authTls.sessionResumed).toBe(false);
    expect(report.authTls.dataSessionReuse).toBe('not required');
    expect(report.recommended.flags).toEqual(['--tls', '--ca-file', TEST_CA]);
  });

  it('shows an untrusted certificate and recommends pinning it, logging in on no unverified connection', async () => {
    const { io, stdout, stderr } = memoryIo();
    await doctor(io, '127.0.0.1', flags({ port: selfSigned.port, verbose: true }));
    const report = JSON.parse(stdout.text()) as ProbeReport;
    expect(report.authTls).toMatchObject({ works: false, verification: false, fingerprint: fingerprint('other'), dataSessionReuse: 'unknown' });
    expect(report.authTls.error).toMatch(/certificate not trusted \(self-signed certificate\)/);
    expect(report.recommended.flags).toEqual(['--tls', '--pin-sha256', fingerprint('other')]);
    // After AUTH TLS only the handshake and QUIT: no USER on the unverified connection.
    const trace = stderr.text().split('\n');
    const lastAuth = trace.lastIndexOf('> AUTH TLS');
    expect(lastAuth).toBeGreaterThan(0);
    expect(trace.slice(lastAuth).filter((l) => l.startsWith('> '))).toEqual(['> AUTH TLS', '> QUIT']);
  });

  it('accepts the pinned certificate', async () => {
    const { report } = await doctorJson('127.0.0.1', { port: selfSigned.port, pinSha256: fingerprint('other') });
    expect(report.authTls).toMatchObject({ works: true, verification: 'pin', fingerprint: fingerprint('other'), dataWorks: true, dataSessionReuse: 'not required' });
    expect(report.recommended.flags).toEqual(['--tls', '--pin-sha256', fingerprint('other')]);
  });

  it('recommends --pin-sha256 rather than --insecure', async () => {
    const { report, stderr } = await doctorJson('127.0.0.1', { port: selfSigned.port, insecure: true });
    expect(stderr).toMatch(/^tftp: warning: --insecure/);
    expect(report.authTls).toMatchObject({ works: true, verification: 'insecure' });
    expect(report.recommended.flags).toEqual(['--tls', '--pin-sha256', fingerprint('other')]);
    expect(report.recommended.notes.join('\n')).toMatch(/--pin-sha256 rather than --insecure/);
  });

  it('runs the whole session over TLS for an ftpes:// URL', async () => {
    const { report } = await doctorJson(`ftpes://127.0.0.1:${explicit.port}`, { caFile: TEST_CA });
    expect(report.server.tls).toBe('explicit');
    expect(report.passiveWorks && report.activeWorks).toBe(true);
    expect(report.authTls).toMatchObject({ works: true, mode: 'explicit', verification: 'ca', dataWorks: true });
    expect(report.recommended.flags).toEqual(['--tls', '--ca-file', TEST_CA]);
  });

  it('implicit FTPS (ftps://)', async () => {
    const { report } = await doctorJson(`ftps://127.0.0.1:${implicit.port}`, { caFile: TEST_CA });
    expect(report.server.tls).toBe('implicit');
    expect(report.data.epsv.ok).toBe(true);
    expect(report.authTls).toMatchObject({ works: true, mode: 'implicit', fingerprint: fingerprint('server') });
    expect(report.recommended.flags).toEqual(['--tls', 'implicit', '--ca-file', TEST_CA]);
  });

  it('an ftpes:// session whose certificate is not trusted: the fingerprint to pin, exit 0, no login', async () => {
    const { io, stdout, stderr } = memoryIo();
    await doctor(io, `ftpes://127.0.0.1:${explicit.port}`, flags({ verbose: true }));
    const report = JSON.parse(stdout.text()) as ProbeReport;
    expect(report).toMatchObject({ loggedIn: false, loginNeedsTls: null, server: { tls: 'explicit', address: '127.0.0.1' } });
    expect(report.greeting).toBeTruthy();
    expect(report.authTls).toMatchObject({ works: false, verification: false, fingerprint: fingerprint('server') });
    expect(report.data.epsv.skipped).toBe('not tried: no login');
    expect(report.recommended.flags).toEqual(['--tls', '--pin-sha256', fingerprint('server')]);
    expect(report.recommended.notes.join('\n')).toMatch(/--ca-file/);
    expect(stderr.text().split('\n').filter((l) => l.startsWith('> USER'))).toEqual([]); // nothing sent over an unverified connection
  });

  it('exits 9 when an ftpes:// session meets a refused AUTH TLS', async () => {
    const r = await doctorFails(`ftpes://127.0.0.1:${plain.port}`);
    expect(r.code).toBe(EXIT.tls);
    expect(r.message).toMatch(/refused AUTH TLS: 502/);
  });

  it('prints an aligned table without colour when not on a terminal', async () => {
    const { io, stdout } = memoryIo();
    await doctor(io, '127.0.0.1', flags({ port: explicit.port, caFile: TEST_CA, json: false }));
    const text = stdout.text();
    expect(text).not.toMatch(/\x1b/);
    const lines = text.split('\n');
    const header = lines.find((l) => l.startsWith('Check'))!;
    const result = header.indexOf('Result');
    const detail = header.indexOf('Detail');
    for (const label of ['EPSV data', 'PASV data', 'EPRT data', 'PORT data', 'AUTH TLS', 'TLS session reuse', 'SIZE', 'Clock']) {
      const row = lines.find((l) => l.startsWith(label + ' '));
      expect(row, label).toBeDefined();
      expect(row![result - 1], label).toBe(' ');
      expect(row![result], label).not.toBe(' ');
      expect(row![detail - 1], label).toBe(' ');
    }
    expect(lines.find((l) => l.startsWith('EPSV data'))).toMatch(/\bok\s+LIST carried \d+ bytes/);
    expect(lines.find((l) => l.startsWith('TLS session reuse'))).toMatch(/not required/);
    expect(lines.find((l) => l.startsWith('Certificate'))).toContain(fingerprint('server'));
    expect(text).toContain(`Recommended flags: --tls --ca-file ${TEST_CA}`);
  });

  it('colours the table on a terminal, and not with NO_COLOR', async () => {
    const tty = memoryIo({ tty: true });
    await doctor(tty.io, plain.url, flags({ json: false }));
    expect(tty.stdout.text()).toMatch(/\x1b\[32mok/);
    expect(tty.stderr.text()).toMatch(/doctor: data connection: EPSV…/); // progress on the terminal
    expect(tty.stderr.text().endsWith('\r\x1b[K')).toBe(true); // and cleared

    const noColour = memoryIo({ tty: true, env: { NO_COLOR: '1' } });
    await doctor(noColour.io, plain.url, flags({ json: false }));
    expect(noColour.stdout.text()).not.toMatch(/\x1b/);
  });
});

// ---- against the fake server, with features turned off ----

describe('doctor against a server with features turned off', () => {
  let server: FakeServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const start = async (opts: FakeServerOptions) => {
    server = await startFakeServer({ files: { 'f.bin': 'hello\n' }, ...opts });
    return server;
  };
  const thisYear = new Date().getUTCFullYear();

  it('EPSV refused, PASV naming another address, active refused, SIZE refused, no AUTH TLS', async () => {
    const s = await start({
      epsv: false,
      pasvAddress: '10.9.8.7',
      handlers: {
        EPRT: '500 EPRT not understood',
        PORT: '500 PORT not allowed',
        SIZE: '550 SIZE not allowed here',
        MDTM: `213 ${thisYear}0101000000`, // the fake LIST shows "Jan 01 00:00"
      },
    });
    const { report } = await doctorJson(`ftp://127.0.0.1:${s.port}`);
    expect(report.feat).toEqual(['EPSV', 'PASV', 'SIZE', 'REST STREAM', 'UTF8']);
    expect(report.data.epsv).toMatchObject({ ok: false, refused: true, reply: '500 EPSV not understood' });
    expect(report.data.epsv.error).toMatch(/^EPSV refused: 500 EPSV not understood \(tftp falls back to PASV\)$/);
    expect(report.data.pasv).toMatchObject({ ok: true, refused: false, bytes: expect.any(Number) });
    expect(report.pasvAddress).toEqual({ advertised: '10.9.8.7', control: '127.0.0.1', differs: true });
    expect(report.data.eprt).toMatchObject({ ok: false, refused: true, reply: '500 EPRT not understood' });
    expect(report.data.eprt.error).toMatch(/falls back to PORT, which failed too: 500 PORT not allowed/);
    expect(report.data.port).toMatchObject({ ok: false, refused: true, reply: '500 PORT not allowed' });
    expect(report.passiveWorks).toBe(true);
    expect(report.activeWorks).toBe(false);
    expect(report.authTls).toMatchObject({ advertised: false, works: null, mode: null, dataSessionReuse: 'unknown' });
    expect(report.features.size).toEqual({ advertised: true, file: 'f.bin', works: false, detail: '550 SIZE not allowed here' });
    expect(report.features.restStream).toBe(true);
    expect(report.clock).toMatchObject({ method: 'mdtm-vs-list', listTime: 'Jan 01 00:00', listMinusMdtmSeconds: 0 });
    expect(report.recommended.flags).toEqual([]);
    const notes = report.recommended.notes.join('\n');
    expect(notes).toMatch(/EPSV is refused; tftp falls back to PASV/);
    expect(notes).toMatch(/PASV reply names 10\.9\.8\.7, not 127\.0\.0\.1/);
    expect(notes).toMatch(/no AUTH TLS/);
    expect(notes).toMatch(/SIZE is refused/);
    // Nothing went to 10.9.8.7: every data connection was to the control address.
    expect(s.connections.filter((c) => c.kind === 'data').every((c) => c.localAddress === '127.0.0.1')).toBe(true);
    // Nothing written on the server.
    expect(s.verbs()).not.toContain('STOR');
  });

  it('recommends --active when no passive data connection gets through', async () => {
    const closed = await closedPort();
    const s = await start({
      epsvReply: `229 Entering Extended Passive Mode (|||${closed}|)`,
      pasvReply: `227 Entering Passive Mode (127,0,0,1,${closed >> 8},${closed & 255})`,
    });
    const { report } = await doctorJson('127.0.0.1', { port: s.port });
    expect(report.data.epsv).toMatchObject({ ok: false, refused: false });
    expect(report.data.epsv.error).toMatch(/data connection.*refused/);
    expect(report.data.pasv.ok).toBe(false);
    expect(report.pasvAddress).toEqual({ advertised: '127.0.0.1', control: '127.0.0.1', differs: false });
    expect(report.data.eprt.ok).toBe(true);
    expect(report.data.port.ok).toBe(true);
    expect(report.passiveWorks).toBe(false);
    expect(report.activeWorks).toBe(true);
    expect(report.recommended.flags).toEqual(['--active']);
  });

  it('says so when no data connection mode works at all', async () => {
    const s = await start({ dataFaults: { LIST: { type: 'refuse' } } });
    const { report } = await doctorJson('127.0.0.1', { port: s.port });
    for (const mode of ['epsv', 'pasv', 'eprt', 'port'] as const) expect(report.data[mode]).toMatchObject({ ok: false, error: expect.stringMatching(/425|data connection/) });
    expect(report.passiveWorks || report.activeWorks).toBe(false);
    expect(report.features.size.detail).toBe('not tried: no listing');
    expect(report.clock.method).toBe('none');
    expect(report.recommended.notes.join('\n')).toMatch(/no data connection mode worked/);
  });

  it('reads MLST facts, HASH algorithms and MFMT from FEAT; tries AUTH TLS when listed', async () => {
    const s = await start({
      handlers: {
        FEAT: '211-Extensions\r\n AUTH TLS;SSL\r\n MLST type*;size*;modify*;\r\n HASH SHA-256*;SHA-1;MD5\r\n MFMT\r\n MDTM\r\n211 End\r\n',
        AUTH: '504 not today',
      },
    });
    const { report } = await doctorJson('127.0.0.1', { port: s.port });
    expect(report.features).toMatchObject({ mlst: true, mlsd: true, mlstFacts: ['type', 'size', 'modify'], hash: ['SHA-256', 'SHA-1', 'MD5'], mfmt: true, utf8: false, restStream: false });
    expect(report.authTls).toMatchObject({ advertised: true, works: false, error: expect.stringMatching(/refused AUTH TLS: 504 not today/) });
    // REST 1 is answered 350: resuming works without REST STREAM in FEAT; only --segments needs it.
    expect(report.features.rest).toEqual({ advertised: false, file: null, works: true, detail: 'REST 1: 350 Restarting at 1' });
    const notes = report.recommended.notes.join('\n');
    expect(notes).not.toMatch(/-c and --retries/);
    expect(notes).toMatch(/REST works, but FEAT does not announce REST STREAM: --segments downloads over one connection/);
    const at = s.commands.indexOf('REST 1');
    expect(s.commands.slice(at, at + 2)).toEqual(['REST 1', 'REST 0']); // nothing left pending
  });

  it('REST refused: says -c cannot resume, whatever FEAT says', async () => {
    const s = await start({ handlers: { REST: '502 REST not implemented' } });
    const { report } = await doctorJson('127.0.0.1', { port: s.port });
    expect(report.features.restStream).toBe(true); // the fake FEAT lists it
    expect(report.features.rest).toMatchObject({ works: false, detail: 'REST 1: 502 REST not implemented' });
    expect(report.recommended.notes.join('\n')).toMatch(/REST is refused \(502 REST not implemented\): -c and --retries cannot resume here/);
    expect(s.commands).not.toContain('REST 0');
  });

  it('tries AUTH TLS anyway when FEAT is refused', async () => {
    const s = await start({ handlers: { FEAT: '500 FEAT not understood' } });
    const { report } = await doctorJson('127.0.0.1', { port: s.port });
    expect(report.feat).toBeNull();
    expect(report.authTls).toMatchObject({ advertised: null, works: false });
    expect(s.verbs()).toContain('AUTH');
  });

  it("reports LIST in the server's time zone, and a clock ahead of ours", async () => {
    const s = await start({ handlers: { MDTM: `213 ${thisYear - 1}1231220000` } }); // LIST "Jan 01 00:00" is 2 h later
    const { report } = await doctorJson('127.0.0.1', { port: s.port });
    expect(report.clock).toMatchObject({ method: 'mdtm-vs-list', listMinusMdtmSeconds: 7200 });
    expect(report.clock.summary).toMatch(/LIST times are UTC\+02:00 from MDTM/);
    await s.close();

    const ahead = new Date(Date.now() + 3 * 3600_000);
    const mdtm = ahead.toISOString().replace(/[-:T]/g, '').slice(0, 14);
    server = await startFakeServer({ files: { 'f.bin': 'x' }, handlers: { MDTM: `213 ${mdtm}` } });
    const r2 = (await doctorJson('127.0.0.1', { port: server.port })).report;
    expect(r2.clock.mdtmMinusNowSeconds).toBeGreaterThan(3 * 3600 - 120);
    expect(r2.clock.summary).toMatch(/server clock is ahead at least that much/);
    expect(r2.recommended.notes.join('\n')).toMatch(/^clock: /m);
  });

  it('MDTM refused: clock unknown, still exit 0', async () => {
    const s = await start({});
    const { report } = await doctorJson('127.0.0.1', { port: s.port });
    expect(report.features.mdtm).toMatchObject({ advertised: false, works: false, detail: '502 Command not implemented' });
    expect(report.clock.method).toBe('none');
    expect(report.clock.summary).toMatch(/^unknown: MDTM f\.bin gave no time/);
  });

  it('exits 3 when it cannot connect, 4 when the login is refused', async () => {
    const refused = await doctorFails('127.0.0.1', { port: await closedPort() });
    expect(refused.code).toBe(EXIT.connect);
    expect(refused.message).toMatch(/^tftp: cannot connect to 127\.0\.0\.1:\d+: connection refused\n$/);

    const s = await start({ handlers: { PASS: '530 Login incorrect' } });
    const login = await doctorFails('127.0.0.1', { port: s.port });
    expect(login.code).toBe(EXIT.login);
    expect(s.verbs()).toEqual(['USER', 'PASS']);
  });

  it('exits 130 when interrupted', async () => {
    const s = await start({ dataFaults: { LIST: { type: 'stall', bytes: 10 } } });
    const { io, stderr } = memoryIo();
    const abort = new AbortController();
    io.signal = abort.signal;
    setTimeout(() => abort.abort(), 300);
    const started = Date.now();
    const err = await doctor(io, '127.0.0.1', flags({ port: s.port })).then(() => null, (e: unknown) => e);
    expect(exitCodeFor(err)).toBe(EXIT.interrupted);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(reportError(io, err, false)).toBe(130);
    expect(stderr.text()).toBe('tftp: interrupted\n');
  });

  it('shows control characters from the server escaped, in the table and the trace', async () => {
    const s = await start({ greeting: '220 hello \x1b]0;pwned\x07 there', handlers: { SYST: '215 UNIX\x1b[2J' } });
    const { io, stdout, stderr } = memoryIo({ tty: true });
    await doctor(io, '127.0.0.1', flags({ port: s.port, json: false, verbose: true }));
    const table = stdout.text().replace(/\x1b\[\d+m/g, ''); // our own colours
    expect(table).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
    expect(table).toMatch(/^Greeting +hello \\x1b\]0;pwned\\x07 there$/m);
    expect(table).toMatch(/^System +UNIX\\x1b\[2J$/m);
    expect(stderr.text()).not.toMatch(/\x1b/);
    expect(stderr.text()).toContain('< 215 UNIX\\x1b[2J');
  });

  it('exits 2 for a bad --tls value', async () => {
    const r = await doctorFails('127.0.0.1', { tls: 'sometimes' });
    expect(r.code).toBe(EXIT.usage);
  });
});

// ---- servers that require TLS before the login ----

describe('a server that refuses a login without TLS', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });
  const serve = async (opts: MiniFtpsOptions) => {
    const srv = await startMiniFtps({ explicit: true, ...opts });
    closers.push(srv.close);
    return srv;
  };

  it.each([
    ['vsftpd', '530 Non-anonymous sessions must use encryption.'],
    ['proftpd', '550 SSL/TLS required on the control channel'],
    ['pure-ftpd', '421 Sorry, cleartext sessions are not accepted on this server.'],
    ['IIS', '534 Policy requires SSL.'],
  ])('like %s: doctor goes on over AUTH TLS and recommends --tls', async (_server, refusal) => {
    const srv = await serve({ requireTls: refusal });
    const { report } = await doctorJson(`ftp://alice:pw@127.0.0.1:${srv.port}`, { caFile: TEST_CA });
    expect(report).toMatchObject({ loggedIn: true, loginNeedsTls: refusal, server: { tls: 'explicit' } });
    expect(report.data.epsv.ok).toBe(true);
    expect(report.authTls).toMatchObject({ works: true, verification: 'ca', dataWorks: true });
    expect(report.recommended.flags).toEqual(['--tls', '--ca-file', TEST_CA]);
    expect(report.recommended.notes.join('\n')).toMatch(/refuses to log in without TLS .*: use --tls or an ftpes:\/\/ URL/);
    // The password went only over TLS: the first USER got the refusal, and no PASS followed it.
    expect(srv.commands[0]).toBe('USER alice');
    expect(srv.commands.indexOf('PASS pw')).toBeGreaterThan(srv.commands.indexOf('AUTH TLS'));
  });

  it('with a certificate that is not trusted: the fingerprint and --pin-sha256, exit 0, no login', async () => {
    const srv = await serve({ requireTls: '530 Non-anonymous sessions must use encryption.', cert: 'other' });
    const { io, stdout } = memoryIo();
    await doctor(io, `ftp://alice:pw@127.0.0.1:${srv.port}`, flags({ json: false }));
    const text = stdout.text();
    expect(text).toMatch(/^Login +refused without TLS: 530 Non-anonymous sessions must use encryption\.$/m);
    expect(text).toMatch(/not logged in as alice/);
    expect(text).toContain(fingerprint('other'));
    expect(text).toContain(`Recommended flags: --tls --pin-sha256 ${fingerprint('other')}`);
    expect(text).toMatch(/--ca-file/);
    expect(srv.commands.filter((c) => c.startsWith('PASS'))).toEqual([]);

    const { report } = await doctorJson(`ftp://alice:pw@127.0.0.1:${srv.port}`, { pinSha256: fingerprint('other') });
    expect(report).toMatchObject({ loggedIn: true, authTls: { works: true, verification: 'pin' } });
    expect(report.recommended.flags).toEqual(['--tls', '--pin-sha256', fingerprint('other')]);
  });

  it('a wrong password over TLS is still exit 4; a plain "530 Login incorrect" is not taken for a TLS demand', async () => {
    const srv = await serve({ requireTls: '530 Non-anonymous sessions must use encryption.', password: 'right' });
    const r = await doctorFails(`ftp://alice:wrong@127.0.0.1:${srv.port}`, { caFile: TEST_CA });
    expect(r.code).toBe(EXIT.login);
    expect(r.message).toBe('tftp: login rejected: 530 Login incorrect.\n');
    const plainRefusal = await serve({ requireTls: '530 Login incorrect.' });
    const r2 = await doctorFails(`ftp://alice:pw@127.0.0.1:${plainRefusal.port}`, { caFile: TEST_CA });
    expect(r2.code).toBe(EXIT.login);
    expect(plainRefusal.commands).not.toContain('AUTH TLS');
  });
});

// ---- TLS session reuse, with a small implicit FTPS server that can demand it ----

describe('TLS session reuse on data connections', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });

  it.each([
    [false, 'not required', /without it worked too/],
    [true, 'required', /522 .*session reuse required/],
  ] as const)('demanding reuse %s -> %s', async (demand, verdict, detail) => {
    const srv = await startMiniFtps({ demandReuse: demand });
    closers.push(srv.close);
    const { report } = await doctorJson(`ftps://127.0.0.1:${srv.port}`, { caFile: TEST_CA });
    expect(report.data.epsv.ok).toBe(true); // tftp's own data connections resume the session
    expect(report.authTls).toMatchObject({ works: true, mode: 'implicit', dataWorks: true, sessionResumed: true, dataSessionReuse: verdict });
    expect(report.authTls.reuseDetail).toMatch(detail);
    if (demand) expect(report.recommended.notes.join('\n')).toMatch(/requires TLS session reuse/);
  });
});

// ---- the subcommand ----

describe('registerDoctor', () => {
  it('adds `doctor` with --json and the connection options', async () => {
    const s = await startFakeServer({ files: { 'f.bin': 'x' } });
    try {
      const { io, stdout } = memoryIo();
      const program = new Command('tftp').exitOverride().configureOutput({ writeOut: (t) => io.stdout.write(t), writeErr: (t) => io.stderr.write(t) });
      registerDoctor(program, io);
      await program.parseAsync(['doctor', '--json', '-P', String(s.port), '--timeout', '5', '127.0.0.1'], { from: 'user' });
      const report = JSON.parse(stdout.text()) as ProbeReport;
      expect(report.server.port).toBe(s.port);

      const help = memoryIo();
      const p2 = new Command('tftp').exitOverride().configureOutput({ writeOut: (t) => help.io.stdout.write(t), writeErr: (t) => help.io.stderr.write(t) });
      registerDoctor(p2, help.io);
      await expect(p2.parseAsync(['doctor', '--help'], { from: 'user' })).rejects.toMatchObject({ code: 'commander.helpDisplayed' });
      const text = help.stdout.text();
      for (const opt of ['--json', '--tls', '--ca-file', '--pin-sha256', '--timeout', '-P, --port']) expect(text).toContain(opt);
      expect(text).toMatch(/Examples:\n {2}tftp doctor ftp\.example\.com/);
    } finally {
      await s.close();
    }
  });
});

// ---- helpers ----

async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

interface MiniFtpsOptions {
  /** Refuse a data connection that does not resume the control connection's TLS session. */
  demandReuse?: boolean;
  /** Explicit FTPS (plain until AUTH TLS) instead of implicit. */
  explicit?: boolean;
  /** The reply to USER before AUTH TLS: the server requires TLS (a 421 also hangs up). */
  requireTls?: string;
  cert?: 'server' | 'other';
  /** The one password PASS accepts (default: any). */
  password?: string;
}

/**
 * FTPS in a few lines: control and data listeners share session ticket keys,
 * so a client can resume the control session on the data connection; with
 * `demandReuse`, a data connection that does not is refused with 522 (as
 * vsftpd's require_ssl_reuse does). With `requireTls`, a login before AUTH TLS
 * is refused the way vsftpd, proftpd or pure-ftpd refuse it.
 */
async function startMiniFtps(opts: MiniFtpsOptions): Promise<{ port: number; commands: string[]; close: () => Promise<void> }> {
  const { demandReuse = false, explicit = false, requireTls } = opts;
  const fixture = (f: string) => readFileSync(new URL(`../fixtures/tls/${f}`, import.meta.url));
  const cert = opts.cert ?? 'server';
  const options: tls.TlsOptions = { key: fixture(`${cert}.key`), cert: fixture(`${cert}.pem`), ticketKeys: randomBytes(48) };
  const sockets = new Set<net.Socket>();
  const servers = new Set<net.Server>();
  const commands: string[] = [];
  const onControl = (raw: net.Socket) => {
    let sock = raw;
    let secure = !explicit;
    sockets.add(sock);
    sock.on('error', () => {});
    sock.once('close', () => sockets.delete(sock));
    const reply = (line: string) => void (sock.destroyed || sock.write(line + '\r\n'));
    let data: Promise<TLSSocket | null> | null = null;
    let queue = Promise.resolve();
    let buffered = '';
    reply('220 mini FTPS ready');
    const passive = async (): Promise<number> => {
      const srv = tls.createServer(options);
      servers.add(srv);
      data = new Promise((resolve) => {
        const timer = setTimeout(() => resolve(null), 5_000);
        srv.once('secureConnection', (d: TLSSocket) => {
          clearTimeout(timer);
          sockets.add(d);
          d.on('error', () => {});
          resolve(d);
        });
      });
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
      return (srv.address() as AddressInfo).port;
    };
    const handle = async (line: string) => {
      commands.push(line);
      const verb = line.split(' ')[0]!.toUpperCase();
      switch (verb) {
        case 'AUTH': {
          if (!explicit || secure) return reply('503 Already secure');
          raw.off('data', onData);
          reply('234 Proceed with negotiation');
          const wrapped = new tls.TLSSocket(raw, { isServer: true, secureContext: tls.createSecureContext(options) });
          wrapped.on('error', () => {});
          wrapped.setEncoding('utf8');
          wrapped.on('data', onData);
          sockets.add(wrapped);
          sock = wrapped;
          secure = true;
          return;
        }
        case 'USER':
          if (requireTls && !secure) {
            reply(requireTls);
            if (requireTls.startsWith('421')) sock.end();
            return;
          }
          return reply('331 Password please');
        case 'REST': return reply(`350 Restarting at ${line.slice(5)}`);
        case 'PASS': return reply(opts.password === undefined || line === `PASS ${opts.password}` ? '230 Logged in' : '530 Login incorrect.');
        case 'PBSZ': case 'PROT': case 'TYPE': return reply('200 OK');
        case 'SYST': return reply('215 UNIX Type: L8');
        case 'FEAT': return reply('211-Features\r\n PBSZ\r\n PROT\r\n EPSV\r\n SIZE\r\n211 End');
        case 'SIZE': return reply('213 6');
        case 'EPSV': return reply(`229 Entering Extended Passive Mode (|||${await passive()}|)`);
        case 'PASV': {
          const p = await passive();
          return reply(`227 Entering Passive Mode (127,0,0,1,${p >> 8},${p & 255})`);
        }
        case 'LIST': {
          const d = await data;
          data = null;
          if (!d) return reply("425 Can't open data connection");
          if (demandReuse && !d.isSessionReused()) {
            d.destroy();
            return reply('522 SSL connection failed: session reuse required');
          }
          reply('150 Here it comes');
          await new Promise<void>((r) => d.end('-rw-r--r-- 1 ftp ftp 6 Jan 01 00:00 f.bin\r\n', () => r()));
          return reply('226 Done');
        }
        case 'QUIT':
          reply('221 Bye');
          return void sock.end();
        default: return reply('502 Not implemented');
      }
    };
    const onData = (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, nl).replace(/\r$/, '');
        buffered = buffered.slice(nl + 1);
        queue = queue.then(() => handle(line));
      }
    };
    sock.setEncoding('utf8');
    sock.on('data', onData);
  };
  const control = explicit ? net.createServer(onControl) : tls.createServer(options, onControl);
  servers.add(control);
  await new Promise<void>((r) => control.listen(0, '127.0.0.1', () => r()));
  return {
    commands,
    port: (control.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      for (const s of servers) s.close();
    },
  };
}
