import type { OnReadOpts, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Writable, type Readable } from 'node:stream';
import { FtpError, LoginError, PermanentError, ProtocolError, RestRefusedError, TemporaryError, errorForReply } from '../protocol/errors.js';
import { isCompletion, isPreliminary, replyText, type Reply } from '../protocol/reply.js';
import { parseSize, parseTransferSize, parse257, plainAddress } from '../protocol/parse.js';
import { checkCommandArgument } from '../protocol/command.js';
import { featLines } from '../protocol/feat.js';
import { listEntries, retrieveText, MAX_LISTING_BYTES, type Listing, type ListOptions } from './listing.js';
import { ControlConnection, type TraceFn } from './control.js';
import { connectSocket } from './socket.js';
import type { TlsSession, TlsOptions } from './tls.js';
import { openActive, openPassive, openPipelined, type PendingData } from './data.js';
import { retrieve, store, type TransferOptions } from './transfer.js';
import type { FileSource, FileTarget } from './file-io.js';

export interface FtpClientOptions {
  /** Connect timeout and idle timeout (no reply, no data), in ms. Default 30 s. */
  timeoutMs?: number;
  /** Passive (default) or active data connections. */
  passive?: boolean;
  /** Receives every command sent (PASS masked) and every reply line. */
  trace?: TraceFn;
  /** FTPS: protect the control connection and every data connection. */
  tls?: TlsOptions;
  /** false: passive mode uses PASV only, never EPSV. */
  epsv?: boolean;
  /** What earlier clients learned about this server's data modes: read and updated by this one. */
  features?: ServerFeatures;
}

/** What we learned about the server, so later transfers skip what failed. */
export interface ServerFeatures {
  epsv?: boolean;
  eprt?: boolean;
}

export type { Listing, ListOptions } from './listing.js';

/** Commands that change the session's folder: whatever list() knew of it is stale. */
const CHANGES_FOLDER = /^(X?CWD|CDUP|XCUP)( |$)/i;

/** Transfer commands that can be sent ahead: taking one back changes nothing on the server. */
const SENDABLE_AHEAD = new Set(['RETR', 'LIST', 'NLST', 'MLSD']);

/** How long a failed data connection waits for the server's reply to the command. */
const DATA_FAILURE_REPLY_MS = 1_000;
const delay = (ms: number) => new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref());

export interface TransferStart {
  socket: Socket;
  /** Size announced in the 1xx reply, "(N bytes)", when the server gives one. */
  size?: number | undefined;
  /** True when the socket reads into the `onread` buffers given to transfercmd. */
  usesOnread: boolean;
}

/**
 * An FTP client in the shape of Python's ftplib: small layers, each built on
 * the one below (read -> sendcmd -> voidcmd -> transfercmd -> retrieve/store).
 */
export class FtpClient {
  readonly timeoutMs: number;
  passive: boolean;
  /** Shared with other clients of the same server when given in the options (see FtpClientOptions.features). */
  readonly features: ServerFeatures;
  transferType: 'A' | 'I' | undefined;
  private featureLines: string[] | undefined;
  /** True while a transfer owns the connection (and handles its own abort with ABOR). */
  busy = false;
  private control: ControlConnection | undefined;
  private tls: TlsSession | undefined;
  /** The greeting was 230: no USER, no PASS. */
  private loggedIn = false;
  /** The socket of an implicit TLS handshake, before the control connection exists: close() ends it too. */
  private handshaking: Socket | undefined;
  /** Ends a TCP connect in progress (close() while connecting). */
  private connecting: AbortController | undefined;
  /** A transfer command already sent, with EPSV, ahead of its transfercmd (see TransferOptions.next). */
  private sentAhead: string | undefined;
  /**
   * The folder the session is in, once a listing has learned it (PWD, checked
   * with CWD); null when PWD cannot be gone back to. Any CWD or CDUP forgets it.
   */
  knownFolder: string | null | undefined;

  constructor(private readonly options: FtpClientOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.passive = options.passive ?? true;
    this.features = options.features ?? {};
    if (options.epsv === false) this.features.epsv = false;
  }

