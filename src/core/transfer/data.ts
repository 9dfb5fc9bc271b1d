import { Socket, createServer, type OnReadOpts } from 'node:net';
import { FtpError, ProtocolError } from '../../protocol/errors.js';
import type { Reply } from '../../protocol/reply.js';
import { formatEprt, formatPort, parseEpsv, parsePasv, plainAddress } from '../../protocol/parse.js';
import { connectSocket } from '../connection/socket.js';
import type { FtpSession } from '../connection/session.js';
import type { DataDial, TlsSession } from '../connection/tls.js';

/**
 * A data connection being set up: `connected()` yields the socket once the
 * transfer command has been accepted (passive: already connected; active:
 * the server's connection, accepted now).
 */
export interface PendingData {
  connected(): Promise<Socket>;
  cancel(): void;
  /** Whether the socket reads into the caller's buffers (see FileWriter). */
  usesOnread: boolean;
  /** The transfer command's reply when it was sent along with EPSV (4xx/5xx reject). */
  replied?: Promise<Reply>;
  /** The socket comes with TLS done (see DataReads.secure); otherwise the caller starts it. */
  secured?: boolean;
}

/** What a passive data connection reads into, and how it is secured. */
export interface DataReads {
  /** The caller's buffers (see FileWriter); not through a proxy. */
  onread?: OnReadOpts | undefined;
  /**
   * Under TLS on a direct path: dialled by TLS itself once `after` resolves
   * (the command has been written: pyftpdlib resets a handshake that comes
   * before it), so that it can read into `onread` too.
   */
  secure?: { tls: TlsSession; after: Promise<void> } | undefined;
}

/**
 * Passive mode: EPSV, then PASV. Either way we connect to the control
 * connection's peer: the address inside a 227 reply is never used, so a
 * hostile server cannot steer us to another host.
 */
export async function openPassive(session: FtpSession, reads: DataReads = {}, pipelinedCmd?: string, early?: Reply): Promise<PendingData> {
  if (pipelinedCmd !== undefined) {
    const pending = await openPipelined(session, pipelinedCmd, reads);
    if (pending) return pending;
  }
  let port: number | undefined;
  if (session.modes.epsv !== false) {
    // `early`: the reply to an EPSV that went out with the command before (see early-epsv.ts).
    const reply = early ?? (await session.command('EPSV', { allowError: true }));
    if (reply.code === 229) {
      port = parseEpsv(reply.lines.join(' '));
      if (session.modes.epsv !== true) {
        // Not yet proven on this server: connect before sending the command, so that a
        // port nobody listens on (a broken NAT, a misconfigured server) can fall back to PASV.
        const proven = await tryConnect(session, port, reads);
        if (proven) return proven;
        port = undefined;
      }
    } else if (reply.code >= 500) {
      session.learn('epsv', false);
    } else {
      throw session.replyError(reply);
    }
  }
  if (port === undefined) {
    const reply = await session.command('PASV');
    if (reply.code !== 227) throw session.replyError(reply);
    port = parsePasv(reply.lines.join(' ')).port;
  }
  // Connect while the transfer command goes out: one round trip less per file.
  return passiveData(session, port, reads);
}

/** The first EPSV port of a session: connected now (TLS, if any, still to start), or undefined (then EPSV is not used again). */
async function tryConnect(session: FtpSession, port: number, reads: DataReads): Promise<PendingData | undefined> {
  const { onread, secure } = reads;
  try {
    // Under TLS on a direct path, TLS dials it itself (TCP now, the handshake once the command is out).
    const dial = secure && !session.network.proxy ? secure.tls.dial(session.dataHost, port, session.network.family, onread, secure.after) : undefined;
    if (dial?.connected) {
      await Promise.race([dial.connected, dial.ready]);
      session.learn('epsv', true);
      return secured(session, dial, onread);
    }
    dial?.cancel();
    // Otherwise this socket is wrapped later, if at all: read into our buffers before that,
    // bytes sent ahead of the handshake (injected plain text) would land in the file.
    const plainReads = secure ? undefined : onread;
    const socket = await dataConnect(session, port, plainReads);
    session.learn('epsv', true);
    return { connected: () => Promise.resolve(socket), cancel: () => socket.destroy(), usesOnread: readsInto(session, plainReads) };
  } catch (err) {
    session.learn('epsv', false);
    session.note(`EPSV port ${port} cannot be reached (${(err as Error).message}): PASV from now on`);
    return undefined;
  }
}

function passiveData(session: FtpSession, port: number, reads: DataReads): PendingData {
  const { onread, secure } = reads;
  if (secure && !session.network.proxy) return securedData(session, port, onread, secure);
  const socket = dataConnect(session, port, onread);
  socket.catch(() => {}); // observed through connected()
  return {
    connected: () => socket,
    cancel: () => void socket.then((s) => s.destroy(), () => {}),
    usesOnread: readsInto(session, onread),
  };
}

function securedData(session: FtpSession, port: number, onread: OnReadOpts | undefined, secure: NonNullable<DataReads['secure']>): PendingData {
  return secured(session, secure.tls.dial(session.dataHost, port, session.network.family, onread, secure.after), onread);
}

function secured(session: FtpSession, dial: DataDial, onread: OnReadOpts | undefined): PendingData {
  const keepaliveMs = session.network.keepaliveMs;
  return {
    connected: () => (keepaliveMs ? dial.ready.then((s) => s.setKeepAlive(true, keepaliveMs)) : dial.ready),
    cancel: () => dial.cancel(),
    usesOnread: onread !== undefined,
    secured: true,
  };
}

