// Starts GNU inetutils ftpd (unpacked by install.sh: the package conflicts with
// vsftpd) for the interop suite. It is a BSD-derived server that runs under
// inetd: the suite's own loop (inetd.ts) accepts on 127.0.0.1 and spawns one
// ftpd per connection with the socket as stdin/stdout.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freeControlPort, readGreeting } from './daemon.js';
import { INETUTILS_FTPD, PORT_BASE, PREFIX, USER, type Instance } from './env.js';
import { InetdLoop } from './inetd.js';
import { finish, layout, need, output, type RunningServer, type StartOptions } from './servers.js';

export function inetutilsFtpdVersion(): string {
  const v = /\(GNU inetutils\) (\S+)/.exec(output(INETUTILS_FTPD, ['--version']))?.[1] ?? 'unknown';
  let deb = 'unknown package';
  try {
    deb = readFileSync(join(PREFIX, 'inetutils-ftpd', '.packages'), 'utf8').trim();
  } catch {
    // not unpacked by install.sh
  }
  return `inetutils ftpd ${v} (Debian ${deb})`;
}

/** The kernel's ephemeral range: where ftpd's passive ports come from (it has no setting for them). */
function ephemeralRange(): [number, number] {
  const [min, max] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  return [min!, max!];
}

/**
 * /etc/passwd as the sessions see it: ftpd takes anonymous's root from the
 * home of the `ftp` user (and chroot()s into it), logs local users into their
 * home, and refuses a user whose shell is not in /etc/shells. So `ftp` and
 * tftpuser get the instance's root as home, and tftpuser (nologin on the
 * system) gets /bin/sh. Only the sessions' mount namespace sees this file.
 */
function sessionPasswd(root: string): string {
  return readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => {
      const f = line.split(':');
      if (f.length !== 7) return line;
      if (f[0] === 'ftp') f[5] = root;
      else if (f[0] === USER) {
        f[5] = root;
        f[6] = '/bin/sh';
      } else return line;
      return f.join(':');
    })
    .join('\n');
}

const SESSION = 'mount --bind "$0" /etc/passwd && { [ ! -f /var/log/wtmp ] || mount --bind /dev/null /var/log/wtmp; } && exec "$@"';

/**
 * inetutils ftpd: anonymous (chroot()ed into root: `ftp`'s home) and the local
 * user tftpuser (its password from /etc/shadow, logged into root, not chroot()ed:
 * ftpd chroot()s local users only when listed in /etc/ftpchroot). Each session
 * runs in a mount namespace of its own (unshare) where /etc/passwd is the
 * suite's copy and wtmp is /dev/null; the system's files and users are left
 * as they are. No TLS.
 * Passive ports are the kernel's choice (ftpd binds port 0 on the control
 * connection's address, 127.0.0.1).
 */
export async function startInetutilsFtpd(opts: StartOptions): Promise<RunningServer> {
  if (opts.tls) throw new Error('inetutils ftpd has no TLS');
  const instance: Instance = 'inetutils-ftpd';
  const l = layout(opts.runDir, instance);
  const owner = need(USER);
  need('ftp');
  const passwd = join(l.dir, 'passwd');
  writeFileSync(passwd, sessionPasswd(l.root), { mode: 0o644 });
  const port = await freeControlPort(PORT_BASE[instance]);
  // -l: log sessions (to syslog, if any); -t/-T: idle sessions end after 2 min; -u: files 0644.
  const ftpd = [INETUTILS_FTPD, '-l', '-t', '120', '-T', '120', '-u', '022'];
  const loop = await InetdLoop.start({
    name: instance,
    command: 'unshare',
    // A private mount namespace per session: the copy over /etc/passwd, and /dev/null over
    // the system's wtmp (ftpd records every login there), then become ftpd.
    args: ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', SESSION, passwd, ...ftpd],
    port,
    logDir: l.logDir,
  });
  try {
    const greeting = await readGreeting(port);
    if (!/^220[ -]/.test(greeting)) throw new Error(`greeted with: ${greeting.trim()}`);
  } catch (e) {
    await loop.stop();
    throw new Error(`${instance} did not greet on 127.0.0.1:${port}: ${(e as Error).message}\n${loop.logs()}`);
  }
  const [pasvMin, pasvMax] = ephemeralRange();
  return finish({
    instance, kind: 'inetutils-ftpd', version: inetutilsFtpdVersion(), port, pasvMin, pasvMax, tls: false,
    root: l.root, upload: 'upload', uploadLocal: l.uploadLocal, owner, anonymous: true, daemon: loop,
  });
}
