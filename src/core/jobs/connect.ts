import { FtpClient, type FtpClientOptions } from '../client.js';
import { FtpError } from '../../protocol/errors.js';
import type { Session } from './events.js';

/** Where to connect, as whom, and how. */
export interface ConnectSettings extends FtpClientOptions {
  host: string;
  /** Default 21, or 990 for implicit FTPS. */
  port?: number | undefined;
  user?: string | undefined;
  password?: string | undefined;
  /** Hangs up at once when it aborts outside a transfer (a transfer sends ABOR itself). */
  signal?: AbortSignal | undefined;
}

/** Connects and logs in: a session to move files on, ended with QUIT after success or a plain close after a failure. */
export async function openSession(s: ConnectSettings): Promise<Session> {
  const client = new FtpClient(s);
  const onAbort = () => {
    if (!client.busy) client.close(new FtpError('aborted', 'interrupted'));
  };
  s.signal?.addEventListener('abort', onAbort, { once: true });
  const end = async (ok: boolean) => {
    s.signal?.removeEventListener('abort', onAbort);
    // The job's last final reply is in: QUIT's 221 says nothing more.
    if (ok) await client.session.quit({ waitForReply: false });
    else client.close();
  };
  try {
    s.signal?.throwIfAborted();
    await client.connect(s.host, s.port ?? (s.tls?.mode === 'implicit' ? 990 : 21));
    await client.login(s.user, s.password);
  } catch (err) {
    await end(false);
    throw s.signal?.aborted ? new FtpError('aborted', 'interrupted') : err;
  }
  return { client, end };
}
