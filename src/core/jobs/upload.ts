import { fstatSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { FtpError, LocalError } from '../../protocol/errors.js';
import type { RemoteFs } from '../remote/fs.js';
import type { FileSource } from '../transfer/file-io.js';
import { seconds, throttledProgress, type JobReporter, type Progress } from './events.js';

/** How an upload is made (the CLI's flags, the library's options). */
export interface UploadSettings {
  /** TYPE A: LF becomes CRLF. */
  ascii?: boolean | undefined;
  /** Send the local bytes from this offset on (REST). */
  rest?: number | undefined;
  /** Go on from what the server already has (its size). */
  resume?: boolean | undefined;
  retries?: number | undefined;
  retryDelay?: number | undefined;
  /** The remote file takes the local modification time (MFMT, where offered). */
  preserve?: boolean | undefined;
  /** Write to a temporary name in the same folder, then rename it over the final name. */
  atomic?: boolean | undefined;
  signal?: AbortSignal | undefined;
}

/** One file to send. */
export interface Upload {
  /** The local name, for messages. */
  local: string;
  remotePath: string;
  /** The open local file, read at offsets (resumable, retried). */
  fd?: number | undefined;
  /** Or a stream read once (stdin, a FIFO, `<(cmd)`): never retried or resumed. */
  stream?: Readable | undefined;
  localSize: number;
}

/**
 * One attempt at one file: where to start (the server's size when resuming
 * or retrying), STOR through the core's `store`, then the time with
 * `preserve`. A retry goes on from what the server already has, like resume.
 */
export async function uploadFile(client: RemoteFs, up: Upload, s: UploadSettings, attempt: number, progress: Progress, reporter: JobReporter): Promise<{ bytes: number; skipped?: string }> {
  const { local, remotePath, fd, stream, localSize } = up;
  let offset = s.rest ?? 0;
  if (s.resume || (attempt > 0 && !s.ascii)) {
    const remoteSize = await fileSize(client, remotePath);
    offset = remoteSize ?? 0;
    if (remoteSize !== undefined && offset === localSize) {
      const reason = `already complete on the server (${offset} bytes)`;
      reporter.event?.({ event: 'skip', file: remotePath, reason });
      reporter.notice?.(`${remotePath} is ${reason}`);
      return { bytes: 0, skipped: reason };
    }
    if (offset > localSize) throw new LocalError(`the remote ${remotePath} (${offset} bytes) is larger than ${local} (${localSize} bytes): not resuming`);
  }
  if (offset > localSize) throw new LocalError(`${local} has ${localSize} bytes, fewer than the --rest offset ${offset}`);

  const file = fd !== undefined;
  const source: Readable | FileSource = file ? { fd, position: offset } : stream!;
  const began = performance.now();
  const tick = reporter.event ? throttledProgress(reporter.event, remotePath, offset) : undefined;
  let sent = 0;
  let bytes: number;
  try {
    bytes = await client.write(remotePath, source, {
      ascii: s.ascii,
      rest: s.rest !== undefined || offset > 0 ? offset : undefined,
      onStart: () => {
        reporter.event?.({ event: 'start', file: remotePath, size: file ? localSize : null, mode: 'put' });
        progress.start(file ? localSize : undefined, offset);
      },
      onBytes: (n) => {
        sent += n;
        progress.add(n);
        tick?.(sent);
      },
      signal: s.signal,
    });
  } catch (err) {
    progress.finish(false);
    throw err;
  }
  if (s.preserve && file) {
    const { mtime } = fstatSync(fd);
    // Best effort, as -p promises: a server without MFMT, or one that refuses it, is fine.
    await client.setModified(remotePath, mtime).catch((err: unknown) => {
      if (!(err instanceof FtpError && err.code !== undefined)) throw err;
    });
  }
  progress.finish(true);
  reporter.event?.({ event: 'done', file: remotePath, bytes, seconds: seconds(began) });
  return { bytes };
}

/**
 * A remote file's size: SIZE, else what a listing of the file says (for
 * servers that refuse SIZE). Undefined when the server will not tell, or has
 * no such file.
 */
export async function fileSize(fs: RemoteFs, path: string): Promise<number | undefined> {
  const size = await fs.size(path);
  if (size !== undefined) return size;
  try {
    const files = (await fs.list(path)).entries.filter((e) => e.type === 'file');
    return files.length === 1 ? files[0]!.size : undefined;
  } catch (err) {
    if (err instanceof FtpError && (err.kind === 'permanent' || err.kind === 'temporary')) return undefined; // no such file
    throw err;
  }
}

/**
 * Waits until `stream` has data or has ended, before anything goes to the
 * server: a writer that never comes, or fails at once, leaves the remote file
 * as it was. `signal` stops the wait.
 */
export async function firstBytes(stream: Readable, signal?: AbortSignal): Promise<void> {
  const onAbort = () => stream.destroy(new FtpError('aborted', 'interrupted'));
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (signal?.aborted) onAbort();
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        stream.off('readable', ok).off('end', ok).off('error', done).off('close', ok);
        if (err) reject(err instanceof FtpError ? err : new LocalError(`${err.message}`));
        else resolve();
      };
      const ok = () => done();
      if (stream.readableLength > 0 || stream.readableEnded) return resolve();
      stream.once('readable', ok).once('end', ok).once('error', done).once('close', ok);
    });
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
