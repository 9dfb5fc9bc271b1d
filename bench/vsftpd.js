// A private vsftpd for the benchmark: 127.0.0.1 only, high port, foreground,
// anonymous read of a temporary root plus one anonymous-writable upload folder.
// Not a system service: bench/run.js starts it and ends it (by its own pid).
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const INSTALL_HINT = 'apt-get install -y vsftpd lftp';

export function findVsftpd() {
  for (const p of ['/usr/sbin/vsftpd', '/usr/local/sbin/vsftpd', '/sbin/vsftpd']) if (existsSync(p)) return p;
  try {
    return execFileSync('sh', ['-c', 'command -v vsftpd'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

export function vsftpdVersion(bin) {
  try {
    // vsftpd prints its version on file descriptor 0.
    const out = execFileSync('sh', ['-c', `"${bin}" -v 0>&1`], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    return out.trim().replace(/^vsftpd: version /, '');
  } catch (e) {
    return String(e.stdout || '').trim().replace(/^vsftpd: version /, '') || 'unknown';
  }
}

/** uid/gid of a system user, or null. */
function lookupUser(name) {
  try {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${name}:`));
    if (!line) return null;
    const f = line.split(':');
    return { uid: Number(f[2]), gid: Number(f[3]) };
  } catch {
    return null;
  }
}

/** vsftpd's anonymous sessions run as the `ftp` user: create it when missing. */
export function ensureFtpUser(log = () => {}) {
  let u = lookupUser('ftp');
  if (u) return u;
  if (process.getuid?.() !== 0) throw new Error('the `ftp` user does not exist and creating it needs root');
  log('creating system user `ftp`');
  execFileSync('useradd', ['--system', '--no-create-home', '--home-dir', '/srv/ftp', '--shell', '/usr/sbin/nologin', 'ftp'], {
    stdio: 'inherit',
  });
  u = lookupUser('ftp');
  if (!u) throw new Error('could not create the `ftp` user');
  return u;
}

function portIsFree(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

export async function findFreePort(start, tries = 50) {
  for (let p = start; p < start + tries; p++) if (await portIsFree(p)) return p;
  throw new Error(`no free port in ${start}..${start + tries - 1}`);
}

/** Render bench/vsftpd.conf (the template) with the values of this run; with `tls`, bench/vsftpd-tls.conf too. */
export function renderConfig(values, { tls = false } = {}) {
  // Comment lines are dropped: vsftpd only accepts "option=value" lines anyway.
  const template = ['vsftpd.conf', ...(tls ? ['vsftpd-tls.conf'] : [])]
    .flatMap((name) => readFileSync(join(here, name), 'utf8').split('\n'))
    .filter((l) => l.trim() && !l.trimStart().startsWith('#'))
    .join('\n');
  return `${template}\n`.replace(/\{\{(\w+)\}\}/g, (_, k) => {
    if (!(k in values)) throw new Error(`vsftpd.conf: no value for {{${k}}}`);
    return String(values[k]);
  });
}

/** Wait until the server answers its 220 greeting. */
function waitForGreeting(port, host, deadline, proc) {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return reject(new Error('vsftpd exited during start-up'));
      if (Date.now() > deadline) return reject(new Error('vsftpd did not answer within the start-up timeout'));
      const sock = createConnection({ port, host });
      let buf = '';
      sock.setEncoding('utf8');
      sock.on('data', (d) => {
        buf += d;
        if (/^220[ -]/m.test(buf)) {
          sock.end('QUIT\r\n');
          sock.destroy();
          resolve();
        } else if (/^\d{3} /m.test(buf)) {
          sock.destroy();
          reject(new Error(`vsftpd greeting: ${buf.trim()}`));
        }
      });
      sock.on('error', () => {
        sock.destroy();
        setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/**
 * Start vsftpd serving `root` (anonymous read) with `root/upload` writable;
 * with `tls` ({cert, key}: PEM files), as an explicit FTPS server that requires TLS.
 * @returns {Promise<{port:number, pasvMin:number, pasvMax:number, pid:number, stop:() => Promise<void>,
 *   killSync:() => void, version:string, confPath:string}>}
 */
export async function startVsftpd({ root, uploadDir, port = 2121, pasvMin = 32000, pasvMax = 32767, tls = null, log = () => {} }) {
  const bin = findVsftpd();
  if (!bin) {
    const e = new Error(`vsftpd is not installed. Install it with:\n    ${INSTALL_HINT}`);
    e.code = 'NO_VSFTPD';
    throw e;
  }
  const ftp = ensureFtpUser(log);

  // Anonymous root: owned by root and not writable by `ftp` (vsftpd refuses a
  // writable chroot root). Upload folder: owned by `ftp`.
  mkdirSync(root, { recursive: true });
  chownSync(root, 0, 0);
  chmodSync(root, 0o755);
  mkdirSync(uploadDir, { recursive: true });
  chownSync(uploadDir, ftp.uid, ftp.gid);
  chmodSync(uploadDir, 0o755);

  const freePort = await findFreePort(port);
  const confDir = mkdtempSync(join(tmpdir(), 'tftp-bench-vsftpd-'));
  const confPath = join(confDir, 'vsftpd.conf');
  try {
    chmodSync(confDir, 0o755);
    const emptyDir = join(confDir, 'empty');
    mkdirSync(emptyDir, { mode: 0o555 });
    chmodSync(emptyDir, 0o555);
    const values = {
      port: freePort,
      root,
      pasv_min: pasvMin,
      pasv_max: pasvMax,
      secure_chroot_dir: emptyDir,
      log_file: join(confDir, 'vsftpd.log'),
      ...(tls ? { cert: tls.cert, key: tls.key } : {}),
    };
    writeFileSync(confPath, renderConfig(values, { tls: Boolean(tls) }), { mode: 0o600 });
  } catch (e) {
    rmSync(confDir, { recursive: true, force: true });
    throw e;
  }

  const proc = spawn(bin, [confPath], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  proc.stdout.on('data', (d) => (output += d));
  proc.stderr.on('data', (d) => (output += d));
  const exited = new Promise((r) => proc.once('exit', r));

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (proc.exitCode === null && proc.signalCode === null) {
      // vsftpd forks one process per session: end its whole process group.
      try {
        process.kill(-proc.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      const t = setTimeout(() => {
        try {
          process.kill(-proc.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 2000);
      await exited;
      clearTimeout(t);
    }
    rmSync(confDir, { recursive: true, force: true });
  };
  // Synchronous last resort when the process exits without running stop().
  const killSync = () => {
    if (stopped) return;
    try {
      process.kill(-proc.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    rmSync(confDir, { recursive: true, force: true });
  };

  try {
    await waitForGreeting(freePort, '127.0.0.1', Date.now() + 10_000, proc);
  } catch (e) {
    await stop();
    throw new Error(`${e.message}${output ? `\n${output.trim()}` : ''}`);
  }
  return { port: freePort, pasvMin, pasvMax, pid: proc.pid, stop, killSync, version: vsftpdVersion(bin), confPath };
}
