import { write, writeSync } from 'node:fs';
import type { OnReadOpts, Socket } from 'node:net';
import { IN_FLIGHT, LocalFileError, giveBack, takeBuffer, type Converter, type FileTarget } from './file-io.js';
import type { RateLimiter } from '../rate-limit.js';

/** Chunks up to this size are written synchronously (see writeFully). */
const SYNC_WRITE_MAX = 32 * 1024;

/**
 * Writes what a data socket receives into a file. Give `onread` to the socket
 * when creating it (reads then land straight in pooled buffers); for a socket
 * made without it, `run` falls back to 'data' events.
 *
 * Writes go to the file one at a time, in order, while the socket goes on
 * reading into the other buffers: at every instant the file holds exactly the
 * bytes before `position + written`, so a process killed at any moment leaves
 * a prefix that `-c` can trust (concurrent positional writes could complete
 * out of order and leave a hole of zeros before the end).
 */
export class FileWriter {
  private readonly free: Buffer[] = [];
  /** Chunks taken from the socket and not yet on disk, oldest first; the first is being written. */
  private readonly queue: { data: Buffer; pooled: Buffer | undefined }[] = [];
  private writing = false;
  /** We asked the socket to stop reading; the next completed write resumes it. */
  private paused = false;
  /** Stopped for the rate limit: a timer resumes the socket (unless writes hold it paused). */
  private throttled: NodeJS.Timeout | undefined;
  /** The rate limit's wait ended before run() had the socket: run() resumes it. */
  private resumeOnRun = false;
  private position: number;
  private socket: Socket | undefined;
  private failure: Error | undefined;
  private idle: (() => void) | undefined;
  /** The buffer the socket reads into next: ours again once the socket has closed. */
  private held: Buffer | undefined;

  readonly onread: OnReadOpts = {
    // Under a rate limit, small reads: an even flow, not a burst per 256 KiB buffer.
    buffer: () => (this.held = this.free.pop() ?? (this.limiter ? Buffer.allocUnsafe(this.limiter.chunkBytes) : takeBuffer())),
    callback: (n: number, buf: Uint8Array) => this.accept(buf as Buffer, n, true),
  };

  /** Bytes taken from the socket so far. */
  received = 0;
  /** Bytes on disk so far (after conversion): the file is whole up to `target.position + written`. */
  written = 0;

  /**
   * `limit` (bytes) makes a range reader: once that many bytes arrived the
   * socket is closed and the range counts as complete. `onWritten` hears of
   * each write that reached the file.
   */
  constructor(
    private readonly target: FileTarget,
    private readonly onBytes: (n: number) => void,
    private readonly convert?: Converter,
    private readonly limit = Infinity,
    private readonly onWritten?: (n: number) => void,
    private readonly limiter?: RateLimiter,
  ) {
    this.position = target.position;
  }

  get complete(): boolean {
    return this.received >= this.limit;
  }

  /** Resolves when the socket has closed and every byte is in the file. */
  run(socket: Socket, usesOnread: boolean): Promise<void> {
    this.socket = socket;
    // With onread, bytes flow before we are handed the socket: catch up on
    // what they asked for meanwhile (a stop, a pause whose writes are done).
    if (this.complete || this.failure) socket.destroy();
    else if (this.paused ? this.queue.length < IN_FLIGHT : this.resumeOnRun) this.resume();
    if (!usesOnread) {
      socket.on('data', (chunk: Buffer) => {
        if (!this.accept(chunk, chunk.length, false)) socket.pause(); // accept() noted the pause
      });
    }
    let socketError: Error | undefined;
    socket.on('error', (err) => (socketError ??= err));
    return new Promise((resolve, reject) => {
      const closed = () => void this.finish(socket.readableEnded, socketError).then(resolve, reject);
      // Bytes reach onread without us: a short file may have arrived, ended and closed already.
      if (socket.closed) closed();
      else socket.once('close', closed);
    });
  }

  private async finish(ended: boolean, socketError: Error | undefined): Promise<void> {
    clearTimeout(this.throttled);
    await this.whenIdle();
    // The socket has closed and no write is pending: no one else holds these.
    giveBack(this.held ? [...this.free.splice(0), this.held] : this.free.splice(0));
    this.held = undefined;
    const tail = ended && !this.failure ? this.convert?.flush?.() : undefined;
    if (tail?.length) {
      this.writeOut(tail, undefined);
      await this.whenIdle();
    }
    if (this.failure) throw new LocalFileError(this.failure);
    if (!ended && !this.complete) throw socketError ?? new Error('data connection closed before the end of the transfer');
  }