  /** Connects (with TLS for implicit FTPS, after AUTH TLS for explicit) and reads the greeting; returns its text. */
  async connect(host: string, port = 21): Promise<string> {
    const tls = this.options.tls;
    // node:tls is loaded only for FTPS, and before connecting: TLS must be able to
    // start before any byte from the server can be read as a reply.
    if (tls) this.tls = new (await import('./tls.js')).TlsSession(tls, host, this.timeoutMs);
    this.connecting = new AbortController();
    const socket = await connectSocket(host, port, this.timeoutMs, { signal: this.connecting.signal }).finally(() => (this.connecting = undefined));
    let greeting: Reply;
    try {
      // Implicit: the control connection reads nothing but what came through TLS.
      this.control = new ControlConnection(tls?.mode === 'implicit' ? await this.handshake(socket) : socket, this.timeoutMs, this.options.trace);
      greeting = await this.control.read();
      while (greeting.code === 120) greeting = await this.control.read(); // "ready in n minutes"
    } catch (err) {
      this.close();
      socket.destroy();
      if (err instanceof FtpError && (err.kind === 'closed' || err.kind === 'timeout')) {
        // An implicit FTPS server waits, silent, for a TLS handshake.
        const hint = port === 990 && tls?.mode !== 'implicit' ? '; port 990 is implicit FTPS: try ftps:// (or --tls implicit)' : '';
        throw new FtpError('connect', `no greeting from the server: ${err.message}${hint}`);
      }
      throw err;
    }
    if (greeting.code === 230 && tls) {
      this.close();
      throw new FtpError('tls', `the server greeted with 230 (logged in before any credentials): refused with FTPS, where the login happens under TLS (${replyText(greeting)})`, 230);
    }
    if (greeting.code !== 220 && greeting.code !== 230) {
      this.close();
      throw new FtpError('connect', `server refused the connection: ${greeting.code} ${replyText(greeting)}`, greeting.code);
    }
    // 230: logged in already (as curl and lftp accept): login() sends no USER.
    this.loggedIn = greeting.code === 230;
    if (tls?.mode === 'explicit') {
      const reply = await this.sendcmd('AUTH TLS', { allowError: true });
      if (reply.code !== 234) {
        this.close();
        throw new FtpError('tls', `server refused AUTH TLS: ${reply.code} ${replyText(reply)}`, reply.code);
      }
      await this.startTls();
    }
    return replyText(greeting);
  }

  /** TLS from the first byte on a fresh socket (implicit FTPS); the trace notes it. */
  private async handshake(raw: Socket): Promise<TLSSocket> {
    this.handshaking = raw;
    const socket = await this.tls!.wrap(raw, 'control').ready.finally(() => (this.handshaking = undefined));
    this.options.trace?.('*', `TLS ${socket.getProtocol()}, certificate SHA-256 ${this.tls!.fingerprint(socket)}`);
    return socket;
  }

  /** AUTH TLS accepted: the control connection moves onto TLS, refusing anything read before. */
  private async startTls(): Promise<void> {
    let ready!: Promise<TLSSocket>;
    try {
      this.connection().upgrade((raw) => {
        const wrapped = this.tls!.wrap(raw, 'control');
        ready = wrapped.ready;
        return wrapped.socket;
      });
      const socket = await ready;
      this.options.trace?.('*', `TLS ${socket.getProtocol()}, certificate SHA-256 ${this.tls!.fingerprint(socket)}`);
    } catch (err) {
      this.close(err as Error);
      throw err;
    }
  }

  /** The server certificate's SHA-256 fingerprint, once TLS is up. */
  get fingerprint(): string | undefined {
    const socket = this.control?.socket as TLSSocket | undefined;
    return this.tls && socket?.getPeerCertificate ? this.tls.fingerprint(socket) : undefined;
  }

