// Starts vsftpd, pure-ftpd and proftpd for the interop suite: 127.0.0.1, a high
// control port and a passive range of the instance's own (see env.ts), the
// configuration rendered from test/interop/templates/ into a folder of this
// run, the logs beside it, the daemon in the foreground under our pid.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Certs } from './certs.js';
import { freeControlPort, render, startDaemon, type ServerProcess } from './daemon.js';
import {
  PASSWORD,
  PORT_BASE,
  PREFIX,
  PROFTPD,
  PROFTPD_MODULES,
  PURE_FTPD,
  PURE_PW,
  USER,
  VSFTPD,
  lookupUser,
  type Instance,
  type ServerKind,
  type SystemUser,
} from './env.js';

const TEMPLATES = fileURLToPath(new URL('../templates/', import.meta.url));

export interface RunningServer {
  instance: Instance;
  kind: ServerKind;
  /** e.g. "vsftpd 3.0.3 (Debian 3.0.3-13+b2)". */
  version: string;
  port: number;
  pasvMin: number;
  pasvMax: number;
  tls: false | 'explicit' | 'implicit';
  /** Local folder the user (and anonymous) sees as its login folder. */
  root: string;
  /** Remote name, relative to the login folder, of the folder uploads go to. */
  upload: string;
  /** Local path of that folder. */
  uploadLocal: string;
  /** The system account files uploaded by the user belong to. */
  owner: SystemUser;
  /** Anonymous logins are served (read root, write upload). */
  anonymous: boolean;
  daemon: ServerProcess;
  logs(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** This run's folder (from the global setup); the instance gets a sub-folder. */
  runDir: string;
  certs: Certs;
  tls?: false | 'explicit' | 'implicit';
  /** Another instance name (its own ports and folder), for a second instance of the same server. */
  instance?: Instance;
}

export interface Layout {
  dir: string;
  confDir: string;
  logDir: string;
  root: string;
  uploadLocal: string;
}

/**
 * <runDir>/<instance>/{conf,log,root,root/upload}. The root belongs to root and
 * is not writable by the sessions (vsftpd refuses a writable chroot); upload is
 * writable by everyone (anonymous runs as `ftp`, the user as tftpuser).
 */
export function layout(runDir: string, instance: Instance): Layout {
  const dir = join(runDir, instance);
  const l = { dir, confDir: join(dir, 'conf'), logDir: join(dir, 'log'), root: join(dir, 'root'), uploadLocal: join(dir, 'root', 'upload') };
  for (const d of [dir, l.confDir, l.logDir, l.root, l.uploadLocal]) mkdirSync(d, { recursive: true });
  for (const d of [runDir, dir, l.root]) {
    chownSync(d, 0, 0);
    chmodSync(d, 0o755);
  }
  chmodSync(l.confDir, 0o700);
  chmodSync(l.uploadLocal, 0o777);
  return l;
}

function template(name: string): string {
  return readFileSync(join(TEMPLATES, name), 'utf8');
}

function debianVersion(server: 'pure-ftpd' | 'proftpd'): string {
  try {
    return readFileSync(join(PREFIX, server, '.packages'), 'utf8').trim();
  } catch {
    return 'unknown package';
  }
}

export function output(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return `${err.stdout ?? ''}${err.stderr ?? ''}`;
  }
}

export function need(name: string): SystemUser {
  const u = lookupUser(name);
  if (!u) throw new Error(`the system user ${name} does not exist: run test/interop/install.sh`);
  return u;
}

export function finish(base: Omit<RunningServer, 'logs' | 'stop'>): RunningServer {
  return { ...base, logs: () => base.daemon.logs(), stop: () => base.daemon.stop() };
}

// --- vsftpd -----------------------------------------------------------------

export function vsftpdVersion(): string {
  // vsftpd prints its version on file descriptor 0.
  const v = execFileSync('sh', ['-c', `"${VSFTPD}" -v 0>&1 2>&1 || true`], { encoding: 'utf8' }).trim().replace(/^vsftpd: version /, '');
  const deb = output('dpkg-query', ['-W', '-f=${Version}', 'vsftpd']).trim();
  return `vsftpd ${v}${deb ? ` (Debian ${deb})` : ''}`;
}

