// The tests every server of the suite goes through, plain and over TLS.
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { Certs } from './certs.js';
import { setPidDir } from './daemon.js';
import { IN_CI, INSTALL_HINT, PASSWORD, USER, missingFor, type ServerKind } from './env.js';
import { listOverTls } from './raw-ftps.js';
import { expectSameBytes, type InstanceContext } from './instance.js';
import { namesAndAddressTests } from './suite-names.js';
import { remoteCommandTests } from './suite-remote.js';
import type { RunningServer, StartOptions } from './servers.js';
import { show, tftp, userArgs, type CliResult } from './tftp.js';

export interface Capabilities {
  /**
   * REST+STOR onto an existing remote file may be tried (put --rest N, put -c
   * on a partial file). false for pure-ftpd: it answers 550 and deletes the
   * file in the configurations where it does not support it.
   */
  resumeUpload: boolean;
  /** Exit code of a login without TLS on the instance that requires TLS (4: 530, 5: other 5xx). Servers with TLS only. */
  cleartextLoginExit?: number;
  /** The TLS instances refuse data connections that do not resume the control connection's TLS session. */
  requiresSessionReuse: boolean;
}

export interface InstanceDef {
  tls: false | 'explicit' | 'implicit';
  /** The instance serves anonymous logins (read the root, write the upload folder). */
  anonymous: boolean;
  start: (o: StartOptions) => Promise<RunningServer>;
  /** Tests of this server only, run after the shared ones against the same instance. */
  extraTests?: (t: InstanceContext) => void;
}

const LABELS = { false: 'plain', explicit: 'explicit TLS', implicit: 'implicit TLS' } as const;

const HOST = '127.0.0.1';
const STRESS = process.env.TFTP_INTEROP_STRESS === '1';
const SIZE = 3 * 1024 * 1024 + 4321; // a few MiB, not a multiple of any buffer size

/** Random printable lines with LF endings (some empty, some long), about `bytes` long. */
function textFile(bytes: number, maxLine = 1320): Buffer {
  const lines: string[] = [];
  let n = 0;
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:-_=+*/()[]{}<>!?#%&@~^|"\'\t';
  while (n < bytes) {
    const r = randomBytes(2);
    const len = Math.min(maxLine, r[0]! % 7 === 0 ? 0 : r[0]! % 11 === 0 ? 300 + r[1]! * 4 : r[1]! % 120);
    const chars = randomBytes(len);
    let line = '';
    for (const c of chars) line += alphabet[c % alphabet.length];
    lines.push(line);
    n += len + 1;
  }
  return Buffer.from(`${lines.join('\n')}\n`, 'latin1');
}

/** `text` with about half of its LF line endings turned into CRLF. */
function mixedEndings(text: Buffer): Buffer {
  const lines = text.toString('latin1').split('\n');
  const last = lines.pop();
  const coin = randomBytes(lines.length);
  return Buffer.from(lines.map((l, i) => l + (coin[i]! & 1 ? '\r\n' : '\n')).join('') + last, 'latin1');
}

function countLf(b: Buffer): number {
  let n = 0;
  for (const c of b) if (c === 0x0a) n++;
  return n;
}

/**
 * The tests of one server family (one test file): an instance per entry of
 * `instances`, each started before its tests and stopped after them.
 * Without the server installed: a failing test in CI, a skip with a message
 * elsewhere.
 */
export function serverSuite(kind: ServerKind, instances: InstanceDef[], caps: Capabilities): void {
  const certs = inject('interopCerts');
  const runDir = inject('interopRunDir');
  const missing = missingFor(kind);
  if (!certs) missing.push(`the test certificates could not be made: ${inject('interopCertError')}`);
  if (missing.length) {
    const why = `${kind}: the interop suite cannot run here:\n  - ${missing.join('\n  - ')}\n(${INSTALL_HINT})`;
    if (IN_CI) {
      describe(kind, () => {
        it('is installed', () => {
          throw new Error(why);
        });
      });
    } else {
      console.warn(`${why}\nskipping ${kind} (CI=true makes this a failure)`);
      describe.skip(kind, () => {
        it('is installed', () => {});
      });
    }
    return;
  }
  // Pids of the daemons (and inetd sessions) for the global teardown, should this worker crash.
  setPidDir(join(runDir, 'pids'));
  for (const def of instances) instanceSuite(kind, def, caps, runDir, certs!);
}

