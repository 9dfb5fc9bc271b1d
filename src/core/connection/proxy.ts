// Connections through a proxy: SOCKS 5 and 4a (the `socks` package, loaded
// only here, when a SOCKS proxy is used) and HTTP CONNECT. Every failure
// names the proxy, never its credentials.
import { connect, isIP, type Socket } from 'node:net';
import { lookup } from 'node:dns/promises';
import { describeNetworkError } from '../errno.js';
import { proxyLabel, type ProxySpec } from './network.js';
import { ConnectFailure, describeFamilyError, where } from './connect-failure.js';

export interface ProxyConnectOptions {
  family?: 4 | 6 | undefined;
  /** Ends the attempt: the sockets opened so far are destroyed. */
  signal: AbortSignal;
}

/** A socket to host:port through the proxy, once the proxy says the tunnel is open. */
export async function connectThroughProxy(proxy: ProxySpec, host: string, port: number, opts: ProxyConnectOptions): Promise<Socket> {
  if (proxy.protocol === 'http') return httpConnect(proxy, host, port, opts);
  // socks5: the name is resolved here (curl's rule); socks5h and socks4a: by the proxy.
  const target = proxy.protocol === 'socks5' && !isIP(host) ? await resolve(host, port, opts.family) : host;
  if (opts.signal.aborted) throw new ConnectFailure('interrupted');
  return socksConnect(proxy, target, port, opts);
}

async function resolve(host: string, port: number, family: 4 | 6 | undefined): Promise<string> {
  try {
    return (await lookup(host, { family: family ?? 0 })).address;
  } catch (err) {
    throw new ConnectFailure(`cannot connect to ${where(host, port)}: ${describeFamilyError(err as NodeJS.ErrnoException, host, family)}`);
  }
}

async function socksConnect(proxy: ProxySpec, host: string, port: number, opts: ProxyConnectOptions): Promise<Socket> {
  const { SocksClient } = await import('socks');
  const label = proxyLabel(proxy);
  const client = new SocksClient({
    command: 'connect',
    destination: { host, port },
    proxy: { host: proxy.host, port: proxy.port, type: proxy.protocol === 'socks4a' ? 4 : 5, userId: proxy.user, password: proxy.password },
    timeout: 2 ** 31 - 1, // connectSocket keeps the time
    socket_options: opts.family ? { family: opts.family } : {},
  } as ConstructorParameters<typeof SocksClient>[0]);
  return new Promise((resolve, reject) => {
    let done = false;
    const abandon = () => {
      if (done) return;
      done = true;
      (client as unknown as { socket?: Socket }).socket?.destroy();
    };
    opts.signal.addEventListener('abort', abandon, { once: true });
    client.on('error', (err: Error) => {
      if (done) return;
      done = true;
      reject(new ConnectFailure(socksFailure(label, err.message, host, port)));
    });
    client.on('established', ({ socket }) => {
      done = true;
      opts.signal.removeEventListener('abort', abandon);
      // The bytes read past the proxy's reply are re-emitted by `socks` on the next
      // turn, and the socket resumed: keep both for whoever reads the socket first.
      const excess: Buffer[] = [];
      const keep = (chunk: Buffer) => excess.push(chunk);
      socket.on('data', keep);
      setImmediate(() => {
        socket.off('data', keep);
        resolve(handOver(socket, Buffer.concat(excess)));
      });
    });
    client.connect();
  });
}

/** What a SOCKS failure means, in words. */
function socksFailure(label: string, message: string, host: string, port: number): string {
  if (/Socket closed|ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|ECONNRESET/i.test(message)) {
    const code = /E[A-Z]+/.exec(message)?.[0];
    return `cannot connect to proxy ${label}: ${code ? describeNetworkError({ code } as NodeJS.ErrnoException) : 'the proxy closed the connection'}`;
  }
  if (/Authentication failed/i.test(message)) return `proxy ${label}: authentication failed (check the user name and password of the proxy URL)`;
  if (/no accepted authentication type/i.test(message)) return `proxy ${label}: no authentication method accepted (does it want a user name and password?)`;
  if (/rejected connection/i.test(message)) {
    const why = /\(([^)]*)\)\s*$/.exec(message)?.[1];
    return `proxy ${label} cannot reach ${where(host, port)}${why ? ` (${why})` : ''}`;
  }
  return `proxy ${label}: ${message}`;
}

/** HTTP CONNECT, with Basic authentication when the proxy URL has a user. */
function httpConnect(proxy: ProxySpec, host: string, port: number, opts: ProxyConnectOptions): Promise<Socket> {
  const label = proxyLabel(proxy);
  const authority = where(host, port);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: proxy.host, port: proxy.port, ...(opts.family ? { family: opts.family } : {}) });
    let head = Buffer.alloc(0);
    let done = false;
    const finish = (err?: string) => {
      if (done) return;
      done = true;
      socket.off('data', onData);
      opts.signal.removeEventListener('abort', abandon);
      if (err !== undefined) {
        socket.destroy();
        reject(new ConnectFailure(err));
      }
    };
    const abandon = () => finish('interrupted');
    opts.signal.addEventListener('abort', abandon, { once: true });
    socket.on('error', (err: NodeJS.ErrnoException) => finish(`cannot connect to proxy ${label}: ${describeNetworkError(err)}`));
    socket.on('close', () => finish(`proxy ${label} closed the connection before answering CONNECT`));
    socket.once('connect', () => {
      const auth = proxy.user !== undefined ? `Proxy-Authorization: Basic ${Buffer.from(`${proxy.user}:${proxy.password ?? ''}`).toString('base64')}\r\n` : '';
      socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${auth}\r\n`);
    });
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > 16_384) finish(`proxy ${label}: reply to CONNECT too long`);
        return;
      }
      const status = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})\s*(.*)$/.exec(status);
      if (!m) return finish(`proxy ${label}: not an HTTP reply to CONNECT`);
      const code = Number(m[1]);
      const text = m[2]!.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
      if (code === 407) return finish(`proxy ${label}: ${proxy.user !== undefined ? 'authentication failed' : 'wants a user name and password'} (407 ${text})`);
      if (code < 200 || code > 299) return finish(`proxy ${label} refused CONNECT to ${authority}: ${code} ${text}`);
      finish();
      resolve(handOver(socket, head.subarray(end + 4)));
    };
    socket.on('data', onData);
  });
}

/**
 * The socket ready for its user, as if freshly connected: paused, the bytes
 * already read put back first, flowing again as soon as someone reads it.
 */
function handOver(socket: Socket, excess: Buffer): Socket {
  socket.removeAllListeners('close');
  socket.removeAllListeners('error');
  socket.on('error', () => {}); // see connectSocket: the user watches 'close'
  socket.pause();
  if (excess.length > 0) socket.unshift(excess);
  const resumeOnRead = (event: string) => {
    if (event !== 'data' && event !== 'readable') return;
    socket.off('newListener', resumeOnRead);
    if (event === 'data') process.nextTick(() => socket.resume());
  };
  socket.on('newListener', resumeOnRead);
  return socket;
}
