import { Socket } from 'node:net';
import { FtpError, ProtocolError } from '../../protocol/errors.js';
import { ReplyReader, sniffOpening, type Reply } from '../../protocol/reply.js';
import { checkCommandArgument, traceCommand } from '../../protocol/command.js';
import { utf8Codec, type NameCodec } from './codec.js';

/** '>' a command sent, '<' a reply line, '*' a note (TLS details). */
export type TraceFn = (direction: '>' | '<' | '*', line: string) => void;

/**
 * Each reply as it arrives, with the command it answers (as the trace shows
 * it, PASS masked): replies pair with commands in the order they were sent,
 * a 1xx and the final reply after it with the same one. Undefined for the
 * greeting (and anything more than the commands sent).
 */
export type ReplyFn = (command: string | undefined, reply: Reply) => void;

/** A server that floods replies nobody asked for must not grow our memory. */
const MAX_UNREAD_REPLIES = 64;

/** How long a last command (QUIT) may take to be written before the connection closes anyway. */
const LAST_WRITE_MS = 1_000;

/** How a connection whose first bytes are not FTP ends. */
const NOT_FTP = {
  ssh: 'this is an SSH (SFTP) server, not FTP: use an SFTP client',
  tls: 'the server speaks TLS from its first byte: it is implicit FTPS; try ftps:// (or --tls implicit)',
} as const;

interface Waiter {
  resolve(reply: Reply): void;
  reject(err: Error): void;
  /** Waits under the connection's idle timer (the default limit). */
  idle?: boolean;
  /** Its own limit (any other). */
  timer?: NodeJS.Timeout | undefined;
}

/**
 * The control connection: one socket, one reply reader, a queue of replies
 * nobody asked for yet, and a single close path that fails every waiter.
 */
export class ControlConnection {
  private readonly reader = new ReplyReader();
  private readonly queued: Reply[] = [];
  private readonly waiters: Waiter[] = [];
  /** Told of the next reply without taking it (see peek). */
  private peekers: { resolve(reply: Reply): void; reject(err: Error): void }[] = [];
  private closedWith: Error | null = null;
  /**
   * One timer for every read under the default limit, re-armed when the first
   * such read starts and at each reply while more are waiting: no timer is
   * made per command (a batch of small files sends thousands).
   */
  private idleTimer: NodeJS.Timeout | undefined;
  private idleWaiters = 0;

  /** Commands sent and not yet answered with a final reply, when someone listens to onReply. */
  private readonly unanswered: string[] = [];

  private current!: Socket;
  private names: NameCodec = utf8Codec();
  /** The first bytes of a clear-text connection, until they tell FTP from SSH or TLS. */
  private opening: Buffer | undefined;

  constructor(
    socket: Socket,
    private readonly idleTimeoutMs: number,
    private readonly trace?: TraceFn,
    private readonly onReply?: ReplyFn,
  ) {
    socket.setNoDelay(true); // commands are tiny and latency-bound
    // Each line exactly as it came (continuation hyphens, lines without a code).
    if (trace) this.reader.onLine = (line) => trace('<', line);
    if (!(socket as { encrypted?: boolean }).encrypted) this.opening = Buffer.alloc(0);
    this.attach(socket);
  }

  /** How commands are encoded and replies decoded (UTF-8 until told otherwise). */
  set codec(codec: NameCodec) {
    this.names = codec;
    this.reader.decode = (buf, start, end) => codec.decode(buf, start, end);
  }

  /** The socket commands travel on: TCP, or TLS after an upgrade. */
  get socket(): Socket {
    return this.current;
  }

  /**
   * Hands the connection over to a new socket wrapping the old one (AUTH TLS):
   * the old socket stops feeding replies, its close still ends the connection.
   */
  upgrade(wrap: (raw: Socket) => Socket): Socket {
    if (this.closedWith) throw this.closedWith;
    // Whatever came after the 234, before the handshake, could come from anyone on
    // the path: read after it, it would answer commands sent under TLS (CVE-2011-0411).
    if (this.queued.length > 0 || this.reader.midReply) {
      const err = new FtpError('tls', 'the server sent clear text after its 234 reply to AUTH TLS, before the TLS handshake: refused, as anyone on the path could have injected it');
      this.close(err);
      throw err;
    }
    const raw = this.current;
    raw.removeAllListeners('data');
    raw.removeAllListeners('error');
    raw.on('error', () => {}); // reported through the new socket
    this.attach(wrap(raw));
    return this.current;
  }

