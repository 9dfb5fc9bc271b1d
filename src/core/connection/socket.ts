import { connect, isIP, type OnReadOpts, type Socket } from 'node:net';
import { FtpError } from '../../protocol/errors.js';
import { ConnectFailure, describeFamilyError, where } from './connect-failure.js';
import type { NetworkOptions } from './network.js';

export { where } from './connect-failure.js';

export interface ConnectOptions {
  /** Read into the caller's buffers (see FileWriter). Not through a proxy, whose handshake needs the socket's own reads. */
  onread?: OnReadOpts | undefined;
  /** A data connection: its failure ends a transfer (kind 'transfer'), not the session. */
  data?: boolean;
  /** Gives up at once (kind 'aborted'), e.g. when the client is closed while connecting. */
  signal?: AbortSignal | undefined;
  /** Proxy, address family and TCP keepalive: the same for every connection of a session. */
  network?: NetworkOptions | undefined;
}

/**
 * Opens a TCP connection, directly or through the proxy, failing with kind
 * 'connect' (or 'transfer' for data) on refusal, DNS error, a proxy's refusal or timeout.
 */
export async function connectSocket(host: string, port: number, timeoutMs: number, opts: ConnectOptions = {}): Promise<Socket> {
  const network = opts.network ?? {};
  const fail = (message: string) => (opts.data ? new FtpError('transfer', `data connection: ${message}`) : new FtpError('connect', message));
  const literal = isIP(host);
  if (network.family && literal && literal !== network.family) {
    throw fail(`cannot connect to ${where(host, port)}: an IPv${literal} address, but only IPv${network.family} was asked for`);
  }
  // A direct connection (every data connection of a transfer) needs no more than one promise.
  if (!network.proxy) return direct(host, port, network, timeoutMs, opts.onread, opts.signal, fail);
  // Ends the attempt, wherever it is (the proxy's import, TCP connect, its handshake), on timeout or abort.
  const controller = new AbortController();
  let cleanup = () => {};
  const limits = new Promise<never>((_, reject) => {
    const timer = setTimeout(() => {
      reject(fail(`cannot connect to ${where(host, port)}${network.proxy ? ' through the proxy' : ''}: timed out after ${timeoutMs / 1000} s`));
      controller.abort();
    }, timeoutMs);
    const aborted = () => {
      reject(new FtpError('aborted', `connecting to ${where(host, port)}: interrupted`));
      controller.abort();
    };
    cleanup = () => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', aborted);
    };
    if (opts.signal?.aborted) return aborted();
    opts.signal?.addEventListener('abort', aborted, { once: true });
  });
  limits.catch(() => {});
  const opening = import('./proxy.js').then((p) => p.connectThroughProxy(network.proxy!, host, port, { family: network.family, signal: controller.signal }));
  opening.catch(() => {});
  try {
    const socket = await Promise.race([opening, limits]);
    if (network.keepaliveMs) socket.setKeepAlive(true, network.keepaliveMs);
    return socket;
  } catch (err) {
    controller.abort(); // a proxy's import still under way must not connect after this
    opening.then((s) => s.destroy(), () => {}); // a tunnel that opens too late is not used
    if (err instanceof ConnectFailure) throw fail(err.message);
    throw err;
  } finally {
    cleanup();
  }
}

/**
 * A plain TCP connect, given up on timeout or abort (the socket destroyed).
 * One timer and one listener, no AbortController: a tree of small files makes
 * thousands of these.
 */
function direct(
  host: string,
  port: number,
  network: NetworkOptions,
  timeoutMs: number,
  onread: OnReadOpts | undefined,
  signal: AbortSignal | undefined,
  fail: (message: string) => FtpError,
): Promise<Socket> {
  const family = network.family;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new FtpError('aborted', `connecting to ${where(host, port)}: interrupted`));
    const socket = connect({ host, port, ...(family ? { family, autoSelectFamily: false } : {}), ...(onread ? { onread } : {}) });
    let settled = false;
    const give = (err: Error) => {
      if (settled) return;
      end();
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(() => give(fail(`cannot connect to ${where(host, port)}: timed out after ${timeoutMs / 1000} s`)), timeoutMs);
    const aborted = () => give(new FtpError('aborted', `connecting to ${where(host, port)}: interrupted`));
    const end = () => {
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', aborted);
    };
    signal?.addEventListener('abort', aborted, { once: true });
    // Once connected, whoever uses the socket watches 'close'; a reset of a socket
    // nobody uses any more (a refused transfer) must not become an uncaught error.
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (settled) return;
      give(fail(`cannot connect to ${where(host, port)}: ${describeFamilyError(err, host, family)}`));
    });
    socket.once('connect', () => {
      if (settled) return;
      end();
      if (network.keepaliveMs) socket.setKeepAlive(true, network.keepaliveMs);
      resolve(socket);
    });
  });
}