function instanceSuite(kind: ServerKind, def: InstanceDef, caps: Capabilities, runDir: string, certs: Certs): void {
  describe(`${kind} (${LABELS[`${def.tls}`]})`, () => {
    let s: RunningServer;
    let work: string;
    let home: string;
    const data = randomBytes(SIZE);
    const text = textFile(600 * 1024);
    // Under 1 KiB even with a CR per line, so that the summary line shows exact bytes.
    const small = textFile(400, 30);
    // Several files over one connection: from the second transfer on, EPSV goes out with RETR.
    const treeFiles: [string, Buffer][] = [
      ['a.bin', randomBytes(70_000)],
      ['b.bin', randomBytes(1)],
      ['c.bin', randomBytes(300_000)],
    ];
    let seq = 0;
    /** A fresh local path in the client's folder. */
    const local = (name: string) => join(work, `${++seq}-${name}`);
    const run = async (args: string[], env?: NodeJS.ProcessEnv, limitMs?: number): Promise<CliResult> => {
      return tftp(args, { home, ...(env ? { env } : {}), ...(limitMs ? { limitMs } : {}) });
    };
    const conn = (tls: 'ca' | 'none' | 'no-ca' = 'ca') => userArgs(s, certs, tls);
    /** A file in the upload folder, as the logged-in user would have left it. */
    const remoteFile = (name: string, content: Buffer) => {
      const p = join(s.uploadLocal, name);
      writeFileSync(p, content);
      chownSync(p, s.owner.uid, s.owner.gid);
      return p;
    };

    beforeAll(async () => {
      s = await def.start({ runDir, certs });
      work = join(runDir, s.instance, 'client');
      home = join(work, 'home');
      mkdirSync(home, { recursive: true });
      writeFileSync(join(s.root, 'data.bin'), data, { mode: 0o644 });
      writeFileSync(join(s.root, 'text.txt'), text, { mode: 0o644 });
      writeFileSync(join(s.root, 'small.txt'), small, { mode: 0o644 });
      mkdirSync(join(s.root, 'tree'), { mode: 0o755 });
      for (const [name, body] of treeFiles) writeFileSync(join(s.root, 'tree', name), body, { mode: 0o644 });
      console.log(`interop: ${s.version}, ${s.instance} pid ${s.daemon.pid} on ${HOST}:${s.port}, passive ${s.pasvMin}-${s.pasvMax}`);
    });
    afterAll(async () => {
      if (!s) return;
      const crashed = !s.daemon.alive;
      await s.stop();
      if (crashed) throw new Error(`${s.instance} was no longer running at the end\n${s.logs()}`);
    });
    beforeEach(({ task, onTestFailed }) => {
      if (task.fails) return; // an expected failure: no logs
      onTestFailed(() => {
        if (s) console.error(`interop: ${s.instance} logs after a failure:\n${s.logs()}`);
      });
    });

    it('logs in and lists the login folder (LIST and NLST)', async () => {
      const ls = await run(['ls', ...conn(), HOST]);
      expect(ls.code, show(ls)).toBe(0);
      const lines = ls.stdout.toString().split('\n');
      for (const name of ['data.bin', 'text.txt', 'upload']) expect(lines.some((l) => l.endsWith(` ${name}`)), ls.stdout.toString()).toBe(true);
      expect(lines.find((l) => l.endsWith(' data.bin'))).toContain(String(SIZE));

      const names = await run(['ls', '--names', ...conn(), HOST]);
      expect(names.code, show(names)).toBe(0);
      const list = names.stdout.toString().split('\n').filter(Boolean).map((n) => n.replace(/^\.\//, ''));
      expect(list).toEqual(expect.arrayContaining(['data.bin', 'small.txt', 'text.txt', 'upload']));
    });

    for (const mode of ['--passive', '--active'] as const) {
      it(`get ${mode}: byte-identical`, async () => {
        const dest = local('get.bin');
        const r = await run(['get', mode, ...conn(), HOST, 'data.bin', dest]);
        expect(r.code, show(r)).toBe(0);
        expect(r.stderr).toMatch(/^downloaded data\.bin: /m);
        expectSameBytes(readFileSync(dest), data, 'downloaded file');
        expect(existsSync(`${dest}.part`)).toBe(false);
      });

      it(`put ${mode}: byte-identical on the server`, async () => {
        const src = local('put.bin');
        writeFileSync(src, data);
        const remote = `put${mode}.bin`;
        const r = await run(['put', mode, ...conn(), HOST, src, `${s.upload}/${remote}`]);
        expect(r.code, show(r)).toBe(0);
        expect(r.stderr).toMatch(new RegExp(`^uploaded ${s.upload}/${remote}: `, 'm'));
        expectSameBytes(readFileSync(join(s.uploadLocal, remote)), data, 'uploaded file');
      });
    }

    it('get -r -j 1: a folder over one connection, EPSV pipelined with each RETR, each next RETR sent ahead, byte-identical', async () => {
      const dest = local('tree');
      const r = await run(['get', '-v', '-r', '-j', '1', '--passive', ...conn(), HOST, 'tree', dest]);
      expect(r.code, show(r)).toBe(0);
      for (const [name, body] of treeFiles) expectSameBytes(readFileSync(join(dest, name)), body, `tree/${name}`);
      const sent = r.stderr.split('\n').filter((l) => /^> (EPSV|RETR)|^< 229/.test(l)).map((l) => l.split(' ').slice(0, 2).join(' '));
      const pipelined = sent.filter((l, i) => l === '> EPSV' && sent[i + 1] === '> RETR').length;
      expect(pipelined, sent.join('\n')).toBeGreaterThanOrEqual(treeFiles.length - 1);
      // From the second file on, the RETR left as soon as the previous 226 was in.
      expect(r.stderr.split('\n').filter((l) => l === '* the next transfer goes ahead:'), show(r)).toHaveLength(treeFiles.length - 1);
    });

    it('get --rest N keeps the first N local bytes and fetches the rest', async () => {
      const n = 1_000_003;
      const dest = local('rest.bin');
      // Wrong bytes after N: they must go, the first N must stay.
      writeFileSync(dest, Buffer.concat([data.subarray(0, n), Buffer.alloc(5000, 0x55)]));
      const r = await run(['get', '-v', '--rest', String(n), ...conn(), HOST, 'data.bin', dest]);
      expect(r.code, show(r)).toBe(0);
      expect(r.stderr).toContain(`> REST ${n}`);
      expect(r.stderr).toMatch(/^< 350[ -]/m);
      expectSameBytes(readFileSync(dest), data, 'resumed download');
    });

    it('get -c continues a .part in active mode', async () => {
      const m = 2_000_001;
      const dest = local('cont.bin');
      writeFileSync(`${dest}.part`, data.subarray(0, m));
      const r = await run(['get', '-v', '-c', '--active', ...conn(), HOST, 'data.bin', dest]);
      expect(r.code, show(r)).toBe(0);
      expect(r.stderr).toContain(`> REST ${m}`);
      expectSameBytes(readFileSync(dest), data, 'continued download');
      expect(existsSync(`${dest}.part`)).toBe(false);
    });

    it('get -c leaves a complete local file alone', async () => {
      const dest = local('complete.bin');
      writeFileSync(dest, data);
      const r = await run(['get', '-v', '-c', ...conn(), HOST, 'data.bin', dest]);
      expect(r.code, show(r)).toBe(0);
      expect(r.stderr).toMatch(/already complete/);
      expect(r.stderr).not.toContain('> RETR');
      expectSameBytes(readFileSync(dest), data, 'local file');
    });

    if (caps.resumeUpload) {
      it('put --rest N in active mode writes from N and keeps the remote bytes before it', async () => {
        const n = 777_777;
        const remote = remoteFile('rest-put.bin', data.subarray(0, n));
        const src = local('rest-put.bin');
        writeFileSync(src, data);
        const r = await run(['put', '-v', '--active', '--rest', String(n), ...conn(), HOST, src, `${s.upload}/rest-put.bin`]);
        expect(r.code, show(r)).toBe(0);
        expect(r.stderr).toContain(`> REST ${n}`);
        expectSameBytes(readFileSync(remote), data, 'resumed upload');
      });

      it('put -c resumes a partial remote file from its SIZE', async () => {
        const m = 1_500_000;
        const remote = remoteFile('cont-put.bin', data.subarray(0, m));
        const src = local('cont-put.bin');
        writeFileSync(src, data);
        const r = await run(['put', '-v', '-c', ...conn(), HOST, src, `${s.upload}/cont-put.bin`]);
        expect(r.code, show(r)).toBe(0);
        expect(r.stderr).toMatch(new RegExp(`^< 213 ${m}\\s*$`, 'm'));
        expect(r.stderr).toContain(`> REST ${m}`);
        expectSameBytes(readFileSync(remote), data, 'continued upload');
      });
    }

    it('put -c uploads the whole file when the remote one does not exist', async () => {
      const src = local('fresh.bin');
      writeFileSync(src, data);
      const r = await run(['put', '-v', '-c', ...conn(), HOST, src, `${s.upload}/fresh-c.bin`]);
      expect(r.code, show(r)).toBe(0);
      expect(r.stderr).not.toContain('> REST');
      expectSameBytes(readFileSync(join(s.uploadLocal, 'fresh-c.bin')), data, 'uploaded file');
    });

    it('put -c sends nothing when the remote file is complete', async () => {
      const remote = remoteFile('whole.bin', data);
      const before = statSync(remote).mtimeMs;
      const src = local('whole.bin');
      writeFileSync(src, data);
      const r = await run(['put', '-v', '-c', ...conn(), HOST, src, `${s.upload}/whole.bin`]);
      expect(r.code, show(r)).toBe(0);
      expect(r.stderr).toMatch(/already complete on the server/);
      expect(r.stderr).not.toContain('> STOR');
      expectSameBytes(readFileSync(remote), data, 'remote file');
      expect(statSync(remote).mtimeMs).toBe(before);
    });

    it('get --ascii: the server sends CRLF line endings, the local file has LF', async () => {
      const dest = local('text.txt');
      const r = await run(['get', '--ascii', ...conn(), HOST, 'text.txt', dest]);
      expect(r.code, show(r)).toBe(0);
      expectSameBytes(readFileSync(dest), text, 'ASCII download');

      // The byte count is what crossed the data connection: one CR more per line
      // proves the server converted (a server sending the file as it is would pass
      // the comparison above too).
      const dest2 = local('small.txt');
      const r2 = await run(['get', '--ascii', '--active', ...conn(), HOST, 'small.txt', dest2]);
      expect(r2.code, show(r2)).toBe(0);
      expectSameBytes(readFileSync(dest2), small, 'ASCII download');
      expect(r2.stderr).toMatch(new RegExp(`^downloaded small\\.txt: ${small.length + countLf(small)} B in `, 'm'));
    });

    it('put --ascii: the server stores LF line endings for LF and CRLF local lines', async () => {
      const mixed = mixedEndings(text);
      const src = local('mixed.txt');
      writeFileSync(src, mixed);
      const r = await run(['put', '--ascii', ...conn(), HOST, src, `${s.upload}/ascii.txt`]);
      expect(r.code, show(r)).toBe(0);
      expectSameBytes(readFileSync(join(s.uploadLocal, 'ascii.txt')), text, 'ASCII upload as stored');

      const src2 = local('lf.txt');
      writeFileSync(src2, small);
      const r2 = await run(['put', '--ascii', '--active', ...conn(), HOST, src2, `${s.upload}/ascii-lf.txt`]);
      expect(r2.code, show(r2)).toBe(0);
      expectSameBytes(readFileSync(join(s.uploadLocal, 'ascii-lf.txt')), small, 'ASCII upload as stored');
    });

    // Repeated, several at once, because what goes wrong after a refusal is a race
    // between the server's reply and its handling of the data connection.
    it('a refused RETR or STOR (550/553) is reported at once: exit 5, nothing left locally', async () => {
      const src = local('orphan.bin');
      writeFileSync(src, data.subarray(0, 100_000));
      /** What went wrong in one run, if anything. */
      const check = async (args: string[], dest?: string): Promise<string[]> => {
        const t0 = Date.now();
        const r = await tftp(args, { home, timeout: 30 });
        const ms = Date.now() - t0;
        const problems: string[] = [];
        if (r.code !== 5) problems.push(`exit ${r.code}`);
        else if (!/^tftp: .*\b55\d\b/m.test(r.stderr)) problems.push('no 55x reply in the message');
        if (dest && (existsSync(dest) || existsSync(`${dest}.part`))) problems.push(`${dest} or its .part left behind`);
        // Waiting for --timeout is the failure; a loaded machine may take seconds to spawn and log in.
        if (ms >= 15_000) problems.push(`took ${ms} ms (--timeout 30)`);
        return problems.map((x) => `tftp ${args[0]} …: ${x}\n${r.stderr.trim()}`);
      };
      const attempt = async (): Promise<string[]> => {
        const dest = local('missing.bin');
        return [
          ...(await check(['get', ...conn(), HOST, 'no-such-file.bin', dest], dest)),
          ...(await check(['put', ...conn(), HOST, src, 'no-such-folder/orphan.bin'])),
        ];
      };
      for (let round = 0; round < 4; round++) {
        const results = await Promise.all([attempt(), attempt(), attempt(), attempt()]);
        expect(results.flat(), 'refused transfers').toEqual([]);
      }
    }, 120_000);

    it('a wrong password: exit 4', async () => {
      const r = await run(['ls', ...conn(), HOST], { TFTP_PASSWORD: `${PASSWORD}-wrong` });
      expect(r.code, show(r)).toBe(4);
      expect(r.stderr).toMatch(/^tftp: login rejected: 530/m);
      expect(r.stdout.length).toBe(0);
    });

    it('an unknown user: exit 4', async () => {
      const r = await run(['ls', ...conn().map((a) => (a === USER ? 'nobody-here' : a)), HOST]);
      expect(r.code, show(r)).toBe(4);
    });

    it('the password never appears in the verbose trace', async () => {
      const r = await run(['ls', '-v', ...conn(), HOST]);
      expect(r.code, show(r)).toBe(0);
      expect(r.stderr).toContain('> PASS ****');
      expect(r.stderr).not.toContain(PASSWORD);
    });

    if (def.anonymous) {
      it('anonymous: lists, downloads, uploads into the upload folder', async () => {
        const anon = ['-P', String(s.port)];
        const ls = await run(['ls', ...anon, HOST]);
        expect(ls.code, show(ls)).toBe(0);
        expect(ls.stdout.toString()).toMatch(/ data\.bin$/m);
        const dest = local('anon.bin');
        const got = await run(['get', '--active', ...anon, HOST, 'data.bin', dest]);
        expect(got.code, show(got)).toBe(0);
        expectSameBytes(readFileSync(dest), data, 'anonymous download');
        const put = await run(['put', ...anon, HOST, dest, `${s.upload}/anon.bin`]);
        expect(put.code, show(put)).toBe(0);
        expectSameBytes(readFileSync(join(s.uploadLocal, 'anon.bin')), data, 'anonymous upload');
      });
    }

    const ctx: InstanceContext = { server: () => s, certs, run, conn, local };
    namesAndAddressTests(ctx);
    remoteCommandTests(ctx);
    def.extraTests?.(ctx);

    if (def.tls) tlsTests();

    function tlsTests(): void {
      it('-v shows the TLS version and the generated certificate\'s fingerprint; data is protected', async () => {
        const r = await run(['get', '-v', ...conn(), HOST, 'data.bin', '-']);
        expect(r.code, show(r)).toBe(0);
        expectSameBytes(r.stdout, data, 'download to stdout');
        expect(r.stderr).toMatch(new RegExp(`^\\* TLS TLSv1\\.[23], certificate SHA-256 ${certs.fingerprint}$`, 'm'));
        expect(r.stderr).toContain('> PBSZ 0');
        expect(r.stderr).toContain('> PROT P');
        if (s.tls === 'explicit') expect(r.stderr.indexOf('> AUTH TLS')).toBeLessThan(r.stderr.indexOf('> USER'));
        else expect(r.stderr).not.toContain('> AUTH TLS');
      });

      it('refuses the server certificate without --ca-file: exit 9, no file', async () => {
        const dest = local('untrusted.bin');
        const r = await run(['get', ...conn('no-ca'), HOST, 'data.bin', dest]);
        expect(r.code, show(r)).toBe(9);
        expect(r.stderr).toMatch(/certificate not trusted/);
        expect(existsSync(dest)).toBe(false);
        expect(existsSync(`${dest}.part`)).toBe(false);
      });

      it('accepts the certificate pinned with --pin-sha256 (no --ca-file), get and put', async () => {
        const dest = local('pinned.bin');
        const r = await run(['get', '--pin-sha256', certs.fingerprint, ...conn('no-ca'), HOST, 'data.bin', dest]);
        expect(r.code, show(r)).toBe(0);
        expectSameBytes(readFileSync(dest), data, 'pinned download');
        const bare = certs.fingerprint.replace(/:/g, '').toLowerCase();
        const p = await run(['put', '--active', '--pin-sha256', bare, ...conn('no-ca'), HOST, dest, `${s.upload}/pinned.bin`]);
        expect(p.code, show(p)).toBe(0);
        expectSameBytes(readFileSync(join(s.uploadLocal, 'pinned.bin')), data, 'pinned upload');
      });

      it('refuses a certificate that does not match --pin-sha256: exit 9', async () => {
        const wrong = certs.fingerprint.replace(/^[0-9A-F]{2}/, (h) => (h === '00' ? '01' : '00'));
        const r = await run(['ls', '--pin-sha256', wrong, ...conn('no-ca'), HOST]);
        expect(r.code, show(r)).toBe(9);
        expect(r.stderr).toMatch(/does not match --pin-sha256/);
      });

      // Opt-in (TFTP_INTEROP_STRESS=1): many uploads at once. Under load a data socket
      // closed with a TLS ticket unread once reset uploads to vsftpd (426).
      (STRESS ? it : it.skip)('stress: 8 uploads at once, up to 240, none fails', async () => {
        const src = local('stress.bin');
        writeFileSync(src, data.subarray(0, 1024 * 1024));
        const failures: string[] = [];
        let started = 0;
        const t0 = Date.now();
        const worker = async () => {
          while (!failures.length && started < 240 && Date.now() - t0 < 90_000) {
            const n = ++started;
            const r = await tftp(['put', '-q', ...conn(), HOST, src, `${s.upload}/stress-${n}.bin`], { home });
            if (r.code !== 0) failures.push(`upload ${n}: ${show(r)}`);
          }
        };
        await Promise.all(Array.from({ length: 8 }, worker));
        expect(failures, `after ${started} uploads`).toEqual([]);
      }, 150_000);

      if (def.tls === 'explicit') {
        it(`a login without TLS is refused by the server: exit ${caps.cleartextLoginExit}`, async () => {
          const r = await run(['ls', '-v', ...conn('none'), HOST]);
          expect(r.code, show(r)).toBe(caps.cleartextLoginExit);
          expect(r.stderr).not.toContain(PASSWORD);
        });
      }

      if (caps.requiresSessionReuse && def.tls === 'explicit') {
        // The raw client of the suite speaks explicit FTPS only.
        it('the server refuses a data connection that does not resume the TLS session (control)', async () => {
          const without = await listOverTls({ port: s.port, caFile: certs.caFile, user: USER, password: PASSWORD, resume: false });
          expect(without.resumed).toBe(false);
          const code = without.final?.code ?? without.first.code;
          expect(code, JSON.stringify(without)).toBeGreaterThanOrEqual(400);
          expect(without.listing).not.toContain('data.bin');

          const withReuse = await listOverTls({ port: s.port, caFile: certs.caFile, user: USER, password: PASSWORD, resume: true });
          expect(withReuse.resumed, JSON.stringify(withReuse)).toBe(true);
          expect(withReuse.final?.code, JSON.stringify(withReuse)).toBe(226);
          expect(withReuse.listing).toContain('data.bin');
        });
      }

      if (caps.requiresSessionReuse) {
        for (const mode of ['--passive', '--active'] as const) {
          it(`tftp's data connections resume the TLS session: accepted in ${mode} mode (get, put, ls)`, async () => {
            const dest = local('reuse.bin');
            const g = await run(['get', '-v', mode, ...conn(), HOST, 'data.bin', dest]);
            expect(g.code, show(g)).toBe(0);
            expect(g.stderr).toMatch(mode === '--active' ? /^> (EPRT|PORT) /m : /^> (EPSV|PASV)$/m);
            expect(g.stderr).toMatch(/^< 226[ -]/m);
            expectSameBytes(readFileSync(dest), data, 'download');
            const p = await run(['put', mode, ...conn(), HOST, dest, `${s.upload}/reuse${mode}.bin`]);
            expect(p.code, show(p)).toBe(0);
            expectSameBytes(readFileSync(join(s.uploadLocal, `reuse${mode}.bin`)), data, 'upload');
            const l = await run(['ls', mode, ...conn(), HOST]);
            expect(l.code, show(l)).toBe(0);
            expect(l.stdout.toString()).toMatch(/ data\.bin$/m);
          });
        }
      }
    }
  });
}