  /** Takes one chunk; false asks the socket to pause until a write completes. */
  private accept(buf: Buffer, n: number, pooled: boolean): boolean {
    if (this.failure || this.complete) return false;
    n = Math.min(n, this.limit - this.received);
    this.received += n;
    this.onBytes(n);
    if (this.convert) {
      const out = this.convert.push(buf.subarray(0, n));
      if (pooled) this.free.push(buf); // converted into a copy: the buffer is free again
      if (out.length) this.writeOut(out, undefined);
    } else {
      this.writeOut(buf.subarray(0, n), pooled ? buf : undefined);
    }
    if (this.complete) {
      this.socket?.destroy(); // the rest belongs to another range
      return false;
    }
    const wait = this.limiter?.take(n) ?? 0;
    if (wait > 0) this.throttle(wait);
    if (this.queue.length < IN_FLIGHT) return wait === 0;
    this.paused = true;
    return false;
  }

  /** Stops reading for `ms` (the rate limit); the writes' own pause, if any, still holds after it. */
  private throttle(ms: number): void {
    clearTimeout(this.throttled);
    this.throttled = setTimeout(() => {
      this.throttled = undefined;
      if (this.paused || this.complete || this.failure) return;
      if (this.socket) this.socket.resume();
      else this.resumeOnRun = true;
    }, ms);
  }

  private writeOut(data: Buffer, pooled: Buffer | undefined): void {
    this.queue.push({ data, pooled });
    if (!this.writing) this.writeNext();
  }

  /** Writes the oldest queued chunk, then the next, until the queue is empty or a write failed. */
  private writeNext(): void {
    for (;;) {
      const chunk = this.queue[0];
      if (!chunk || this.failure) break;
      this.writing = true;
      let sync = true;
      let doneSync = false;
      const position = this.position;
      writeFully(this.target.fd, chunk.data, position, (err, n) => {
        this.writing = false;
        this.queue.shift();
        if (chunk.pooled) this.free.push(chunk.pooled);
        // What reached the file counts, even from a write the disk cut short: it is still a prefix.
        this.position += n;
        this.written += n;
        if (n > 0) this.onWritten?.(n);
        if (err) {
          this.failure ??= err;
          this.socket?.destroy();
        }
        if (this.paused && !this.failure && this.queue.length < IN_FLIGHT) this.resume();
        if (sync) doneSync = true;
        else this.writeNext(); // a write from the thread pool: go on from here
      });
      sync = false;
      if (!doneSync) return; // the callback goes on when this write completes
    }
    // Nothing left to write (or a write failed): whoever waits for the queue to drain may go on.
    if (this.failure) this.dropQueue();
    this.idle?.();
    this.idle = undefined;
  }

  /** After a failed write: the chunks still queued will never be written. */
  private dropQueue(): void {
    for (const c of this.queue.splice(0)) if (c.pooled) this.free.push(c.pooled);
  }

  private resume(): void {
    if (!this.socket) return; // run() resumes once it has the socket
    this.paused = false;
    this.resumeOnRun = false;
    // restarts reading, for 'data' events and onread alike (after the rate limit's wait)
    if (!this.throttled) this.socket.resume();
  }

  private whenIdle(): Promise<void> {
    if (!this.writing && (this.queue.length === 0 || this.failure)) {
      if (this.failure) this.dropQueue();
      return Promise.resolve();
    }
    return new Promise((resolve) => (this.idle = resolve));
  }
}

/**
 * A small write goes straight to the page cache, quicker than a round trip
 * through libuv's thread pool (most of what a small file's write costs);
 * large ones stay off the event loop so the socket keeps being read meanwhile.
 */
/** `done` gets the bytes of `data` that reached the file: all of them, or fewer with an error (a full disk). */
function writeFully(fd: number, data: Buffer, position: number, done: (err: Error | null, written: number) => void): void {
  if (data.length > SYNC_WRITE_MAX) return writeAsync(fd, data, position, 0, done);
  let off = 0;
  try {
    while (off < data.length) off += writeSync(fd, data, off, data.length - off, position + off);
  } catch (e) {
    return done(e as Error, off);
  }
  done(null, off);
}

function writeAsync(fd: number, data: Buffer, position: number, off: number, done: (err: Error | null, written: number) => void): void {
  write(fd, data, off, data.length - off, position + off, (err, n) => {
    if (err) return done(err, off);
    if (off + n < data.length) return writeAsync(fd, data, position, off + n, done);
    done(null, data.length);
  });
}

