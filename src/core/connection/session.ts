import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { FtpError, errorForReply } from '../../protocol/errors.js';
import { isCompletion, replyText, type Reply } from '../../protocol/reply.js';
import { featLines, parseFeatures, type ParsedFeatures } from '../../protocol/feat.js';
import { plainAddress } from '../../protocol/parse.js';
import type { ControlConnection } from './control.js';
import type { TlsSession } from './tls.js';
import { loadCodec, utf8Codec, type NameCodec } from './codec.js';
import { dial } from './dial.js';
import { SessionFolder } from './folder.js';
import type { NetworkOptions } from './network.js';
import { DataModeState, type DataMode, type DataModes, type SessionOptions } from './session-options.js';
import { SentAhead } from './ahead.js';
import { Keepalive } from './keepalive.js';
import { Preamble, Utf8Announcement, heldType, readHeld, sendAfterHeld, type HeldCommand } from './preamble.js';

export type { DataMode, DataModes, SessionOptions } from './session-options.js';

/** A session, or what is built on one (the FtpClient facade): the core's public functions take either. */
export type OnSession = FtpSession | { readonly session: FtpSession };

export function sessionOf(on: OnSession): FtpSession {
  return on instanceof FtpSession ? on : on.session;
}

/**
 * One FTP session: the control connection (and its TLS), and what the
 * session knows of the server: the data modes that work, the transfer type,
 * the FEAT lines, the folder it is in, a transfer command sent ahead. Every
 * command goes through `command()`, which keeps that knowledge true.
 */
export class FtpSession {
  readonly timeoutMs: number;
  /** Each connect (TCP, TLS handshake) is bounded by this. */
  readonly connectTimeoutMs: number;
  /** How connections reach the server (proxy, family, TCP keepalive). */
  readonly network: NetworkOptions;
  private readonly dataModes: DataModeState;
  private currentType: 'A' | 'I' | undefined;
  private control: ControlConnection | undefined;
  private tlsSession: TlsSession | undefined;
  private loggedIn = false;
  /** Ends a connect in progress (close() while connecting). */
  private dialling: AbortController | undefined;
  /** The socket of an implicit TLS handshake, before the control connection exists: close() ends it too. */
  private handshaking: Socket | undefined;
  private readonly ahead = new SentAhead();
  private readonly place = new SessionFolder();
  private parsedFeatures: ParsedFeatures | undefined;
  private transfers = 0;
  /** How names are encoded in commands and decoded from replies and listings (the encoding's codec is loaded on connect). */
  codec: NameCodec;
  /** The host name dialled: data connections through a proxy go to it. */
  private host: string | undefined;
  private readonly keepalive: Keepalive;
  /** Commands that go out with the next one (see Preamble). */
  private readonly preamble = new Preamble();
  private readonly utf8 = new Utf8Announcement(() => this.codec.utf8);

  constructor(readonly options: SessionOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? this.timeoutMs;
    this.network = options.network ?? {};
    this.keepalive = new Keepalive(options.keepaliveMs ?? options.network?.keepaliveMs ?? 60_000, () => (this.busy || this.ahead.cmd !== undefined ? 'busy' : this.control));
    this.dataModes = new DataModeState(options);
    this.codec = utf8Codec(options.onInvalidUtf8);
  }

  get passive(): boolean { return this.dataModes.passive; }

  /** What the session has learned of EPSV and EPRT (undefined: not tried yet). */
  get modes(): Readonly<DataModes> { return this.dataModes.learned; }

  /** Records whether EPSV or EPRT works on this server. */
  learn(mode: 'epsv' | 'eprt', works: boolean): void { this.dataModes.learned[mode] = works; }

  /** Forces one way of making data connections, forgetting what was learned of it (the doctor tries each). */
  useDataMode(mode: DataMode): void { this.dataModes.use(mode); }

  get transferType(): 'A' | 'I' | undefined { return this.currentType; }

  /**
   * TYPE, unless the session is in that type already. It costs no round trip:
   * it goes out with the next command, and a refusal fails that command.
   */
  async type(type: 'A' | 'I'): Promise<void> {
    if (this.currentType === type) return;
    this.currentType = type;
    this.preamble.hold('TYPE', heldType(type, (reply) => {
      if (this.currentType === type) this.currentType = undefined;
      return this.replyError(reply);
    }));
  }

