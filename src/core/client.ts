import type { OnReadOpts } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import type { FtpError } from '../protocol/errors.js';
import type { Reply } from '../protocol/reply.js';
import type { ParsedFeatures } from '../protocol/feat.js';
import { parse257 } from '../protocol/parse.js';
import { checkCommandArgument } from '../protocol/command.js';
import { FtpSession, type DataMode, type DataModes, type SessionOptions } from './connection/session.js';
import { login } from './connection/login.js';
import { mdtm, size } from './remote/facts.js';
import { listEntries, retrieveText, MAX_LISTING_BYTES, type Listing, type ListOptions } from './remote/listing.js';
import { canSendAhead, sendAhead, transfercmd, type TransferStart } from './transfer/transfercmd.js';
import { retrieve, store, type TransferOptions } from './transfer/transfer.js';
import { epsvWithNext } from './transfer/early-epsv.js';
import { RemoteVerbs } from './client-verbs.js';
import type { FileSource, FileTarget } from './transfer/file-io.js';
import type { ReadOptions, RemoteFs, WriteOptions } from './remote/fs.js';

export interface FtpClientOptions extends SessionOptions {
  /** The earlier name of `modes`, still accepted. */
  features?: DataModes | undefined;
}

/** The earlier name of DataModes. */
export type ServerFeatures = DataModes;

export type { DataMode, DataModes } from './connection/session.js';
export type { Listing, ListOptions } from './remote/listing.js';
export type { TransferStart } from './transfer/transfercmd.js';
export type { RemoteStat, MkdirOptions } from './remote/remote-fs.js';
export type { RemoteHash } from './remote/hash.js';
export type { RawReply } from './remote/raw.js';
export type { ReadOptions, RemoteFs, WriteOptions } from './remote/fs.js';

/**
 * An FTP client in the shape of Python's ftplib: small layers, each built on
 * the one below (read -> sendcmd -> voidcmd -> transfercmd -> retrieve/store),
 * and verbs (mkdir, remove, rename, stat …) that map replies to typed errors.
 * A facade: the state is the FtpSession's, the work is in the modules below.
 */
export class FtpClient extends RemoteVerbs implements RemoteFs {
  readonly session: FtpSession;

  constructor(options: FtpClientOptions = {}) {
    super();
    const { features, ...rest } = options;
    this.session = new FtpSession({ ...rest, modes: rest.modes ?? features });
  }

  get timeoutMs(): number {
    return this.session.timeoutMs;
  }

  get passive(): boolean {
    return this.session.passive;
  }

  /** What this client (and those sharing `modes`) learned of EPSV and EPRT. */
  get modes(): Readonly<DataModes> {
    return this.session.modes;
  }

  /** Forces one way of making data connections (see FtpSession.useDataMode). */
  useDataMode(mode: DataMode): void {
    this.session.useDataMode(mode);
  }

  get transferType(): 'A' | 'I' | undefined {
    return this.session.transferType;
  }

  /** True while a transfer owns the connection (and handles its own abort with ABOR). */
  get busy(): boolean {
    return this.session.busy;
  }

  /** Connects (with TLS for implicit FTPS, after AUTH TLS for explicit) and reads the greeting; returns its text. */
  connect(host: string, port = 21): Promise<string> {
    return this.session.connect(host, port);
  }

  /** USER, then PASS when asked for one; nothing after a 230 greeting. Under TLS, PBSZ 0 and PROT P follow. */
  login(user = 'anonymous', password = 'anonymous@'): Promise<void> {
    return login(this.session, user, password);
  }

  /** The server certificate's SHA-256 fingerprint, once TLS is up. */
  get fingerprint(): string | undefined {
    return this.session.fingerprint;
  }

  /** The control connection's TLS version (e.g. "TLSv1.3"), once TLS is up. */
  get tlsProtocol(): string | undefined {
    return this.session.tlsProtocol;
  }

  /** Sends a command and returns its reply; 4xx/5xx throw unless `allowError`. */
  sendcmd(line: string, opts: { allowError?: boolean } = {}): Promise<Reply> {
    return this.session.command(line, opts);
  }

  /** Sends a command that must complete with 2xx. */
  voidcmd(line: string): Promise<Reply> {
    return this.session.voidCommand(line);
  }

  /** Reads one more reply (e.g. the final reply of a transfer); null waits without limit. */
  readReply(timeoutMs?: number | null): Promise<Reply> {
    return this.session.read(timeoutMs);
  }

  /** Sends without reading; several lines go out in one write and their replies come in order. */
  send(...lines: string[]): void {
    this.session.send(...lines);
  }

  type(type: 'A' | 'I'): Promise<void> {
    return this.session.type(type);
  }

  /** SIZE of a remote file, asked in binary mode (servers refuse or miscount it in ASCII); undefined when the server will not say. */
  async size(path: string): Promise<number | undefined> {
    checkCommandArgument(path, 'path'); // before TYPE I: a refused path sends nothing
    await this.session.type('I');
    return size(this.session, path);
  }

  /** RemoteFs: RETR `path` is the next transfer; on a session's first, EPSV goes out with the next command. */
  readsNext(path: string): void {
    epsvWithNext(this.session, `RETR ${path}`);
  }