  /** USER, then PASS when asked for one; nothing after a 230 greeting. */
  async login(user = 'anonymous', password = 'anonymous@'): Promise<void> {
    checkCommandArgument(user, 'user name');
    checkCommandArgument(password, 'password');
    if (this.loggedIn) return this.protectData();
    let reply = await this.sendcmd(`USER ${user}`, { allowError: true });
    if (reply.code === 331) reply = await this.sendcmd(`PASS ${password}`, { allowError: true });
    if (reply.code === 230 || reply.code === 202) return this.protectData();
    if (reply.code === 530 || reply.code === 332 || reply.code === 331) {
      // vsftpd, proftpd and pure-ftpd say so when they refuse clear-text logins.
      const wantsTls = !this.tls && /\b(tls|ssl|encrypt)/i.test(replyText(reply));
      throw new LoginError(reply.code, replyText(reply), wantsTls ? 'the server wants TLS: connect with FTPS, e.g. --tls or ftpes://' : undefined);
    }
    throw this.replyError(reply);
  }

  /** RFC 4217: after login, PBSZ 0 and PROT P put every data connection under TLS. */
  private async protectData(): Promise<void> {
    if (!this.tls) return;
    for (const cmd of ['PBSZ 0', 'PROT P']) {
      const reply = await this.sendcmd(cmd, { allowError: true });
      if (reply.code < 200 || reply.code >= 300) {
        throw new FtpError('tls', `server refused ${cmd}: ${reply.code} ${replyText(reply)}`, reply.code);
      }
    }
  }

  /** Sends a command and returns its reply; 4xx/5xx throw unless `allowError`. */
  async sendcmd(line: string, opts: { allowError?: boolean } = {}): Promise<Reply> {
    if (this.sentAhead !== undefined) await this.cancelSentAhead();
    const control = this.connection();
    if (CHANGES_FOLDER.test(line)) this.knownFolder = undefined;
    control.send(line);
    const reply = await control.read();
    if (reply.code >= 400 && !opts.allowError) throw this.replyError(reply);
    return reply;
  }

  /** Sends a command that must complete with 2xx. */
  async voidcmd(line: string): Promise<Reply> {
    const reply = await this.sendcmd(line);
    if (!isCompletion(reply)) throw this.replyError(reply);
    return reply;
  }

  /** Reads one more reply (e.g. the final reply of a transfer); null waits without limit. */
  readReply(timeoutMs?: number | null): Promise<Reply> {
    return this.connection().read(timeoutMs);
  }

  /** Sends without reading; several lines go out in one write and their replies come in order. */
  send(...lines: string[]): void {
    this.connection().send(...lines);
  }

  async type(type: 'A' | 'I'): Promise<void> {
    if (this.transferType === type) return;
    await this.voidcmd(`TYPE ${type}`);
    this.transferType = type;
  }

  /** SIZE of a remote file, or undefined when the server will not say (5xx, or a 213 without a number). */
  async size(path: string): Promise<number | undefined> {
    const reply = await this.sendcmd(`SIZE ${path}`, { allowError: true });
    // Some servers (ftp-srv for an empty file) answer "213 File status": no size, not an attack.
    if (reply.code === 213) return /^\s*\d+\s*$/.test(replyText(reply)) ? parseSize(replyText(reply)) : undefined;
    if (reply.code >= 500) return undefined;
    throw this.replyError(reply);
  }

  /** FEAT, asked once: the server's extension lines, e.g. "MLST type*;size*;", "REST STREAM". */
  async feat(): Promise<string[]> {
    if (!this.featureLines) {
      const reply = await this.sendcmd('FEAT', { allowError: true });
      this.featureLines = reply.code === 211 ? featLines(reply) : [];
    }
    return this.featureLines;
  }

  async hasFeature(name: string): Promise<boolean> {
    const wanted = name.toUpperCase();
    return (await this.feat()).some((l) => {
      const line = l.toUpperCase();
      return line === wanted || line.startsWith(wanted + ' ');
    });
  }

  /**
   * Lists a folder (or a file): MLSD when FEAT offers MLST (exact,
   * machine-readable), else LIST parsed from its ls -l or DOS form, from
   * inside the folder (see core/listing.ts); the session ends up in the
   * folder it was in. Lines that cannot be parsed come back in `unparsed`,
   * never dropped. A path that names nothing is a 'permanent' FtpError.
   */
  list(path?: string, opts: ListOptions = {}): Promise<Listing> {
    return listEntries(this, path, opts);
  }

  /** A small download (a listing) into memory; a server sending more than `maxBytes` is cut off. */
  retrieveText(cmd: string, maxBytes = MAX_LISTING_BYTES, opts: ListOptions = {}): Promise<string> {
    return retrieveText(this, cmd, maxBytes, opts);
  }

