import { readFileSync } from 'node:fs';
import {
  checkServerIdentity,
  connect as tlsConnect,
  createSecureContext,
  rootCertificates,
  type ConnectionOptions,
  type PeerCertificate,
  type SecureContext,
  TLSSocket,
} from 'node:tls';
import type { OnReadOpts, Socket } from 'node:net';
import { FtpError } from '../../protocol/errors.js';
import { describeFamilyError, where } from './connect-failure.js';

/** How to protect a session (RFC 4217). */
export interface TlsOptions {
  /** explicit: AUTH TLS on a plain connection; implicit: TLS from the first byte. */
  mode: 'explicit' | 'implicit';
  /** Extra CA certificates (PEM), trusted on top of the system's. */
  ca?: string[];
  /** Skip certificate verification entirely. */
  insecure?: boolean;
  /** Accept exactly the certificate with this SHA-256 fingerprint (hex, colons optional). */
  pinSha256?: string;
}

/** Where the distribution keeps its trusted CAs: added to Node's bundled list. */
const SYSTEM_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/cert.pem'];

let systemCas: string[] | undefined;
function trustedCas(): string[] {
  if (!systemCas) {
    systemCas = [...rootCertificates];
    for (const path of SYSTEM_BUNDLES) {
      try {
        systemCas.push(...certificatesNotIn(readFileSync(path, 'utf8'), rootCertificates));
        break;
      } catch {
        // not on this system
      }
    }
  }
  return systemCas;
}

/**
 * The certificates of a PEM bundle that `known` does not hold already. A
 * distribution's bundle is mostly the Mozilla list Node bundles too, and each
 * certificate added to a secure context costs CPU (more than linearly): adding
 * each once halves what building the context costs.
 */
export function certificatesNotIn(bundle: string, known: readonly string[]): string[] {
  const key = (pem: string) => pem.replace(/\s+/g, '');
  const seen = new Set(known.map(key));
  const fresh: string[] = [];
  for (const pem of bundle.match(/-----BEGIN (?:TRUSTED )?CERTIFICATE-----[\s\S]*?-----END (?:TRUSTED )?CERTIFICATE-----/g) ?? []) {
    if (seen.has(key(pem))) continue;
    seen.add(key(pem));
    fresh.push(pem);
  }
  return fresh;
}

/**
 * The trusted CAs and the protocol floor, built into one secure context that
 * every connection shares: building it parses some 150 certificates (tens of
 * ms of CPU), which a tree of small files would otherwise pay per file. The
 * last one built is kept, for sessions (parallel ones too) with the same CAs.
 */
let lastContext: { extraCas: string[]; context: SecureContext } | undefined;
function secureContext(extraCas: string[] = []): SecureContext {
  const same = lastContext && lastContext.extraCas.length === extraCas.length && lastContext.extraCas.every((ca, i) => ca === extraCas[i]);
  if (!same) {
    lastContext = { extraCas: [...extraCas], context: createSecureContext({ ca: [...trustedCas(), ...extraCas], minVersion: 'TLSv1.2' }) };
  }
  return lastContext!.context;
}

export function normaliseFingerprint(fp: string): string {
  return fp.replace(/^sha256[/:]*/i, '').replace(/[:\s]/g, '').toUpperCase();
}

/** The certificate's SHA-256 fingerprint as AB:CD:…, the form --pin-sha256 accepts (undefined when none was shown). */
function fingerprintOf(socket: TLSSocket): string | undefined {
  return (socket.getPeerCertificate() as PeerCertificate | undefined)?.fingerprint256;
}

/**
 * A TLS session: wraps the control socket and, with its session resumed,
 * every data socket, all verified against the same host name.
 */
export class TlsSession {
  private session: Buffer | undefined;

  constructor(
    private readonly options: TlsOptions,
    private readonly servername: string,
    private readonly timeoutMs: number,
  ) {}

  /** The peer certificate's SHA-256 fingerprint. */
  fingerprint(socket: TLSSocket): string | undefined {
    return fingerprintOf(socket);
  }

