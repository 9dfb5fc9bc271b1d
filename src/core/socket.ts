import { connect, type OnReadOpts, type Socket } from 'node:net';
import { FtpError } from '../protocol/errors.js';

/** Opens a TCP connection, failing with kind 'connect' on refusal, DNS error or timeout. */
export function connectSocket(host: string, port: number, timeoutMs: number, onread?: OnReadOpts): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, ...(onread ? { onread } : {}) });
    const fail = (message: string) => {
      socket.destroy();
      reject(new FtpError('connect', message));
    };
    const timer = setTimeout(() => fail(`cannot connect to ${where(host, port)}: timed out after ${timeoutMs / 1000} s`), timeoutMs);
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      fail(`cannot connect to ${where(host, port)}: ${describeNetError(err)}`);
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      // Whoever uses the socket watches 'close'; a reset of a socket nobody uses
      // any more (a refused transfer) must not become an uncaught error.
      socket.on('error', () => {});
      resolve(socket);
    });
  });
}

export function where(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function describeNetError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED': return 'connection refused';
    case 'ENOTFOUND': return 'host not found';
    case 'EAI_AGAIN': return 'name resolution failed';
    case 'ETIMEDOUT': return 'timed out';
    case 'EHOSTUNREACH': case 'ENETUNREACH': return 'host unreachable';
    case 'ECONNRESET': return 'connection reset';
    default: return err.message;
  }
}
