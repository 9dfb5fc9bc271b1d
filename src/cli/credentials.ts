import type { Io } from './io.js';
import type { ConnectionOptions } from './options.js';
import { checkRemoteName, type Target } from './target.js';
import { promptHidden } from './prompt.js';
import { lookupNetrc } from './netrc.js';
import { UsageError } from './exit-codes.js';

const ANONYMOUS = new Set(['anonymous', 'ftp']);

/** Reads one line from stdin (--password-stdin), without its line ending. */
async function readLine(io: Io): Promise<string> {
  let text = '';
  for await (const chunk of io.stdin) {
    text += chunk.toString();
    const nl = text.indexOf('\n');
    if (nl !== -1) return text.slice(0, nl).replace(/\r$/, '');
    if (text.length > 64 * 1024) throw new UsageError('--password-stdin: no line ending in the first 64 KiB');
  }
  return text.replace(/\r$/, '');
}

export function warn(io: Io, message: string): void {
  io.stderr.write(`tftp: warning: ${message}\n`);
}

/**
 * The user and password to log in with. Highest first: the URL's
 * user:password, --password, --password-stdin, TFTP_PASSWORD, netrc, a
 * prompt on a terminal, else anonymous.
 */
export async function credentials(io: Io, target: Target, opts: ConnectionOptions): Promise<{ user: string; password: string }> {
  if (opts.password !== undefined) warn(io, 'a password given with --password can be seen by other users of this machine (use TFTP_PASSWORD, --password-stdin or ~/.netrc)');
  let user = target.user ?? opts.user;
  let password = target.password ?? opts.password;
  if (password === undefined && opts.passwordStdin) password = await readLine(io);
  password ??= io.env.TFTP_PASSWORD;
  if (password === undefined || user === undefined) {
    const entry = await lookupNetrc(target.host, opts.netrcFile, io.env.HOME, (m) => warn(io, m));
    if (entry && (user === undefined || user === entry.login)) {
      user ??= entry.login;
      password ??= entry.password;
    }
  }
  user ??= 'anonymous';
  if (password === undefined) {
    if (!ANONYMOUS.has(user) && io.stdin.isTTY && io.stderr.isTTY) {
      password = await promptHidden(io, `Password for ${user}@${target.host}: `);
    } else {
      password = ANONYMOUS.has(user) ? 'anonymous@' : '';
    }
  }
  checkRemoteName(user, 'user name');
  checkRemoteName(password, 'password');
  return { user, password };
}