/**
 * vsftpd: anonymous (plain instance only) and the local user tftpuser (PAM
 * service tftp-interop), both chroot()ed into root. With TLS: explicit or
 * implicit, TLS required for the user's login and data, and data connections
 * must resume the control connection's TLS session (require_ssl_reuse=YES).
 */
export async function startVsftpd(opts: StartOptions): Promise<RunningServer> {
  const tls = opts.tls ?? false;
  const instance: Instance = opts.instance ?? (tls === 'explicit' ? 'vsftpd-tls' : tls === 'implicit' ? 'vsftpd-implicit' : 'vsftpd');
  const l = layout(opts.runDir, instance);
  need('ftp');
  const owner = need(USER);
  const emptyDir = join(l.dir, 'empty');
  mkdirSync(emptyDir, { recursive: true });
  chmodSync(emptyDir, 0o555);
  const base = PORT_BASE[instance];
  const port = await freeControlPort(base);
  const conf = join(l.confDir, 'vsftpd.conf');
  const logFile = join(l.logDir, 'vsftpd.log');
  const text = render(template('vsftpd.conf'), {
    port,
    pasv_min: base + 10,
    pasv_max: base + 59,
    root: l.root,
    empty_dir: emptyDir,
    log_file: logFile,
    anonymous: tls ? 'NO' : 'YES',
    ssl: tls ? 'YES' : 'NO',
    implicit: tls === 'implicit' ? 'YES' : 'NO',
    cert: opts.certs.certFile,
    key: opts.certs.keyFile,
  });
  // vsftpd only accepts option=value lines: no comments, no blank lines.
  writeFileSync(conf, `${text.split('\n').filter((x) => x.trim() && !x.trimStart().startsWith('#')).join('\n')}\n`, { mode: 0o600 });
  const daemon = await startDaemon({ name: instance, command: VSFTPD, args: [conf], port, implicitTls: tls === 'implicit', logDir: l.logDir, logFiles: [logFile] });
  return finish({
    instance, kind: 'vsftpd', version: vsftpdVersion(), port, pasvMin: base + 10, pasvMax: base + 59, tls,
    root: l.root, upload: 'upload', uploadLocal: l.uploadLocal, owner, anonymous: !tls, daemon,
  });
}

// --- pure-ftpd --------------------------------------------------------------

export function pureFtpdVersion(): string {
  const v = /v(\d[\w.]*)/.exec(output(PURE_FTPD, ['--help']))?.[1] ?? 'unknown';
  return `pure-ftpd ${v} (Debian ${debianVersion('pure-ftpd')})`;
}

/** A SHA-512 crypt hash: fast to check (pure-pw's default hash makes each login take seconds). */
function sha512Crypt(password: string): string {
  return execFileSync('openssl', ['passwd', '-6', '-salt', randomBytes(6).toString('hex'), '-stdin'], { input: `${password}\n`, encoding: 'utf8' }).trim();
}

/**
 * pure-ftpd: the virtual user tftpuser (PureDB made with pure-pw mkdb from a
 * passwd line the suite writes, mapped to the system user tftpuser), chroot()ed
 * into root; no anonymous. With TLS: explicit, cleartext sessions refused.
 */
