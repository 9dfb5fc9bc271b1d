// Opening a control connection: TCP (or TLS from the first byte), the
// greeting, and AUTH TLS for explicit FTPS. Knows nothing of the session that
// uses it: it hands back the connection, or closes everything it opened.
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { FtpError } from '../../protocol/errors.js';
import { replyText, type Reply } from '../../protocol/reply.js';
import { ControlConnection, type ReplyFn, type TraceFn } from './control.js';
import { connectSocket } from './socket.js';
import type { TlsSession } from './tls.js';
import { proxyLabel, type NetworkOptions } from './network.js';

export interface DialOptions {
  timeoutMs: number;
  /** The TCP connect and the greeting (and AUTH TLS's reply), each within this. */
  connectTimeoutMs: number;
  network?: NetworkOptions | undefined;
  trace?: TraceFn | undefined;
  onReply?: ReplyFn | undefined;
  /** Implicit: TLS from the first byte; explicit: AUTH TLS after the greeting. */
  tls?: { mode: 'explicit' | 'implicit'; session: TlsSession } | undefined;
  /** Ends a TCP connect in progress. */
  signal: AbortSignal;
  /** The raw socket of an implicit TLS handshake, while it lasts (undefined after): closing ends it. */
  handshaking(raw: Socket | undefined): void;
  /** The control connection, as soon as it exists: closing the session closes it, even mid-greeting. */
  opened(control: ControlConnection): void;
}

/** The connection, and the greeting that opened it (220, or 230: logged in already), after any 120. */
export interface Dialled {
  control: ControlConnection;
  greeting: Reply;
}

export async function dial(host: string, port: number, opts: DialOptions): Promise<Dialled> {
  const { tls } = opts;
  if (opts.network?.proxy) opts.trace?.('*', `through proxy ${proxyLabel(opts.network.proxy)}`);
  const socket = await connectSocket(host, port, opts.connectTimeoutMs, { signal: opts.signal, network: opts.network });
  let control: ControlConnection | undefined;
  let greeting: Reply;
  try {
    // Implicit: the control connection reads nothing but what came through TLS.
    control = new ControlConnection(tls?.mode === 'implicit' ? await handshake(socket, opts) : socket, opts.timeoutMs, opts.trace, opts.onReply);
    opts.opened(control);
    greeting = await control.read(opts.connectTimeoutMs);
    while (greeting.code === 120) greeting = await control.read(); // "ready in n minutes"
  } catch (err) {
    control?.close();
    socket.destroy();
    if (err instanceof FtpError && (err.kind === 'closed' || err.kind === 'timeout')) {
      // An implicit FTPS server waits, silent, for a TLS handshake.
      const hint = port === 990 && tls?.mode !== 'implicit' ? '; port 990 is implicit FTPS: try ftps:// (or --tls implicit)' : '';
      throw new FtpError('connect', `no greeting from the server: ${err.message}${hint}`);
    }
    throw err;
  }
  if (greeting.code === 230 && tls) {
    control.close();
    throw new FtpError('tls', `the server greeted with 230 (logged in before any credentials): refused with FTPS, where the login happens under TLS (${replyText(greeting)})`, 230);
  }
  if (greeting.code !== 220 && greeting.code !== 230) {
    control.close();
    throw new FtpError('connect', `server refused the connection: ${greeting.code} ${replyText(greeting)}`, greeting.code);
  }
  if (tls?.mode === 'explicit') {
    control.send('AUTH TLS');
    const reply = await control.read(opts.connectTimeoutMs);
    if (reply.code !== 234) {
      control.close();
      throw new FtpError('tls', `server refused AUTH TLS: ${reply.code} ${replyText(reply)}`, reply.code);
    }
    await startTls(control, tls.session, opts.trace);
  }
  return { control, greeting };
}

/** TLS from the first byte on a fresh socket (implicit FTPS); the trace notes it. */
async function handshake(raw: Socket, opts: DialOptions): Promise<TLSSocket> {
  opts.handshaking(raw);
  const tls = opts.tls!.session;
  const socket = await tls.wrap(raw, 'control').ready.finally(() => opts.handshaking(undefined));
  opts.trace?.('*', `TLS ${socket.getProtocol()}, certificate SHA-256 ${tls.fingerprint(socket)}`);
  return socket;
}

/** AUTH TLS accepted: the control connection moves onto TLS, refusing anything read before. */
async function startTls(control: ControlConnection, tls: TlsSession, trace: TraceFn | undefined): Promise<void> {
  let ready!: Promise<TLSSocket>;
  try {
    control.upgrade((raw) => {
      const wrapped = tls.wrap(raw, 'control');
      ready = wrapped.ready;
      return wrapped.socket;
    });
    const socket = await ready;
    trace?.('*', `TLS ${socket.getProtocol()}, certificate SHA-256 ${tls.fingerprint(socket)}`);
  } catch (err) {
    control.close(err as Error);
    throw err;
  }
}
