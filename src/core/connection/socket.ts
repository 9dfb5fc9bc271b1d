import { connect, type OnReadOpts, type Socket } from 'node:net';
import { FtpError } from '../../protocol/errors.js';
import { describeNetworkError } from '../errno.js';

export interface ConnectOptions {
  /** Read into the caller's buffers (see FileWriter). */
  onread?: OnReadOpts | undefined;
  /** A data connection: its failure ends a transfer (kind 'transfer'), not the session. */
  data?: boolean;
  /** Gives up at once (kind 'aborted'), e.g. when the client is closed while connecting. */
  signal?: AbortSignal | undefined;
}

/** Opens a TCP connection, failing with kind 'connect' (or 'transfer' for data) on refusal, DNS error or timeout. */
export function connectSocket(host: string, port: number, timeoutMs: number, opts: ConnectOptions = {}): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, ...(opts.onread ? { onread: opts.onread } : {}) });
    let connected = false;
    const settled = () => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', aborted);
    };
    const fail = (message: string, kind?: 'aborted') => {
      settled();
      socket.destroy();
      reject(kind ? new FtpError(kind, message) : opts.data ? new FtpError('transfer', `data connection: ${message}`) : new FtpError('connect', message));
    };
    const aborted = () => fail(`connecting to ${where(host, port)}: interrupted`, 'aborted');
    const timer = setTimeout(() => fail(`cannot connect to ${where(host, port)}: timed out after ${timeoutMs / 1000} s`), timeoutMs);
    if (opts.signal?.aborted) return aborted();
    opts.signal?.addEventListener('abort', aborted, { once: true });
    // Once connected, whoever uses the socket watches 'close'; a reset of a socket
    // nobody uses any more (a refused transfer) must not become an uncaught error.
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (connected) return;
      fail(`cannot connect to ${where(host, port)}: ${describeNetworkError(err)}`);
    });
    socket.once('connect', () => {
      connected = true;
      settled();
      resolve(socket);
    });
  });
}

export function where(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