  /** A TYPE went out that type() did not send (a raw command): the next type() sends TYPE again. */
  forgetType(): void { this.currentType = undefined; }

  /** The greeting was 230: logged in without USER or PASS (see login.ts). */
  get greetedLoggedIn(): boolean { return this.loggedIn; }

  /** The TLS of the session's connections, for FTPS. */
  get tls(): TlsSession | undefined { return this.tlsSession; }

  /** Connects (with TLS for implicit FTPS, after AUTH TLS for explicit) and reads the greeting; returns its text. */
  async connect(host: string, port = 21): Promise<string> {
    const tls = this.options.tls;
    this.host = host;
    // node:tls is loaded only for FTPS, and before connecting: TLS must be able to
    // start before any byte from the server can be read as a reply.
    if (tls) this.tlsSession = new (await import('./tls.js')).TlsSession(tls, host, this.connectTimeoutMs);
      if (this.options.encoding !== undefined) this.codec = await loadCodec(this.options.encoding, this.options.onInvalidUtf8);
    this.dialling = new AbortController();
    const { greeting } = await dial(host, port, {
      timeoutMs: this.timeoutMs,
      connectTimeoutMs: this.connectTimeoutMs,
      network: this.options.network,
      trace: this.options.trace,
      onReply: this.options.onReply,
      tls: tls && { mode: tls.mode, session: this.tlsSession! },
      signal: this.dialling.signal,
      handshaking: (raw) => (this.handshaking = raw),
      // Replies are decoded with the session's codec from the greeting on.
      opened: (control) => void ((this.control = control).codec = this.codec),
    }).finally(() => (this.dialling = undefined));
    // 230: logged in already (as curl and lftp accept): login() sends no USER.
    this.loggedIn = greeting.code === 230;
    this.keepalive.touch();
    return replyText(greeting);
  }

  /** Where passive data connections go: the control connection's peer (never a reply's address); through a proxy, the host dialled. */
  get dataHost(): string {
    return this.options.network?.proxy ? this.host! : this.peerAddress;
  }

  /** Sends a command and returns its reply; 4xx/5xx throw unless `allowError`. A command sent ahead is taken back first. */
  // `onSent` hears when the line has been handed to the socket (before its reply).
  async command(line: string, opts: { allowError?: boolean; onSent?: () => void } = {}): Promise<Reply> {
    this.keepalive.touch();
    await this.keepalive.pending;
    if (this.ahead.cmd !== undefined) await this.takeBackAhead();
    const announcing = this.utf8.beforeCommand(line, this.parsedFeatures, this.preamble, () => this.features(), (opts) => this.command(opts, { allowError: true }));
    if (announcing) await announcing;
    const control = this.connection();
    const reply = await this.keepalive.during(this.place.follow(line, () => sendAfterHeld(control, this.preamble, line, opts.onSent)));
    if (reply.code >= 400 && !opts.allowError) throw this.replyError(reply);
    return reply;
  }

  /** Holds `command` to go out in the same write as the next one (see Preamble). */
  hold(kind: string, command: HeldCommand): void { this.preamble.hold(kind, command); }

  /** A command that must complete with 2xx. */
  async voidCommand(line: string): Promise<Reply> {
    const reply = await this.command(line);
    if (!isCompletion(reply)) throw this.replyError(reply);
    return reply;
  }

  /** Reads one more reply (e.g. the final reply of a transfer); null waits without limit. */
  read(timeoutMs?: number | null): Promise<Reply> {
    this.keepalive.touch();
    const control = this.connection();
    const noop = this.keepalive.pending;
    return this.keepalive.reading(noop ? noop.then(() => control.read(timeoutMs)) : control.read(timeoutMs));
  }

  /** The next reply, left for whoever reads next (see ControlConnection.peek). */
  peek(): Promise<Reply> {
    this.keepalive.touch();
    const control = this.connection();
    const noop = this.keepalive.pending;
    return noop ? noop.then(() => control.peek()) : control.peek();
  }

