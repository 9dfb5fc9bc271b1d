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
  // Ends the attempt, wherever it is (TCP connect, proxy handshake), on timeout or abort.
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
  const opening = network.proxy
    ? import('./proxy.js').then((p) => p.connectThroughProxy(network.proxy!, host, port, { family: network.family, signal: controller.signal }))
    : direct(host, port, network.family, opts.onread, controller.signal);
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

/** A plain TCP connect; destroyed when `signal` aborts before it connects. */
function direct(host: string, port: number, family: 4 | 6 | undefined, onread: OnReadOpts | undefined, signal: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, ...(family ? { family, autoSelectFamily: false } : {}), ...(onread ? { onread } : {}) });
    let connected = false;
    signal.addEventListener('abort', () => connected || socket.destroy(), { once: true });
    // Once connected, whoever uses the socket watches 'close'; a reset of a socket
    // nobody uses any more (a refused transfer) must not become an uncaught error.
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (connected) return;
      reject(new ConnectFailure(`cannot connect to ${where(host, port)}: ${describeFamilyError(err, host, family)}`));
    });
    socket.once('connect', () => {
      connected = true;
      resolve(socket);
    });
  });
}
