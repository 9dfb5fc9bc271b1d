import { createServer, type OnReadOpts, type Socket } from 'node:net';
import { FtpError, ProtocolError } from '../protocol/errors.js';
import type { Reply } from '../protocol/reply.js';
import { formatEprt, formatPort, parseEpsv, parsePasv, plainAddress } from '../protocol/parse.js';
import { connectSocket } from './socket.js';
import type { FtpClient } from './client.js';

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
}

/**
 * Passive mode: EPSV, then PASV. Either way we connect to the control
 * connection's peer: the address inside a 227 reply is never used, so a
 * hostile server cannot steer us to another host.
 */
export async function openPassive(client: FtpClient, onread?: OnReadOpts, pipelinedCmd?: string): Promise<PendingData> {
  if (pipelinedCmd !== undefined) {
    const pending = await openPipelined(client, pipelinedCmd, onread);
    if (pending) return pending;
  }
  let port: number | undefined;
  if (client.features.epsv !== false) {
    const reply = await client.sendcmd('EPSV', { allowError: true });
    if (reply.code === 229) {
      port = parseEpsv(reply.lines.join(' '));
      if (client.features.epsv !== true) {
        // Not yet proven on this server: connect before sending the command, so that a
        // port nobody listens on (a broken NAT, a misconfigured server) can fall back to PASV.
        const proven = await tryConnect(client, port, onread);
        if (proven) return proven;
        port = undefined;
      }
    } else if (reply.code >= 500) {
      client.features.epsv = false;
    } else {
      throw client.replyError(reply);
    }
  }
  if (port === undefined) {
    const reply = await client.sendcmd('PASV');
    if (reply.code !== 227) throw client.replyError(reply);
    port = parsePasv(reply.lines.join(' ')).port;
  }
  // Connect while the transfer command goes out: one round trip less per file.
  return passiveData(client, port, onread);
}

/** The first EPSV port of a session: connected now, or undefined (then EPSV is not used again). */
async function tryConnect(client: FtpClient, port: number, onread: OnReadOpts | undefined): Promise<PendingData | undefined> {
  try {
    const socket = await connectSocket(client.peerAddress, port, client.timeoutMs, { onread, data: true });
    client.features.epsv = true;
    return { connected: () => Promise.resolve(socket), cancel: () => socket.destroy(), usesOnread: onread !== undefined };
  } catch (err) {
    client.features.epsv = false;
    client.note(`EPSV port ${port} cannot be reached (${(err as Error).message}): PASV from now on`);
    return undefined;
  }
}

function passiveData(client: FtpClient, port: number, onread: OnReadOpts | undefined): PendingData {
  const socket = connectSocket(client.peerAddress, port, client.timeoutMs, { onread, data: true });
  socket.catch(() => {}); // observed through connected()
  return {
    connected: () => socket,
    cancel: () => void socket.then((s) => s.destroy(), () => {}),
    usesOnread: onread !== undefined,
  };
}

/**
 * EPSV and the transfer command in one write, for a server whose EPSV has
 * already worked on this connection (`sent`: they went out earlier, see
 * FtpClient.sendAhead). Undefined when EPSV fails this time: the command's
 * refusal has been read, and the caller goes step by step.
 */
export async function openPipelined(client: FtpClient, cmd: string, onread: OnReadOpts | undefined, sent = false): Promise<PendingData | undefined> {
  if (!sent) client.send('EPSV', cmd);
  const epsv = await client.readReply();
  const answer = client.readReply();
  answer.catch(() => {}); // observed below or through `replied`
  if (epsv.code !== 229) {
    const reply = await answer;
    if (reply.code < 400) {
      // It took the command with no data connection to use: nothing after this can be trusted.
      const err = new ProtocolError(`server accepted "${cmd.split(' ')[0]}" after refusing EPSV (${epsv.code})`);
      client.close(err);
      throw err;
    }
    if (epsv.code < 500) throw client.replyError(epsv);
    client.features.epsv = false;
    return undefined;
  }
  let port: number;
  try {
    port = parseEpsv(epsv.lines.join(' '));
  } catch (err) {
    client.close(err as Error); // the command's reply is still owed: the session cannot go on
    throw err;
  }
  const replied = answer.then((reply) => {
    if (reply.code >= 400) throw client.replyError(reply);
    return reply;
  });
  return { ...passiveData(client, port, onread), replied };
}

/**
 * Active mode: listen on the control socket's local address, announce it
 * with EPRT (PORT for IPv4 when EPRT is refused), and accept only a
 * connection coming from the server's address.
 */
export async function openActive(client: FtpClient): Promise<PendingData> {
  const local = client.localAddress;
  const server = createServer();
  server.maxConnections = 4;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, local, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const expected = client.peerAddress;
  // Listen for the server before announcing ourselves: anyone else who connects
  // at any moment is refused.
  const accepted = new Promise<Socket>((resolve, reject) => {
    const timer = setTimeout(() => {
      server.close();
      reject(new FtpError('transfer', `data connection: server did not connect within ${client.timeoutMs / 1000} s`));
    }, client.timeoutMs);
    server.on('connection', (socket) => {
      if (plainAddress(socket.remoteAddress ?? '') !== expected) {
        socket.destroy(); // someone else: refuse, keep waiting for the server
        return;
      }
      clearTimeout(timer);
      server.close();
      socket.on('error', () => {}); // see connectSocket: errors surface through 'close'
      resolve(socket);
    });
    server.on('close', () => {
      clearTimeout(timer);
      reject(new FtpError('transfer', 'data connection: cancelled'));
    });
  });
  accepted.catch(() => {}); // observed later through connected(); avoid an unhandled rejection
  try {
    await announce(client, local, port);
  } catch (err) {
    server.close();
    throw err;
  }
  // An accepted socket cannot be given our read buffers: it uses 'data' events.
  return { connected: () => accepted, cancel: () => server.close(), usesOnread: false };
}

async function announce(client: FtpClient, host: string, port: number): Promise<void> {
  if (client.features.eprt !== false) {
    const reply = await client.sendcmd(`EPRT ${formatEprt(host, port)}`, { allowError: true });
    if (reply.code >= 200 && reply.code < 300) {
      client.features.eprt = true;
      return;
    }
    if (reply.code < 500 || host.includes(':')) throw client.replyError(reply);
    client.features.eprt = false;
  }
  await client.voidcmd(`PORT ${formatPort(host, port)}`);
}