  /** Starts TLS on `raw` and resolves once the handshake is done and the peer trusted. */
  wrap(raw: Socket, kind: 'control' | 'data'): { socket: TLSSocket; ready: Promise<TLSSocket> } {
    const socket = tlsConnect(this.connectionOptions({ socket: raw }, kind === 'data' ? this.session : undefined));
    return { socket, ready: this.handshake(socket, kind) };
  }

  /**
   * A data connection dialled by TLS itself: unlike a wrapped socket, it reads
   * into `onread` (Node ignores onread when wrapping), which saves a buffer
   * per 16 KiB record. TCP connects at once, so a port nobody listens on shows
   * before the command goes; the handshake waits for `after` (the command is
   * written: pyftpdlib resets a handshake that comes before it).
   */
  dial(host: string, port: number, family: 4 | 6 | undefined, onread: OnReadOpts | undefined, after: Promise<void>): DataDial {
    const target = { host, port, ...(family ? { family, autoSelectFamily: false } : {}), ...(onread ? { onread } : {}) } as ConnectionOptions;
    const unreached = (err: NodeJS.ErrnoException, timedOut: boolean) =>
      `cannot connect to ${where(host, port)}: ${timedOut ? `timed out after ${this.timeoutMs / 1000} s` : describeFamilyError(err, host, family)}`;
    const socket = this.dialled(target);
    const connected = holdHandshake(socket, after);
    if (connected) return { ready: this.handshake(socket, 'data', unreached), connected, cancel: () => socket.destroy() };
    // This Node's TLS socket cannot hold its handshake: dial once the command is out.
    socket.destroy(); // before its connect, which Node starts on the next tick: nothing was sent
    let cancelled = false;
    let later: TLSSocket | undefined;
    const ready = after.then(() => {
      if (cancelled) throw new FtpError('transfer', 'data connection: cancelled');
      later = this.dialled(target);
      return this.handshake(later, 'data', unreached);
    });
    ready.catch(() => {});
    return { ready, connected: undefined, cancel: () => ((cancelled = true), later?.destroy()) };
  }

  /**
   * tls.connect decodes a `session` option twice (in the socket's set-up and
   * again after it), each time with the server's certificate in it: a third
   * of a millisecond per decode. A socket that dials for itself starts its
   * handshake later, so the session can be set once, here.
   */
  private dialled(target: ConnectionOptions): TLSSocket {
    const socket = tlsConnect(this.connectionOptions(target, undefined));
    // Node documents setSession; @types/node leaves it out.
    if (this.session) (socket as TLSSocket & { setSession(session: Buffer): void }).setSession(this.session);
    return socket;
  }

  /** `session`: the control connection's, offered by a data connection (a wrapped socket starts its handshake at once). */
  private connectionOptions(target: ConnectionOptions, session: Buffer | undefined): ConnectionOptions {
    const opts: ConnectionOptions = {
      ...target,
      servername: isIpAddress(this.servername) ? undefined : this.servername,
      secureContext: secureContext(this.options.ca), // TLS 1.2 or later, our CAs
      // A pin replaces the chain check: it names the one certificate to accept.
      rejectUnauthorized: !this.options.insecure && !this.options.pinSha256,
      // Data connections are checked against the name the control connection dialled.
      checkServerIdentity: (_host, cert) => (this.options.insecure || this.options.pinSha256 ? undefined : checkServerIdentity(this.servername, cert)),
    };
    if (session) opts.session = session;
    return opts;
  }

