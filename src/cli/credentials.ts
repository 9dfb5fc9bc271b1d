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

export interface Credentials {
  user: string;
  password: string;
}

/** Asked once per command line: every session of a run logs in with the same answer. */
const asked = new WeakMap<ConnectionOptions, Promise<Credentials>>();

/**
 * The user and password to log in with. Highest first: the URL's
 * user:password, -u user:password, --password, --password-stdin,
 * TFTP_PASSWORD, netrc, a prompt on a terminal, else anonymous. Worked out
 * once for `opts`: stdin is read and the prompt shown only once, however many
 * connections the command opens.
 */
export function credentials(io: Io, target: Target, opts: ConnectionOptions): Promise<Credentials> {
  let answer = asked.get(opts);
  if (!answer) {
    answer = resolveCredentials(io, target, opts);
    asked.set(opts, answer);
  }
  return answer;
}

/** -u user:password splits at the first colon, as in curl: the password may hold colons. */
function splitUserOption(value: string | undefined): { user?: string; password?: string } {
  if (value === undefined) return {};
  const colon = value.indexOf(':');
  return colon === -1 ? { user: value } : { user: value.slice(0, colon), password: value.slice(colon + 1) };
}

async function resolveCredentials(io: Io, target: Target, opts: ConnectionOptions): Promise<Credentials> {
  const given = splitUserOption(opts.user);
  if (given.password !== undefined && opts.password !== undefined) throw new UsageError('give the password once: -u user:password or --password');
  if (opts.password !== undefined) warn(io, 'a password given with --password can be seen by other users of this machine (use TFTP_PASSWORD, --password-stdin or ~/.netrc)');
  if (given.password !== undefined) warn(io, 'a password given with -u user:password can be seen by other users of this machine (use TFTP_PASSWORD, --password-stdin or ~/.netrc)');
  let user = target.user ?? given.user;
  // The -u password belongs to the -u user, not to another user named in the URL.
  let password = target.password ?? (user === given.user ? given.password : undefined) ?? opts.password;
  if (password === undefined && opts.passwordStdin) {
    password = await readLine(io);
    if (password === '') throw new UsageError('--password-stdin: stdin gave no password (no line, or an empty one)');
  }
  password ??= io.env.TFTP_PASSWORD;
  if (password === undefined || user === undefined) {
    const entry = await lookupNetrc(target.host, user, opts.netrcFile, io.env.HOME, (m) => warn(io, m));
    if (entry) {
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