  /** MDTM of a remote file as the server states it (YYYYMMDDHHMMSS[.sss], UTC), or undefined. */
  async mdtm(path: string): Promise<string | undefined> {
    const reply = await this.sendcmd(`MDTM ${path}`, { allowError: true });
    if (reply.code === 213) return replyText(reply);
    if (reply.code >= 500) return undefined;
    throw this.replyError(reply);
  }

  async pwd(): Promise<string> {
    const reply = await this.voidcmd('PWD');
    return parse257(reply.lines.join('\n'));
  }

  async cwd(path: string): Promise<void> {
    await this.voidcmd(`CWD ${path}`);
  }

  /**
   * Opens a data connection and issues `cmd` on it, after `REST rest` when
   * given. Resolves once the server accepted the command (1xx) and the data
   * socket is connected; the caller then reads the final reply.
   */
  async transfercmd(cmd: string, rest?: number, onread?: OnReadOpts): Promise<TransferStart> {
    checkCommandArgument(cmd, 'command');
    // TLS data sockets read through the TLS layer, not into our buffers.
    const reads = this.tls ? undefined : onread;
    const ahead = this.sentAhead === cmd && rest === undefined;
    if (ahead) this.sentAhead = undefined;
    else if (this.sentAhead !== undefined) await this.cancelSentAhead();
    // A refused EPSV (read with the command's refusal) leaves undefined: then step by step.
    const pending = (ahead ? await openPipelined(this, cmd, reads, true) : undefined) ?? (await this.openData(cmd, rest, reads));
    try {
      if (rest !== undefined) {
        const reply = await this.sendcmd(`REST ${rest}`, { allowError: true });
        if (reply.code !== 350) {
          throw new RestRefusedError(rest, reply.code, replyText(reply));
        }
      }
      // Some servers answer only once the data connection is up, so wait for both at once.
      const replied = pending.replied ?? this.sendcmd(cmd);
      const tls = this.tls;
      // The handshake starts as soon as TCP is up: servers answer 150 only after it.
      const opened = pending.connected();
      const connected = (tls ? opened.then((raw) => tls.wrap(raw, 'data').ready) : opened).catch(async (err: Error) => {
        // The server's own word (425, 421) says more than our connect error, if it comes
        // soon; either way it may wait for this connection forever: the session cannot go on.
        const said = await Promise.race([replied.then(() => undefined, (e: Error) => e), delay(DATA_FAILURE_REPLY_MS)]);
        // A refused command (550, 425) waits for no connection: the session goes on.
        if (said instanceof TemporaryError || said instanceof PermanentError) throw said;
        const reason = said instanceof FtpError ? said : err;
        this.close(reason);
        throw reason;
      });
      connected.catch(() => {}); // observed below, once the command is accepted
      const reply = await replied;
      if (!isPreliminary(reply)) {
        void connected.then((s) => s.destroy(), () => {});
        throw new ProtocolError(`expected 150 before the transfer, got ${reply.code} ${replyText(reply)}`);
      }
      // A server that cannot open the data connection (active mode: it cannot reach us)
      // may say so right after its 150: that reply ends the wait, not our timeout.
      let open = false;
      const decided = () => (open = true);
      void connected.then(decided, decided);
      const refused = this.connection().peek().then(async (next) => {
        // Once the data connection is up, the final reply is the caller's to read.
        if (open || next.code < 400) return connected;
        await this.readReply(); // its final reply, taken now
        throw this.replyError(next);
      });
      refused.catch(() => {});
      const socket = await Promise.race([connected, refused]);
      open = true;
      return { socket, size: parseTransferSize(replyText(reply)), usesOnread: pending.usesOnread && !tls };
    } catch (err) {
      pending.cancel();
      throw err;
    }
  }

  private openData(cmd: string, rest: number | undefined, reads: OnReadOpts | undefined): Promise<PendingData> {
    if (!this.passive) return openActive(this);
    // Once EPSV has worked, it goes out with the command itself: one round trip less per file.
    // Not with REST: a refused REST must stop the command before it runs.
    return openPassive(this, reads, rest === undefined && this.features.epsv === true ? cmd : undefined);
  }