  /** Resolves once the handshake is done and the peer trusted. `unreached` words an error before TCP connected (a socket we dial). */
  private handshake(socket: TLSSocket, kind: 'control' | 'data', unreached?: (err: NodeJS.ErrnoException, timedOut: boolean) => string): Promise<TLSSocket> {
    let tcpUp = false;
    if (unreached) socket.once('connect', () => (tcpUp = true));
    if (kind === 'control') socket.on('session', (s: Buffer) => (this.session = s)); // TLS 1.3 tickets come after the handshake
    const ready = new Promise<TLSSocket>((resolve, reject) => {
      let timedOut = false;
      const timer = setTimeout(() => ((timedOut = true), fail(new Error(`handshake timed out after ${this.timeoutMs / 1000} s`))), this.timeoutMs);
      timer.unref(); // an abandoned handshake (a refused transfer) must not hold the process
      const fail = (err: Error) => {
        clearTimeout(timer);
        socket.off('close', closed);
        const dialling = unreached !== undefined && !tcpUp;
        socket.destroy();
        reject(dialling ? new FtpError('transfer', `data connection: ${unreached(err, timedOut)}`) : tlsError(kind, this.options.mode, err));
      };
      const closed = () => fail(new Error('connection closed during the handshake'));
      socket.once('error', fail);
      socket.once('close', closed);
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        socket.off('error', fail);
        socket.off('close', closed);
        socket.on('error', () => {}); // from here on, the user of the socket watches 'close'
        const pin = this.options.pinSha256;
        // A resumed session shows no certificate: it is the one already checked on the control connection.
        const resumed = kind === 'data' && socket.isSessionReused();
        const seen = fingerprintOf(socket);
        if (pin && !resumed && normaliseFingerprint(seen ?? '') !== normaliseFingerprint(pin)) {
          socket.destroy();
          return reject(new FtpError('tls', `${kind} connection: certificate ${seen} does not match --pin-sha256`));
        }
        if (kind === 'control' && !this.session) this.session = socket.getSession();
        resolve(socket);
      });
    });
    ready.catch(() => {});
    return ready;
  }
}

/** A data connection TLS dials itself (see TlsSession.dial). */
export interface DataDial {
  /** The socket, its handshake done and the peer trusted. */
  ready: Promise<TLSSocket>;
  /** Resolves once TCP is up, before `after`; undefined when TCP too waits for `after`. */
  connected: Promise<void> | undefined;
  /** Gives up at once, even mid-handshake: a server that refused the command may never answer it. */
  cancel(): void;
}

/**
 * Keeps a socket from tls.connect from sending its ClientHello when TCP
 * connects (Node starts the handshake from a 'connect' listener) until
 * `after`. Undefined, with nothing changed, when this Node does not start it that way.
 */
function holdHandshake(socket: TLSSocket, after: Promise<void>): Promise<void> | undefined {
  const begin = (TLSSocket.prototype as unknown as { _start?: (this: TLSSocket) => void })._start;
  if (typeof begin !== 'function' || !socket.listeners('connect').includes(begin)) return undefined;
  socket.removeListener('connect', begin);
  const connected = new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('close', () => reject(new Error('closed before it connected')));
  });
  connected.catch(() => {}); // the handshake's own promise says why
  void Promise.all([connected, after]).then(() => socket.destroyed || begin.call(socket), () => {});
  return connected;
}

function isIpAddress(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

const VERIFY_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
]);

/** What it means when the bytes that came instead of a TLS record were plain text. */
function plainTextAnswer(kind: 'control' | 'data', mode: TlsOptions['mode']): string {
  if (kind === 'data') return 'the server sent plain text, not TLS';
  if (mode === 'implicit') return 'the server answered in plain text: it is not implicit FTPS; try ftpes:// (or --tls explicit) or ftp://';
  return 'the server accepted AUTH TLS but went on in plain text';
}

function tlsError(kind: 'control' | 'data', mode: TlsOptions['mode'], err: Error): FtpError {
  if (err instanceof FtpError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  // OpenSSL's word for a record header that is not TLS at all: text such as "220 ready".
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER') return new FtpError('tls', `${kind} connection: ${plainTextAnswer(kind, mode)}`);
  if (code && VERIFY_CODES.has(code)) {
    return new FtpError('tls', `${kind} connection: certificate not trusted (${err.message}); see --ca-file or --pin-sha256`);
  }
  return new FtpError('tls', `${kind} connection: TLS handshake failed: ${err.message}`);
}