/** A passive data connection, made the way the control connection was (proxy, family, keepalive). */
function dataConnect(session: FtpSession, port: number, onread: OnReadOpts | undefined): Promise<Socket> {
  return connectSocket(session.dataHost, port, session.connectTimeoutMs, { onread: readsInto(session, onread) ? onread : undefined, data: true, network: session.network });
}

/** A proxy's handshake reads the socket itself: the caller's buffers cannot be used there. */
function readsInto(session: FtpSession, onread: OnReadOpts | undefined): boolean {
  return onread !== undefined && !session.network.proxy;
}

/**
 * EPSV and the transfer command in one write, for a server whose EPSV has
 * already worked on this connection (`sent`: they went out earlier, see
 * sendAhead in transfercmd.ts). Undefined when EPSV fails this time: the command's
 * refusal has been read, and the caller goes step by step.
 */
export async function openPipelined(session: FtpSession, cmd: string, reads: DataReads, sent = false): Promise<PendingData | undefined> {
  if (!sent) session.send('EPSV', cmd);
  const epsv = await session.read();
  const answer = session.read();
  answer.catch(() => {}); // observed below or through `replied`
  if (epsv.code !== 229) {
    const reply = await answer;
    if (reply.code < 400) {
      // It took the command with no data connection to use: nothing after this can be trusted.
      const err = new ProtocolError(`server accepted "${cmd.split(' ')[0]}" after refusing EPSV (${epsv.code})`);
      session.close(err);
      throw err;
    }
    if (epsv.code < 500) throw session.replyError(epsv);
    session.learn('epsv', false);
    return undefined;
  }
  let port: number;
  try {
    port = parseEpsv(epsv.lines.join(' '));
  } catch (err) {
    session.close(err as Error); // the command's reply is still owed: the session cannot go on
    throw err;
  }
  const replied = answer.then((reply) => {
    if (reply.code >= 400) throw session.replyError(reply);
    return reply;
  });
  return { ...passiveData(session, port, reads), replied };
}

/**
 * Active mode: listen on the control socket's local address, announce it
 * with EPRT (PORT for IPv4 when EPRT is refused), and accept only a
 * connection coming from the server's address.
 */
export async function openActive(session: FtpSession, onread?: OnReadOpts): Promise<PendingData> {
  // The server would connect to the proxy's side of the path, where nobody listens for it.
  if (session.network.proxy) throw new FtpError('argument', 'active mode (--active) cannot work through a proxy: use passive mode');
  const local = session.localAddress;
  const server = createServer();
  server.maxConnections = 4;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, local, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const expected = session.peerAddress;
  let readsIntoCaller = false;
  // Listen for the server before announcing ourselves: anyone else who connects
  // at any moment is refused.
  const accepted = new Promise<Socket>((resolve, reject) => {
    const timer = setTimeout(() => {
      server.close();
      reject(new FtpError('transfer', `data connection: server did not connect within ${session.timeoutMs / 1000} s`));
    }, session.timeoutMs);
    server.on('connection', (socket) => {
      if (plainAddress(socket.remoteAddress ?? '') !== expected) {
        socket.destroy(); // someone else: refuse, keep waiting for the server
        return;
      }
      clearTimeout(timer);
      server.close();
      const taken = onread ? takeOver(socket, onread) : undefined;
      readsIntoCaller = taken !== undefined;
      const data = taken ?? socket;
      if (session.network.keepaliveMs) data.setKeepAlive(true, session.network.keepaliveMs);
      data.on('error', () => {}); // see connectSocket: errors surface through 'close'
      resolve(data);
    });
    server.on('close', () => {
      clearTimeout(timer);
      reject(new FtpError('transfer', 'data connection: cancelled'));
    });
  });
  accepted.catch(() => {}); // observed later through connected(); avoid an unhandled rejection
  try {
    await announce(session, local, port);
  } catch (err) {
    server.close();
    throw err;
  }
  return {
    connected: () => accepted,
    cancel: () => {
      server.close();
      void accepted.then((s) => s.destroy(), () => {});
    },
    // Known once the server has connected, which is when the caller asks.
    get usesOnread() {
      return readsIntoCaller;
    },
  };
}

/**
 * A net.Server hands out sockets that read into a fresh buffer per chunk
 * ('data' events): at disk speed that is tens of MiB of garbage and a
 * quarter of the throughput. The accepted connection's handle is moved to
 * a socket built with `onread`, as a passive one is; undefined (the
 * accepted socket stays as it is) if Node's socket has no handle to give.
 * Called as 'connection' is emitted: nothing has been read yet.
 */
function takeOver(accepted: Socket, onread: OnReadOpts): Socket | undefined {
  const holder = accepted as unknown as { _handle?: { readStart?: unknown } | null };
  const handle = holder._handle;
  if (!handle || typeof handle.readStart !== 'function') return undefined;
  holder._handle = null; // the old socket lets go: destroying it closes nothing
  accepted.destroy();
  return new Socket({ handle, onread } as ConstructorParameters<typeof Socket>[0]);
}

async function announce(session: FtpSession, host: string, port: number): Promise<void> {
  if (session.modes.eprt !== false) {
    const reply = await session.command(`EPRT ${formatEprt(host, port)}`, { allowError: true });
    if (reply.code >= 200 && reply.code < 300) {
      session.learn('eprt', true);
      return;
    }
    if (reply.code < 500 || host.includes(':')) throw session.replyError(reply);
    session.learn('eprt', false);
  }
  await session.voidCommand(`PORT ${formatPort(host, port)}`);
}