  private attach(socket: Socket): void {
    this.current = socket;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.close(new FtpError('closed', `control connection: ${err.message}`)));
    socket.on('close', () => this.close(new FtpError('closed', 'connection closed by server')));
  }

  get closed(): boolean {
    return this.closedWith !== null;
  }

  /** Sends command lines in one write (more than one: pipelined, replies come in order). */
  send(...lines: string[]): void {
    for (const line of lines) checkCommandArgument(line, 'command');
    if (this.closedWith) throw this.closedWith;
    // Every line encoded before any goes out: one that cannot be sends nothing.
    const bytes = lines.map((line) => this.encode(line));
    for (const line of lines) this.trace?.('>', traceCommand(line));
    if (this.onReply) for (const line of lines) this.unanswered.push(traceCommand(line));
    this.socket.write(bytes.length === 1 ? bytes[0]! : Buffer.concat(bytes));
  }

  /**
   * Sends a last command (QUIT) and closes once it is written, without
   * waiting for its reply: the server reads it all the same.
   */
  sendLast(line: string): void {
    if (this.closedWith) return;
    this.trace?.('>', traceCommand(line));
    const close = setTimeout(() => this.close(), LAST_WRITE_MS);
    this.socket.write(this.encode(line), () => {
      clearTimeout(close);
      this.close();
    });
  }

  private encode(line: string): Buffer {
    try {
      return this.names.encode(line + '\r\n');
    } catch (err) {
      // The message shows the command as the trace does: a password stays masked.
      if (err instanceof FtpError) throw new FtpError('argument', `${JSON.stringify(traceCommand(line))} cannot be sent: it has characters that ${this.names.name} cannot write`);
      throw err;
    }
  }

  /**
   * The next reply. `timeoutMs` null waits without limit: used while a data
   * transfer keeps the control connection legitimately silent.
   */
  read(timeoutMs: number | null = this.idleTimeoutMs): Promise<Reply> {
    const next = this.queued.shift();
    if (next) return Promise.resolve(next);
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      if (timeoutMs === this.idleTimeoutMs && timeoutMs > 0) {
        waiter.idle = true;
        if (this.idleWaiters++ === 0) this.armIdleTimer();
      } else if (timeoutMs !== null && timeoutMs > 0) {
        waiter.timer = setTimeout(() => this.timedOut(timeoutMs), timeoutMs);
      }
      this.waiters.push(waiter);
    });
  }

  /**
   * The next reply, left for whoever reads next: lets a transfer notice a
   * refusal that comes before its data connection without taking the final
   * reply its caller will read. No time limit.
   */
  peek(): Promise<Reply> {
    const first = this.queued[0];
    if (first) return Promise.resolve(first);
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise((resolve, reject) => this.peekers.push({ resolve, reject }));
  }

  private armIdleTimer(): void {
    if (this.idleTimer) {
      this.idleTimer.refresh();
      return;
    }
    this.idleTimer = setTimeout(() => {
      if (this.idleWaiters > 0) this.timedOut(this.idleTimeoutMs);
    }, this.idleTimeoutMs);
    // Someone waiting on a reply keeps the socket, and so the process, alive.
    this.idleTimer.unref();
  }

  private timedOut(ms: number): void {
    this.close(new FtpError('timeout', `no reply from server in ${ms / 1000} s`));
  }

  /** The one way this connection ends: every waiter learns why. */
  close(reason: Error = new FtpError('closed', 'connection closed')): void {
    if (this.closedWith) return;
    this.closedWith = reason;
    clearTimeout(this.idleTimer);
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(reason);
    }
    for (const p of this.peekers.splice(0)) p.reject(reason);
    this.current.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.opening && !this.looksLikeFtp(chunk)) return;
    let replies: Reply[];
    try {
      replies = this.reader.push(chunk);
    } catch (err) {
      this.close(err instanceof FtpError ? err : new ProtocolError(String(err)));
      return;
    }
    for (const reply of replies) {
      this.onReply?.(reply.code < 200 ? this.unanswered[0] : this.unanswered.shift(), reply);
      if (this.peekers.length) for (const p of this.peekers.splice(0)) p.resolve(reply);
      const waiter = this.waiters.shift();
      if (waiter) {
        if (waiter.idle) {
          // The server answered: the clock starts over for the next reply.
          if (--this.idleWaiters > 0) this.armIdleTimer();
        } else {
          clearTimeout(waiter.timer);
        }
        waiter.resolve(reply);
      } else if (this.queued.push(reply) > MAX_UNREAD_REPLIES) {
        this.close(new ProtocolError('server sent too many unsolicited replies'));
        return;
      }
    }
  }

  /** False, with the connection closed, when the first bytes are an SSH banner or a TLS record. */
  private looksLikeFtp(chunk: Buffer): boolean {
    this.opening = Buffer.concat([this.opening!, chunk.subarray(0, 4)]);
    const kind = sniffOpening(this.opening);
    if (kind === undefined) return true; // too few bytes yet: read on
    this.opening = undefined;
    if (kind === 'ftp') return true;
    this.close(new FtpError('connect', NOT_FTP[kind]));
    return false;
  }
}
