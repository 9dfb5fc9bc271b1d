import { readSync } from 'node:fs';
import type { Socket } from 'node:net';
import { sleep, type RateLimiter } from '../rate-limit.js';

/**
 * The fast path between a data connection and a local file: a few reusable
 * buffers and positional file I/O, so memory stays flat whatever the file
 * size and no garbage is made per chunk. Streams remain for everything else.
 */

/** Bytes of one read or write. */
const BUFFER_BYTES = 256 * 1024;
/** Buffers in flight at once: enough to keep the disk and the socket busy together. */
export const IN_FLIGHT = 4;

/**
 * Buffers kept between transfers. Without them a batch of small files makes
 * 256 KiB of garbage per file, and that much external memory soon forces
 * full garbage collections: a third of the CPU of `get -r` on 4 KiB files.
 */
const spare: Buffer[] = [];
const SPARE_MAX = IN_FLIGHT;

export function takeBuffer(): Buffer {
  return spare.pop() ?? Buffer.allocUnsafe(BUFFER_BYTES);
}

/** Only buffers nothing else can touch any more (no socket, no pending write). */
export function giveBack(buffers: Buffer[]): void {
  // Only whole pool buffers: the small ones of a rate-limited read stay with their transfer.
  for (const b of buffers) if (b.length === BUFFER_BYTES && spare.length < SPARE_MAX) spare.push(b);
}

/** A file to download into, from `position` on (the caller owns and closes the fd). */
export interface FileTarget {
  fd: number;
  position: number;
}

/** A file to upload from `position` to its end (the caller owns and closes the fd). */
export interface FileSource {
  fd: number;
  position: number;
}

export function isFileTarget(x: unknown): x is FileTarget {
  return typeof (x as FileTarget)?.fd === 'number' && typeof (x as FileTarget)?.position === 'number';
}

/** A line-ending converter (see protocol/ascii.ts). */
export interface Converter {
  push(chunk: Buffer): Buffer;
  flush?(): Buffer;
}

/** An error of the local file, kept apart from network failures. */
export class LocalFileError extends Error {
  constructor(override readonly cause: Error) {
    super(cause.message);
  }
}

/**
 * Reads synchronously, as lftp and curl do: from the page cache a 256 KiB read
 * takes tens of microseconds, far less than a trip through libuv's thread
 * pool (a futex wake-up each way for every buffer). The socket keeps
 * draining in the kernel meanwhile.
 */
function readAt(fd: number, buf: Buffer, position: number, max: number): number {
  try {
    return readSync(fd, buf, 0, Math.min(buf.length, max), position);
  } catch (err) {
    throw new LocalFileError(err as Error);
  }
}

/**
 * Sends a file over a data socket from `position` to its end, then closes the
 * sending side. At most IN_FLIGHT buffers exist; a buffer is reused once the
 * socket has handed it to the kernel.
 */
export async function sendFile(socket: Socket, source: FileSource, onBytes: (n: number) => void, convert?: Converter, limiter?: RateLimiter): Promise<void> {
  const free: Buffer[] = [];
  // Writes complete in order, so one callback serves them all: the oldest buffer in flight is free again.
  const sending: Buffer[] = [];
  let allocated = 0;
  let waiter: (() => void) | undefined;
  let failure: Error | undefined;
  const wake = () => {
    const w = waiter;
    waiter = undefined;
    w?.();
  };
  const fail = (err: Error) => {
    failure ??= err;
    wake();
  };
  const written = (err?: Error | null) => {
    if (err) return fail(err);
    free.push(sending.shift()!);
    wake();
  };
  socket.on('error', fail);
  socket.once('close', () => fail(new Error('data connection closed by the server')));

  let position = source.position;
  // Under a rate limit, small reads make an even flow rather than a burst per buffer.
  const readMax = limiter ? limiter.chunkBytes : Infinity;
  for (let turn = 1; ; turn++) {
    // While the kernel takes every write at once, this loop never waits for I/O:
    // let timers and signals (progress, Ctrl-C) have a turn every few buffers.
    if (turn % IN_FLIGHT === 0) await new Promise(setImmediate);
    // 'close' comes a turn of the event loop after a destroy: do not read on meanwhile.
    if (socket.destroyed) fail(new Error('data connection closed'));
    if (failure) throw failure;
    const buf = free.pop() ?? (allocated < IN_FLIGHT ? (allocated++, takeBuffer()) : undefined);
    if (!buf) {
      // Every buffer is with the socket: that is the back-pressure.
      await new Promise<void>((resolve) => (waiter = resolve));
      continue;
    }
    const n = readAt(source.fd, buf, position, readMax);
    if (n === 0) break;
    const wait = limiter?.take(n) ?? 0;
    if (wait > 0) {
      await sleep(wait);
      if (socket.destroyed || failure) {
        free.push(buf);
        continue; // the loop's checks report why
      }
    }
    position += n;
    onBytes(n);
    const chunk = n === buf.length ? buf : buf.subarray(0, n);
    sending.push(buf);
    socket.write(convert ? convert.push(chunk) : chunk, written);
  }
  await new Promise<void>((resolve, reject) => {
    if (failure || socket.destroyed) return reject(failure ?? new Error('data connection closed'));
    socket.end(() => resolve());
    socket.once('error', reject);
  });
  // Every write has completed: the socket holds none of them any more.
  giveBack(free);
}
