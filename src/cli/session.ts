import { FtpClient } from '../core/client.js';
import { FtpError } from '../protocol/errors.js';
import type { Io } from './io.js';
import type { ConnectionOptions } from './options.js';
import { checkRemoteName, type Target } from './target.js';
import { promptHidden } from './prompt.js';

/** A logged-in client, and how to end it. */
export interface Session {
  client: FtpClient;
  /** QUIT after success; a plain close after a failure (the server state is unknown). */
  end(ok: boolean): Promise<void>;
}

/** The user and password to log in with, from the URL, the flags, the environment or a prompt. */
export async function credentials(io: Io, target: Target, opts: ConnectionOptions): Promise<{ user: string; password: string }> {
  const user = target.user ?? opts.user ?? 'anonymous';
  let password = target.password ?? opts.password ?? io.env.TFTP_PASSWORD;
  if (password === undefined) {
    if (user !== 'anonymous' && user !== 'ftp' && io.stdin.isTTY && io.stderr.isTTY) {
      password = await promptHidden(io, `Password for ${user}@${target.host}: `);
    } else {
      password = user === 'anonymous' || user === 'ftp' ? 'anonymous@' : '';
    }
  }
  checkRemoteName(user, 'user name');
  checkRemoteName(password, 'password');
  return { user, password };
}

export async function openSession(io: Io, target: Target, opts: ConnectionOptions): Promise<Session> {
  const { user, password } = await credentials(io, target, opts);
  const trace = opts.verbose ? (dir: string, line: string) => io.stderr.write(`${dir} ${line}\n`) : undefined;
  const client = new FtpClient({ timeoutMs: opts.timeout * 1000, passive: !opts.active, trace });
  // Outside a transfer (which sends ABOR itself), Ctrl-C simply hangs up.
  const onAbort = () => client.close(new FtpError('aborted', 'interrupted'));
  io.signal?.addEventListener('abort', onAbort, { once: true });
  const end = async (ok: boolean) => {
    io.signal?.removeEventListener('abort', onAbort);
    if (ok) await client.quit();
    else client.close();
  };
  try {
    io.signal?.throwIfAborted();
    await client.connect(target.host, target.port ?? opts.port ?? 21);
    await client.login(user, password);
  } catch (err) {
    await end(false);
    throw io.signal?.aborted ? new FtpError('aborted', 'interrupted') : err;
  }
  return {
    client,
    end,
  };
}

/** Runs `work` on a session and ends it either way. During a transfer, the transfer owns Ctrl-C. */
export async function withSession<T>(io: Io, target: Target, opts: ConnectionOptions, work: (client: FtpClient) => Promise<T>): Promise<T> {
  const session = await openSession(io, target, opts);
  let ok = false;
  try {
    const result = await work(session.client);
    ok = true;
    return result;
  } catch (err) {
    throw io.signal?.aborted && !(err instanceof FtpError && err.kind === 'aborted') ? new FtpError('aborted', 'interrupted') : err;
  } finally {
    await session.end(ok);
  }
}