  /** Whether sendAhead would send now: passive mode, EPSV known to work, nothing sent ahead yet. */
  get canSendAhead(): boolean {
    return this.passive && this.features.epsv === true && this.sentAhead === undefined && this.connected;
  }

  /**
   * Sends EPSV and `cmd` now, for the transfercmd(cmd) that comes next: the
   * server starts on it while the caller is still finishing the last file.
   * Any other command before that transfercmd first takes it back (see
   * cancelSentAhead), so only commands that can be taken back harmlessly go:
   * downloads and listings, never an upload (a cancelled STOR leaves an empty
   * file). False, with nothing sent, for those and unless canSendAhead.
   */
  sendAhead(cmd: string): boolean {
    checkCommandArgument(cmd, 'command');
    if (!SENDABLE_AHEAD.has(cmd.split(' ', 1)[0]!.toUpperCase()) || !this.canSendAhead) return false;
    this.options.trace?.('*', 'the next transfer goes ahead:');
    this.send('EPSV', cmd);
    this.sentAhead = cmd;
    return true;
  }

  /**
   * Takes back a command sent ahead that will not be used: its data connection
   * is opened and dropped at once, and its replies are read, so that the next
   * command gets its own reply. A server that answers oddly loses the session.
   */
  private async cancelSentAhead(): Promise<void> {
    try {
      const { socket } = await this.transfercmd(this.sentAhead!); // takes it, as the transfer it is
      socket.destroy();
      await this.readReply(); // 226, or 426 for the dropped connection
    } catch (err) {
      // Refused (e.g. 550) is fine: the command is over. Anything else leaves the session in doubt.
      if (!(err instanceof TemporaryError || err instanceof PermanentError) || !this.connected) {
        this.close(err as Error);
        throw err;
      }
    }
  }

  /**
   * Downloads through `cmd` (e.g. "RETR file") into a stream, or into a file
   * descriptor from a position (the fast path: flat memory); resolves with the byte count.
   */
  async retrieve(cmd: string, dest: Writable | FileTarget, opts: TransferOptions = {}): Promise<number> {
    await this.binaryByDefault(cmd);
    return retrieve(this, cmd, dest, opts);
  }

  /** Uploads a stream, or a file descriptor from a position to its end, through `cmd` (e.g. "STOR file"). */
  async store(cmd: string, source: Readable | FileSource, opts: TransferOptions = {}): Promise<number> {
    await this.binaryByDefault(cmd);
    return store(this, cmd, source, opts);
  }

  /** Servers start in ASCII (RFC 959): bytes move unchanged unless type('A') asked otherwise, as ftplib's retrbinary does. */
  private async binaryByDefault(cmd: string): Promise<void> {
    checkCommandArgument(cmd, 'command'); // before anything is sent
    if (this.transferType === undefined) await this.type('I');
  }

  /** Says goodbye politely; closes the connection whatever the server answers. */
  async quit(): Promise<void> {
    if (!this.control || this.control.closed) return;
    // QUIT would wait behind a transfer sent ahead: just hang up.
    if (this.sentAhead !== undefined) return this.close();
    try {
      await this.sendcmd('QUIT', { allowError: true });
    } catch {
      // The server may hang up first; that is fine.
    } finally {
      this.close();
    }
  }

  close(reason?: Error): void {
    this.sentAhead = undefined; // gone with the connection
    this.connecting?.abort();
    this.handshaking?.destroy();
    this.control?.close(reason);
  }

  get connected(): boolean {
    return this.control !== undefined && !this.control.closed;
  }

  get peerAddress(): string {
    return plainAddress(this.connection().socket.remoteAddress ?? '');
  }

  get localAddress(): string {
    return plainAddress(this.connection().socket.localAddress ?? '');
  }

  /** A line for the trace (-v) about what the client decided. */
  note(text: string): void {
    this.options.trace?.('*', text);
  }

  replyError(reply: Reply): FtpError {
    return errorForReply(reply.code, replyText(reply));
  }

  private connection(): ControlConnection {
    if (!this.control) throw new FtpError('closed', 'not connected');
    return this.control;
  }
}
