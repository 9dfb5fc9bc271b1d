import { Socket } from 'node:net';
import { FtpError, ProtocolError } from '../protocol/errors.js';
import { ReplyReader, type Reply } from '../protocol/reply.js';
import { checkCommandArgument, traceCommand } from '../protocol/command.js';

/** '>' a command sent, '<' a reply line, '*' a note (TLS details). */
export type TraceFn = (direction: '>' | '<' | '*', line: string) => void;

/** A server that floods replies nobody asked for must not grow our memory. */
const MAX_UNREAD_REPLIES = 64;

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

  private current!: Socket;

  constructor(
    socket: Socket,
    private readonly idleTimeoutMs: number,
    private readonly trace?: TraceFn,
  ) {
    socket.setNoDelay(true); // commands are tiny and latency-bound
    this.attach(socket);
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
    for (const line of lines) this.trace?.('>', traceCommand(line));
    this.socket.write(lines.map((line) => line + '\r\n').join(''));
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
    this.close(new FtpError('timeout', `no reply from server in ${Math.round(ms / 1000)} s`));
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
    let replies: Reply[];
    try {
      replies = this.reader.push(chunk);
    } catch (err) {
      this.close(err instanceof FtpError ? err : new ProtocolError(String(err)));
      return;
    }
    for (const reply of replies) {
      if (this.trace) for (const l of reply.lines) this.trace('<', `${reply.code} ${l}`);
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
}