  /** MDTM of a remote file as the server states it (YYYYMMDDHHMMSS[.sss], UTC), or undefined. */
  mdtm(path: string): Promise<string | undefined> {
    return mdtm(this.session, path);
  }

  /** FEAT, asked once: the server's extension lines, e.g. "MLST type*;size*;", "REST STREAM". */
  async feat(): Promise<string[]> {
    return (await this.session.features()).lines;
  }

  /** Whether FEAT announces `name` ("MLST", or with parameters: "REST STREAM"), case-insensitively. */
  async hasFeature(name: string): Promise<boolean> {
    return (await this.session.features()).has(name);
  }

  /** What FEAT announces, parsed (asked once per session). */
  features(): Promise<ParsedFeatures> {
    return this.session.features();
  }

  /**
   * Lists a folder (or a file): MLSD when FEAT offers MLST (exact,
   * machine-readable), else LIST parsed from its ls -l or DOS form, from
   * inside the folder (see core/listing.ts); the session ends up in the
   * folder it was in (not with `endsSession`). Lines that cannot be parsed come back in `unparsed`,
   * never dropped. A path that names nothing is a 'permanent' FtpError.
   */
  list(path?: string, opts: ListOptions = {}): Promise<Listing> {
    return listEntries(this.session, path, opts);
  }

  /** A small download (a listing) into memory; a server sending more than `maxBytes` is cut off. */
  retrieveText(cmd: string, maxBytes = MAX_LISTING_BYTES, opts: ListOptions = {}): Promise<string> {
    return retrieveText(this.session, cmd, maxBytes, opts);
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
  transfercmd(cmd: string, rest?: number, onread?: OnReadOpts): Promise<TransferStart> {
    return transfercmd(this.session, cmd, rest, onread);
  }

  /** Whether sendAhead would send now: passive mode, EPSV known to work, nothing sent ahead yet. */
  get canSendAhead(): boolean {
    return canSendAhead(this.session);
  }

  /**
   * Sends EPSV and `cmd` now, for the transfercmd(cmd) that comes next (see
   * core/transfercmd.ts). Downloads and listings only; false, with nothing
   * sent, for anything else and unless canSendAhead.
   */
  sendAhead(cmd: string): boolean {
    return sendAhead(this.session, cmd);
  }

  /**
   * Downloads through `cmd` (e.g. "RETR file") into a stream, or into a file
   * descriptor from a position (the fast path: flat memory); resolves with the byte count.
   */
  async retrieve(cmd: string, dest: Writable | FileTarget, opts: TransferOptions = {}): Promise<number> {
    await this.binaryByDefault(cmd);
    return retrieve(this.session, cmd, dest, opts);
  }

  /** RemoteFs: RETR `path`, in TYPE I or (`ascii`) A; `nextPath` names the file the next read takes, sent ahead. */
  async read(path: string, dest: Writable | FileTarget, opts: ReadOptions = {}): Promise<number> {
    const { ascii, nextPath, ...rest } = opts;
    checkCommandArgument(path, 'path'); // before TYPE goes out
    await this.session.type(ascii ? 'A' : 'I');
    const next = nextPath && (() => { const p = nextPath(); return p === undefined ? undefined : `RETR ${p}`; });
    return this.retrieve(`RETR ${path}`, dest, next ? { ...rest, next } : rest);
  }

  /** RemoteFs: STOR `path` (APPE with `append`), in TYPE I or (`ascii`) A. */
  async write(path: string, source: Readable | FileSource, opts: WriteOptions = {}): Promise<number> {
    const { ascii, append, ...rest } = opts;
    checkCommandArgument(path, 'path'); // before TYPE goes out
    await this.session.type(ascii ? 'A' : 'I');
    return this.store(`${append ? 'APPE' : 'STOR'} ${path}`, source, rest);
  }

  /** Uploads a stream, or a file descriptor from a position to its end, through `cmd` (e.g. "STOR file"). */
  async store(cmd: string, source: Readable | FileSource, opts: TransferOptions = {}): Promise<number> {
    await this.binaryByDefault(cmd);
    return store(this.session, cmd, source, opts);
  }

  /** Servers start in ASCII (RFC 959): bytes move unchanged unless type('A') asked otherwise, as ftplib's retrbinary does. */
  private async binaryByDefault(cmd: string): Promise<void> {
    checkCommandArgument(cmd, 'command'); // before anything is sent
    if (this.session.transferType === undefined) await this.session.type('I');
  }

  /** Says goodbye politely; closes the connection whatever the server answers. */
  quit(): Promise<void> {
    return this.session.quit();
  }

  close(reason?: Error): void {
    this.session.close(reason);
  }

  get connected(): boolean {
    return this.session.connected;
  }

  get peerAddress(): string {
    return this.session.peerAddress;
  }

  get localAddress(): string {
    return this.session.localAddress;
  }

  /** A line for the trace (-v) about what the client decided. */
  note(text: string): void {
    this.session.note(text);
  }

  replyError(reply: Reply): FtpError {
    return this.session.replyError(reply);
  }
}