export async function startPureFtpd(opts: StartOptions): Promise<RunningServer> {
  const tls = opts.tls ?? false;
  if (tls === 'implicit') throw new Error('pure-ftpd: implicit TLS is not part of the suite');
  const instance: Instance = tls ? 'pure-ftpd-tls' : 'pure-ftpd';
  const l = layout(opts.runDir, instance);
  const owner = need(USER);
  const base = PORT_BASE[instance];
  const port = await freeControlPort(base);
  // account:hash:uid:gid:gecos:home/./ (chroot):… 18 fields, as pure-pw writes them.
  const passwd = join(l.confDir, 'pureftpd.passwd');
  writeFileSync(passwd, `${USER}:${sha512Crypt(PASSWORD)}:${owner.uid}:${owner.gid}::${l.root}/./::::::::::::\n`, { mode: 0o600 });
  execFileSync(PURE_PW, ['mkdb', join(l.confDir, 'pureftpd.pdb'), '-f', passwd], { stdio: ['ignore', 'pipe', 'pipe'] });
  const args = render(template('pure-ftpd.args'), {
    port,
    pasv_min: base + 10,
    pasv_max: base + 59,
    dir: l.confDir,
    log_dir: l.logDir,
    tls: !!tls,
    cert: opts.certs.combinedFile,
  })
    .split('\n')
    .map((x) => x.trim())
    .filter((x) => x && !x.startsWith('#'));
  const daemon = await startDaemon({ name: instance, command: PURE_FTPD, args, port, logDir: l.logDir, logFiles: [join(l.logDir, 'transfer.log')] });
  return finish({
    instance, kind: 'pure-ftpd', version: pureFtpdVersion(), port, pasvMin: base + 10, pasvMax: base + 59, tls,
    root: l.root, upload: 'upload', uploadLocal: l.uploadLocal, owner, anonymous: false, daemon,
  });
}

// --- proftpd ----------------------------------------------------------------

export function proftpdVersion(): string {
  const v = /Version (\S+)/.exec(output(PROFTPD, ['-v']))?.[1] ?? 'unknown';
  return `proftpd ${v} (Debian ${debianVersion('proftpd')})`;
}

/**
 * proftpd: the virtual user tftpuser (AuthUserFile with a SHA-512 crypt hash,
 * no PAM), DefaultRoot ~ = root, and anonymous (plain instance only) in the
 * same root. With TLS: mod_tls, explicit, TLSRequired on, session reuse on
 * data connections required (mod_tls's default).
 */
export async function startProftpd(opts: StartOptions): Promise<RunningServer> {
  const tls = opts.tls ?? false;
  if (tls === 'implicit') throw new Error('proftpd: implicit TLS is not part of the suite');
  const instance: Instance = opts.instance ?? (tls ? 'proftpd-tls' : 'proftpd');
  const l = layout(opts.runDir, instance);
  const owner = need(USER);
  const ftp = need('ftp');
  const base = PORT_BASE[instance];
  const port = await freeControlPort(base);
  writeFileSync(
    join(l.confDir, 'ftpd.passwd'),
    `${USER}:${sha512Crypt(PASSWORD)}:${owner.uid}:${owner.gid}::${l.root}:/usr/sbin/nologin\n` + `ftp:*:${ftp.uid}:${ftp.gid}::${l.root}:/usr/sbin/nologin\n`,
    { mode: 0o600 },
  );
  writeFileSync(join(l.confDir, 'ftpd.group'), `${USER}:x:${owner.gid}:\nftp:x:${ftp.gid}:\n`, { mode: 0o600 });
  const conf = join(l.confDir, 'proftpd.conf');
  writeFileSync(
    conf,
    render(template('proftpd.conf'), {
      port,
      pasv_min: base + 10,
      pasv_max: base + 59,
      dir: l.confDir,
      log_dir: l.logDir,
      module_path: PROFTPD_MODULES,
      root: l.root,
      anonymous: !tls,
      tls: !!tls,
      cert: opts.certs.certFile,
      key: opts.certs.keyFile,
    }),
    { mode: 0o600 },
  );
  const logFiles = ['proftpd.log', 'tls.log', 'commands.log'].map((f) => join(l.logDir, f));
  // -n: no daemon (foreground); -c: the suite's configuration only.
  const daemon = await startDaemon({ name: instance, command: PROFTPD, args: ['-n', '-c', conf], port, logDir: l.logDir, logFiles });
  return finish({
    instance, kind: 'proftpd', version: proftpdVersion(), port, pasvMin: base + 10, pasvMax: base + 59, tls,
    root: l.root, upload: 'upload', uploadLocal: l.uploadLocal, owner, anonymous: !tls, daemon,
  });
}
