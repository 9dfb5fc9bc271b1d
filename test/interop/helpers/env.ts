// What the interop suite expects on the machine (test/interop/install.sh puts
// it there), and what is missing.
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Where install.sh unpacks pure-ftpd and proftpd. */
export const PREFIX = process.env.TFTP_INTEROP_PREFIX || '/opt/tftp-interop';
/** The local/virtual user of every server. Keep in step with install.sh. */
export const USER = 'tftpuser';
export const PASSWORD = 'tftp-Interop-2024';
/** CI=true: a missing server fails the suite instead of skipping it. */
export const IN_CI = process.env.CI === 'true';
export const INSTALL_HINT = 'run `bash test/interop/install.sh` as root';

export const VSFTPD = '/usr/sbin/vsftpd';
export const PURE_FTPD = join(PREFIX, 'pure-ftpd/usr/sbin/pure-ftpd');
export const PURE_PW = join(PREFIX, 'pure-ftpd/usr/bin/pure-pw');
export const PROFTPD = join(PREFIX, 'proftpd/usr/sbin/proftpd');
export const PROFTPD_MODULES = join(PREFIX, 'proftpd/usr/lib/proftpd');
/** Debian's own Python (python3-pyftpdlib is installed for it), not whatever python3 is first on PATH. */
export const PYTHON = '/usr/bin/python3';
export const INETUTILS_FTPD = join(PREFIX, 'inetutils-ftpd/usr/sbin/ftpd');

export type ServerKind = 'vsftpd' | 'pure-ftpd' | 'proftpd' | 'pyftpdlib' | 'inetutils-ftpd';

/**
 * Control ports and passive ranges: above Linux's ephemeral range (32768–60999),
 * clear of the unit tests' ftp-srv (10000–31999) and the benchmark's vsftpd
 * (32000–32767). Each instance owns 100 ports: control at base (or the next free
 * one up to base+9), passive base+10..base+59. proftpd's and inetutils ftpd's
 * active-mode data connections come from control-1, which stays inside the
 * previous block's unused ports. inetutils ftpd has no passive range: the kernel
 * picks its passive ports (see inetutils-ftpd.ts).
 */
export const PORT_BASE = {
  vsftpd: 61000,
  'vsftpd-tls': 61100,
  'vsftpd-implicit': 61200,
  'pure-ftpd': 61300,
  'pure-ftpd-tls': 61400,
  proftpd: 61500,
  'proftpd-tls': 61600,
  pyftpdlib: 61700,
  'pyftpdlib-tls': 61800,
  'inetutils-ftpd': 61900,
  // Behind the proxies of proxies.interop.ts (which listen on 62200-62211).
  'vsftpd-proxy': 62000,
  'vsftpd-proxy-tls': 62100,
  'proftpd-proxy': 62300,
  'proftpd-proxy-tls': 62400,
  'vsftpd-proxy-implicit': 62500,
} as const;
export type Instance = keyof typeof PORT_BASE;

export interface SystemUser {
  uid: number;
  gid: number;
}

export function lookupUser(name: string): SystemUser | undefined {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) return undefined;
  const f = line.split(':');
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function pythonImports(modules: string[]): boolean {
  try {
    execFileSync(PYTHON, ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Reasons the suite cannot run against `kind` here; empty when it can. */
export function missingFor(kind: ServerKind): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('the suite must run as root (the servers chroot and switch users)');
  if (!onPath('openssl')) missing.push('openssl is not on PATH');
  if (!lookupUser('ftp')) missing.push('the system user `ftp` does not exist');
  if (!lookupUser(USER)) missing.push(`the system user \`${USER}\` does not exist`);
  if (kind === 'vsftpd') {
    if (!executable(VSFTPD)) missing.push(`vsftpd is not installed (${VSFTPD})`);
    if (!existsSync('/etc/pam.d/tftp-interop')) missing.push('the PAM service /etc/pam.d/tftp-interop does not exist');
  }
  if (kind === 'pure-ftpd') {
    if (!executable(PURE_FTPD)) missing.push(`pure-ftpd is not unpacked (${PURE_FTPD})`);
    if (!executable(PURE_PW)) missing.push(`pure-pw is not unpacked (${PURE_PW})`);
  }
  if (kind === 'proftpd') {
    if (!executable(PROFTPD)) missing.push(`proftpd is not unpacked (${PROFTPD})`);
    if (!existsSync(join(PROFTPD_MODULES, 'mod_tls.so'))) missing.push(`proftpd's mod_tls is not unpacked (${PROFTPD_MODULES}/mod_tls.so)`);
  }
  if (kind === 'pyftpdlib') {
    if (!executable(PYTHON)) missing.push(`Debian's python3 is not installed (${PYTHON})`);
    else if (!pythonImports(['pyftpdlib', 'OpenSSL'])) missing.push(`${PYTHON} cannot import pyftpdlib and OpenSSL (python3-pyftpdlib, python3-openssl)`);
  }
  if (kind === 'inetutils-ftpd') {
    if (!executable(INETUTILS_FTPD)) missing.push(`inetutils ftpd is not unpacked (${INETUTILS_FTPD})`);
    if (!onPath('unshare')) missing.push('unshare (util-linux) is not on PATH');
  }
  return missing;
}
