import { randomUUID } from 'node:crypto';
import { fstatSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { FtpError, LocalError } from '../../protocol/errors.js';
import type { RemoteFs } from '../remote/fs.js';
import type { FileSource } from '../transfer/file-io.js';
import { seconds, throttledProgress, type JobReporter, type Progress } from './events.js';
import { commitTemporary, freeTemporaryName, temporaryName } from './atomic.js';
import { FinalError } from './retry.js';

/** How an upload is made (the CLI's flags, the library's options). */
export interface UploadSettings {
  /** TYPE A: LF becomes CRLF. */
  ascii?: boolean | undefined;
  /** Send the local bytes from this offset on (REST). */
  rest?: number | undefined;
  /** Go on from what the server already has (its size; with `atomic`, the temporary file's). */
  resume?: boolean | undefined;
  retries?: number | undefined;
  retryDelay?: number | undefined;
  /** The remote file takes the local modification time (MFMT, where offered). */
  preserve?: boolean | undefined;
  /** Make the missing folders of the remote path first (MKD, parents first). */
  createDirs?: boolean | undefined;
  /** APPE: add the local bytes to the end of the remote file. Not with `atomic`, `resume` or `rest`. */
  append?: boolean | undefined;
  /** Upload to a temporary name in the same folder, renamed over the final name when complete. */
  atomic?: boolean | undefined;
  /**
   * With `atomic`: go on from the temporary file an interrupted run left for
   * this very local file (the name is derived from its path, size and time),
   * without `resume`'s other meaning (a final file of the same size is done).
   */
  resumeTemporary?: boolean | undefined;
  /**
   * With `resumeTemporary`: the temporary files a listing of the folder has just
   * shown (path → size, undefined when not known). The first attempt takes a
   * temporary file's size from here; for one not listed (some servers hide
   * dot files) it asks SIZE alone, where FEAT offers it.
   */
  listedTemporaries?: ReadonlyMap<string, number | undefined> | undefined;
  /** With `resumeTemporary`: the remote folder was made just now, so no temporary file is there: the first attempt asks nothing. */
  newFolder?: boolean | undefined;
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
  /** What an attempt learned for the next ones (pass the same object to every attempt): set by uploadFile. */
  state?: UploadState | undefined;
}

/** Kept between the attempts at one upload. */
export interface UploadState {
  /** The remote folders are made (createDirs). */
  foldersMade?: boolean;
  /** The temporary name chosen (atomic): retries resume it. */
  temporary?: string;
  /** An APPE went out: a retry must not send the bytes already appended again. */
  appended?: boolean;
  /** The remote file's size before the first APPE: a retry sends what is not there yet. */
  appendBase?: number;
}

/**
 * One attempt at one file: the folders with `createDirs`; where to start
 * (the server's size when resuming or retrying); STOR (APPE with `append`)
 * through RemoteFs.write, to a temporary name renamed over the final one
 * with `atomic`; then the time with `preserve`, on the final name. A retry
 * goes on from what the server already has, like resume. Events name the
 * final path.
 */
export async function uploadFile(client: RemoteFs, up: Upload, s: UploadSettings, attempt: number, progress: Progress, reporter: JobReporter): Promise<{ bytes: number; skipped?: string }> {
  const { local, remotePath, fd, stream, localSize } = up;
  if (s.append && (s.atomic || s.resume || s.rest !== undefined)) throw new FtpError('argument', 'append cannot be combined with atomic, resume or rest');
  if (s.atomic && s.rest !== undefined) throw new FtpError('argument', 'rest cannot be combined with atomic (resume the temporary file instead)');
  const state = (up.state ??= {});
  if (s.createDirs && !state.foldersMade) {
    const folder = parentOf(remotePath);
    if (folder !== undefined) await client.mkdir(folder, { recursive: true });
    state.foldersMade = true;
  }
  const file = fd !== undefined;
  // The name the bytes go to: the final one, or a temporary one next to it.
  let target = remotePath;
  if (s.atomic) {
    const identity = file ? `${localSize}:${Math.trunc(fstatSync(fd).mtimeMs)}` : randomUUID();
    state.temporary ??= s.resume || s.resumeTemporary ? temporaryName(remotePath, identity) : await freeTemporaryName(client, remotePath, identity);
    target = state.temporary;
  }

  let offset = s.rest ?? 0;
  if (s.append) {
    offset = await appendOffset(client, up, state, s, attempt);
    if (offset === localSize && state.appended) return complete(remotePath, `already appended on the server (${localSize} bytes)`, reporter);
  } else if (s.resume || (s.atomic && s.resumeTemporary) || (attempt > 0 && !s.ascii)) {
    const first = attempt === 0 && s.atomic && s.resumeTemporary && !s.resume;
    const listed = first ? s.listedTemporaries : undefined;
    const remoteSize = first && s.newFolder ? undefined : listed ? await listedTemporarySize(client, target, listed) : await fileSize(client, target);
    offset = remoteSize ?? 0;
    if (remoteSize === undefined && s.atomic && s.resume && (await fileSize(client, remotePath)) === localSize) {
      return complete(remotePath, `already complete on the server (${localSize} bytes)`, reporter);
    }
    if (remoteSize !== undefined && offset === localSize && !s.atomic) return complete(remotePath, `already complete on the server (${offset} bytes)`, reporter);
    if (offset > localSize) throw new LocalError(`the remote ${target} (${offset} bytes) is larger than ${local} (${localSize} bytes): not resuming`);
  }
  if (offset > localSize) throw new LocalError(`${local} has ${localSize} bytes, fewer than the --rest offset ${offset}`);

  const began = performance.now();
  let bytes = 0;
  // A temporary file complete from an earlier attempt only needs its rename.
  if (s.atomic && offset > 0 && offset === localSize) {
    progress.start(localSize, offset);
  } else {
    const source: Readable | FileSource = file ? { fd, position: offset } : stream!;
    if (s.append) state.appended = true;
    const tick = reporter.event ? throttledProgress(reporter.event, remotePath, offset) : undefined;
    let sent = 0;
    try {
      bytes = await client.write(target, source, {
        ascii: s.ascii,
        append: s.append,
        rest: !s.append && (s.rest !== undefined || offset > 0) ? offset : undefined,
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
  }
  if (s.atomic) {
    try {
      await commitTemporary(client, target, remotePath);
    } catch (err) {
      progress.finish(false);
      throw err;
    }
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

/** A file with nothing left to send: reported as skipped. */
function complete(remotePath: string, reason: string, reporter: JobReporter): { bytes: number; skipped: string } {
  reporter.event?.({ event: 'skip', file: remotePath, reason });
  reporter.notice?.(`${remotePath} is ${reason}`);
  return { bytes: 0, skipped: reason };
}

/**
 * Where an APPE starts in the local file: 0 the first time (which notes the
 * remote size first when retries may follow); on a retry after an APPE, as
 * far as the remote file grew since. A retry that cannot know that would
 * append twice: it fails instead.
 */
async function appendOffset(client: RemoteFs, up: Upload, state: UploadState, s: UploadSettings, attempt: number): Promise<number> {
  if (attempt === 0 || !state.appended) {
    if (s.retries && !s.ascii && up.fd !== undefined) state.appendBase = (await fileSize(client, up.remotePath)) ?? 0;
    return 0;
  }
  const base = state.appendBase;
  const now = base === undefined ? undefined : await fileSize(client, up.remotePath);
  if (base === undefined || now === undefined || now < base || now - base > up.localSize) {
    throw new FinalError('transfer', `not retrying the append to ${up.remotePath}: how much of ${up.local} arrived is unknown`);
  }
  return now - base;
}

/** "a/b/c" -> "a/b", "/a" -> undefined (the root is there), "a" -> undefined. */
function parentOf(path: string): string | undefined {
  const trimmed = path.replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  return slash <= 0 ? undefined : trimmed.slice(0, slash);
}

/** A temporary file's size from a fresh listing of its folder; SIZE alone settles it when the listing did not show it. */
async function listedTemporarySize(client: RemoteFs, target: string, listed: ReadonlyMap<string, number | undefined>): Promise<number | undefined> {
  const size = listed.get(target);
  if (size !== undefined) return size;
  if (!listed.has(target) && (await client.hasFeature('SIZE'))) return client.size(target);
  return fileSize(client, target);
}

/**
 * A remote file's size: SIZE, else what stat says (for servers that refuse
 * SIZE): MLST, or the parent folder's listing. Never MLSD of the path: it may
 * well be a file, and a refused MLSD leaves its data connection unused, which
 * pyftpdlib does not survive. Undefined when the server will not tell, or
 * has no such file.
 */
export async function fileSize(fs: RemoteFs, path: string): Promise<number | undefined> {
  const size = await fs.size(path);
  if (size !== undefined) return size;
  try {
    const found = await fs.stat(path);
    return found?.type === 'file' ? found.size : undefined;
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
