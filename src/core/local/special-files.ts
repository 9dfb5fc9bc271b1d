import { constants, createReadStream, createWriteStream, fstatSync, openSync, closeSync, statSync } from 'node:fs';
import { copyFile, truncate } from 'node:fs/promises';
import { Socket } from 'node:net';
import { pipeline } from 'node:stream/promises';
import type { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { FtpError, LocalError } from '../../protocol/errors.js';

/**
 * Local files that are not plain files (FIFOs, devices, `<(cmd)`), and
 * copies made for a resume. A FIFO is opened without blocking: a blocking
 * open would hold one of libuv's threads until a peer came, and then neither
 * Ctrl-C nor a second one could end the process.
 */

/** How often to look again for a FIFO's reader. */
const FIFO_POLL_MS = 50;

/**
 * Copies the first `bytes` of `src` to a new `dst` (a resume that must not
 * touch the final file): a reflink where the file system has them (btrfs,
 * XFS: instant, no space used), else a copy of just those bytes.
 */
export async function copyPrefix(src: string, dst: string, bytes: number): Promise<void> {
  try {
    await copyFile(src, dst, constants.COPYFILE_FICLONE_FORCE);
    if (statSync(dst).size !== bytes) await truncate(dst, bytes);
    return;
  } catch {
    // No reflinks here (ext4, tmpfs, across devices): copy for real.
  }
  if (statSync(src).size === bytes) return copyFile(src, dst); // the kernel copies it whole
  await pipeline(createReadStream(src, { start: 0, end: bytes - 1 }), createWriteStream(dst, { flags: 'w' }));
}

/** A destination written directly (see userDestination): a FIFO waits for its reader, interruptibly. */
export async function openDirect(path: string, signal?: AbortSignal): Promise<Writable> {
  if (!statSync(path).isFIFO()) return createWriteStream(path, { flags: 'w' });
  for (;;) {
    try {
      const fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
      return new Socket({ fd, readable: false, writable: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENXIO') throw err; // ENXIO: nobody reads it yet
    }
    await waitOrAbort(signal);
  }
}

/** A source that cannot be read at an offset (a FIFO, `<(cmd)`, a device), as a stream. */
export interface StreamSource {
  stream: Readable;
  close(): void;
}

/**
 * Opens an upload source: a regular file gives its descriptor (read at
 * offsets, resumable); anything else is streamed as stdin is. Opening never
 * blocks, so a FIFO without a writer yet can still be interrupted.
 */
export function openSource(path: string): { fd: number; size: number } | StreamSource {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const info = fstatSync(fd);
  if (info.isDirectory()) {
    closeSync(fd);
    throw new LocalError(`${path}: is a directory`);
  }
  if (info.isFile()) return { fd, size: info.size };
  // A pipe (FIFO, `<(cmd)`) or socket reads through libuv's pipe handle, which waits for
  // a writer without holding a thread; a device reads like a file, without offsets.
  const stream: Readable = info.isFIFO() || info.isSocket() ? new Socket({ fd, readable: true, writable: false }) : createReadStream(path, { fd, autoClose: true });
  return { stream, close: () => stream.destroy() };
}

async function waitOrAbort(signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(FIFO_POLL_MS, undefined, { signal });
  } catch {
    throw new FtpError('aborted', 'interrupted');
  }
}