  /** Sends without reading; several lines go out in one write and their replies come in order. */
  send(...lines: string[]): void {
    const control = this.connection();
    this.utf8.beforeSend(lines, this.parsedFeatures, this.preamble);
    const held = this.preamble.sendWith((first) => control.send(...first, ...lines));
    this.keepalive.sent(held.length + lines.length);
    // A refused TYPE: the lines after it ran in the wrong type, so the session ends with the refusal.
    if (held.length) readHeld(held, () => this.read()).then((err) => err && this.close(err), () => {});
  }

  /** Before a transfer's data connection is asked for: OPTS UTF8 ON, if `cmd` needs it, goes out with EPSV/PASV, not between them and `cmd`. */
  announceBefore(cmd: string): void { this.utf8.beforeSend([cmd], this.parsedFeatures, this.preamble); }

  /** FEAT, asked once per session and parsed once. */
  async features(): Promise<ParsedFeatures> {
    if (!this.parsedFeatures) {
      const reply = await this.command('FEAT', { allowError: true });
      this.parsedFeatures = parseFeatures(reply.code === 211 ? featLines(reply) : []);
    }
    return this.parsedFeatures;
  }

  /** The folder the session is in (see SessionFolder); null when PWD cannot be gone back to. */
  workingFolder(): Promise<string | null> {
    return this.place.current((line) => this.command(line, { allowError: true }));
  }

  /** The transfer command sent ahead of its transfercmd, if any. */
  get sentAhead(): string | undefined { return this.ahead.cmd; }

  /** `cmd` went out ahead of its transfercmd; `takeBack` undoes it if another command must go first. */
  wentAhead(cmd: string, takeBack: () => Promise<void>): void { this.ahead.went(cmd, takeBack); }

  /** The transfercmd of `cmd` takes the command sent ahead: true when that was `cmd`. */
  claimAhead(cmd: string): boolean { return this.ahead.claim(cmd); }

  /** Takes back the command sent ahead (its data connection dropped, its replies read), if there is one. */
  takeBackAhead(): Promise<void> { return this.ahead.takeBack(); }

  /** True while a transfer owns the connection (and handles its own abort with ABOR). */
  get busy(): boolean {
    return this.transfers > 0;
  }

  /** Runs a transfer's wait for its end: the session is busy meanwhile. */
  async transferring<T>(work: () => Promise<T>): Promise<T> {
    this.transfers++;
    try {
      return await work();
    } finally {
      this.transfers--;
      this.keepalive.touch();
    }
  }

  /**
   * Says goodbye politely; closes the connection whatever the server answers.
   * `waitForReply` false: closes once QUIT is written, without its 221 (which
   * vsftpd sends only after it has closed an uploaded file).
   */
  async quit(opts: { waitForReply?: boolean } = {}): Promise<void> {
    if (!this.control || this.control.closed) return;
    this.preamble.drop();
    // QUIT would wait behind a transfer sent ahead: just hang up.
    if (this.ahead.cmd !== undefined) return this.close();
    if (opts.waitForReply === false) return this.control.sendLast('QUIT');
    try {
      await this.command('QUIT', { allowError: true });
    } catch {
      // The server may hang up first; that is fine.
    } finally {
      this.close();
    }
  }

  close(reason?: Error): void {
    this.ahead.forget(); // gone with the connection
    this.keepalive.stop();
    this.dialling?.abort();
    this.handshaking?.destroy();
    this.control?.close(reason);
  }

  /** Which control connection is in use: another one after a reconnect (what a reply to it was for). */
  get connectionIdentity(): object | undefined { return this.control; }

  get connected(): boolean { return this.control !== undefined && !this.control.closed; }

  get peerAddress(): string {
    return plainAddress(this.connection().socket.remoteAddress ?? '');
  }

  get localAddress(): string {
    return plainAddress(this.connection().socket.localAddress ?? '');
  }

  /** The server certificate's SHA-256 fingerprint, once TLS is up. */
  get fingerprint(): string | undefined {
    const socket = this.control?.socket as TLSSocket | undefined;
    return this.tlsSession && socket?.getPeerCertificate ? this.tlsSession.fingerprint(socket) : undefined;
  }

  /** The control connection's TLS version (e.g. "TLSv1.3"), once TLS is up. */
  get tlsProtocol(): string | undefined {
    const socket = this.control?.socket as TLSSocket | undefined;
    return (this.tlsSession && socket?.getProtocol?.()) || undefined;
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
