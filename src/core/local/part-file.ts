import { closeSync, constants, createReadStream, ftruncateSync, lstatSync, open as openCb, readlinkSync, realpathSync, rename as renameCb, statSync, truncateSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { unlink } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import type { FileTarget } from '../transfer/file-io.js';
import { tryLock, type FileLock } from './file-lock.js';
import { LocalError } from '../../protocol/errors.js';
import { tempPath } from './part-name.js';

/**
 * A download in progress: bytes go to a temporary file next to the final one
 * (`<final>.part`, see tempPath), which becomes `<final>` only through
 * commit(). The temporary file is locked while this run owns it, so a second
 * run for the same file fails at once instead of writing into it. After a
 * failure the .part stays for `-c`, holding exactly the bytes before
 * `offset + written`.
 */
export interface PartFile {
  /** Where the core writes: the open .part from the resume offset on, or a device as a stream. */
  target: FileTarget | Writable;
  offset: number;
  /** The temporary file's path (the device's for a direct target). */
  path: string;
  /** Closes the .part (cut to `size` bytes when given) and renames it to the final name. */
  commit(size?: number): Promise<void>;
  /**
   * After a failure: keeps exactly the valid prefix for -c (the offset plus
   * the bytes written), and removes a .part this run created if it holds nothing.
   */
  abandon(written: number): Promise<void>;
  /** The SHA-256 of the whole .part, hex. */
  sha256(): Promise<string>;
  /** Another digest of the whole .part (e.g. 'sha1', 'md5'), hex. */
  digest(algorithm: string): Promise<string>;
  /** Closes and deletes the .part. */
  discard(): Promise<void>;
}

export interface ResumeRequest {
  rest?: number | undefined;
  continue?: boolean | undefined;
  remoteSize?: number | undefined;
  /** A retry: go on from the .part this command left, if there is one. */
  retry?: boolean | undefined;
  /** Throw away the .part (the remote file changed): start again from byte 0. */
  restart?: boolean | undefined;
  /** When the remote file was last changed, if known: a same-size local file older than that is not complete. */
  remoteModified?: Date | undefined;
  /** The temporary file to use (default: tempPath(final)). */
  part?: string | undefined;
  /** Write to the destination itself (a device, a FIFO: see userDestination), no temporary file. */
  direct?: boolean | undefined;
  /** Aborts the wait for a FIFO's reader. */
  signal?: AbortSignal | undefined;
}

const openFd = promisify(openCb);
const renameFile = promisify(renameCb);

/** Opening a temporary file never follows a link someone put at its name. */
const FRESH = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;
const RESUME = constants.O_RDWR | constants.O_NOFOLLOW;

/** The size of a regular file at `path` (links are not followed: another file's size is no resume point). */
function regularSize(path: string): number | undefined {
  const s = lstatSync(path, { throwIfNoEntry: false });
  if (s?.isDirectory()) throw new LocalError(`${path}: is a directory`);
  return s?.isFile() ? s.size : undefined;
}

/** True when `path` was last modified before `when` (a remote file changed since we got it). */
function olderThan(path: string, when: Date | undefined): boolean {
  if (!when || Number.isNaN(when.getTime())) return false;
  const mtime = lstatSync(path, { throwIfNoEntry: false })?.mtime;
  return mtime !== undefined && mtime.getTime() + 1000 < when.getTime();
}

/** Where the download starts: from byte 0, from the .part's end, or from a prefix of the final file copied into the .part. */
type Start = { offset: number; copyFinal?: number } | 'complete';

/** The offset to download from, given what is on disk (nothing is changed here). */
function resumePoint(final: string, part: string, req: ResumeRequest): Start {
  if (req.restart) return { offset: 0 };
  const partSize = regularSize(part);
  const finalSize = regularSize(final);
  const remote = req.remoteSize;
  if (req.retry && partSize !== undefined) return { offset: partSize };
  if (req.continue) {
    if (partSize !== undefined) return { offset: partSize };
    if (finalSize !== undefined && finalSize === remote) return olderThan(final, req.remoteModified) ? { offset: 0 } : 'complete'; // same size but newer there: fetch again
    if (finalSize === undefined || finalSize === 0) return { offset: 0 };
    if (remote !== undefined && finalSize > remote) {
      throw new LocalError(`${final} has ${finalSize} bytes, more than the remote file's ${remote}: not resuming`);
    }
    return { offset: finalSize, copyFinal: finalSize }; // continue a file another tool left, without touching it
  }
  if (req.rest === undefined) return { offset: 0 };
  if (remote !== undefined && req.rest > remote) {
    throw new LocalError(`--rest ${req.rest} is past the end of the remote file (${remote} bytes)`);
  }
  if (partSize === undefined && finalSize === undefined && req.rest > 0) throw new LocalError(`${final} does not exist: nothing to keep before byte ${req.rest}`);
  const [base, baseSize] = partSize !== undefined ? [part, partSize] : [final, finalSize ?? 0];
  if (baseSize < req.rest) throw new LocalError(`${base} has ${baseSize} bytes, fewer than the --rest offset ${req.rest}`);
  // Keep every byte until the transfer succeeds: commit() cuts the file to its new length.
  return partSize !== undefined ? { offset: req.rest } : { offset: req.rest, copyFinal: req.rest };
}

export async function openPartFile(final: string, req: ResumeRequest): Promise<PartFile | 'complete'> {
  if (req.direct) return directTarget(final, req);
  if (lstatSync(final, { throwIfNoEntry: false })?.isDirectory()) throw new LocalError(`${final}: is a directory`);
  const part = req.part ?? (await tempPath(final));
  const lock = await tryLock(part);
  if (!lock) throw new LocalError(`${final}: another tftp is downloading it right now (${part} is locked)`);
  try {
    return await openLocked(final, part, req, lock);
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function openLocked(final: string, part: string, req: ResumeRequest, lock: FileLock): Promise<PartFile | 'complete'> {
  // A fresh download truncates any old .part anyway: no need to look first (one file of thousands, maybe).
  const fresh = !req.continue && !req.retry && req.rest === undefined;
  if (req.continue || req.retry) {
    const sidecar = await tempPath(final, '.part.segments');
    if (lstatSync(sidecar, { throwIfNoEntry: false })) throw new LocalError(`${part} was started with --segments: resume it with --segments and -c`);
  }
  // A link at the temporary name is not ours (we never make one): it goes, unfollowed.
  if (!fresh && lstatSync(part, { throwIfNoEntry: false })?.isSymbolicLink()) unlinkSync(part);
  const start: Start = fresh ? { offset: 0 } : resumePoint(final, part, req);
  if (start === 'complete') {
    lock.release();
    return 'complete';
  }
  const { offset } = start;
  const existed = !fresh && start.copyFinal === undefined && regularSize(part) !== undefined;
  if (req.remoteSize !== undefined && offset > req.remoteSize) {
    throw new LocalError(`${part} has ${offset} bytes, more than the remote file's ${req.remoteSize}: not resuming`);
  }
  if (start.copyFinal !== undefined) await (await import('./special-files.js')).copyPrefix(final, part, start.copyFinal);
  if (req.remoteSize !== undefined && offset > 0 && offset === req.remoteSize) {
    // Already whole: resuming at the end is not an error (and some servers refuse a REST there).
    if (req.rest !== undefined) truncateSync(part, offset); // keep exactly the bytes before --rest
    await renameFile(part, final);
    lock.release();
    return 'complete';
  }
  let fd: number;
  try {
    // Creating and renaming a file can take a while on some file systems: done
    // off the event loop (plain fs calls, lighter than a FileHandle); close is
    // quick and done synchronously.
    fd = await openFd(part, offset > 0 ? RESUME : FRESH, 0o666).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ELOOP' || offset > 0) throw err;
      unlinkSync(part); // a link at the temporary name (O_NOFOLLOW refused it): removed, never followed
      return openFd(part, FRESH, 0o666);
    });
  } catch (err) {
    if (start.copyFinal !== undefined) await unlink(part).catch(() => {}); // no stray copy
    throw err;
  }
  let open = true;
  const close = () => {
    if (open) closeSync(fd);
    open = false;
  };
  return {
    target: { fd, position: offset },
    offset,
    path: part,
    async commit(size) {
      try {
        if (size !== undefined) ftruncateSync(fd, size); // drop old bytes past the new end (after --rest)
        close();
        await renameFile(part, final);
      } finally {
        lock.release();
      }
    },
    async abandon(written) {
      // Bytes past what this run wrote are old ones (after --rest): cut them; nothing written, nothing changed.
      if (written > 0) {
        try {
          ftruncateSync(fd, offset + written); // exactly what is known good, for -c
        } catch {
          // the disk may refuse even this; what is there is still a prefix
        }
      }
      close();
      if (!existed && written === 0) await unlink(part).catch(() => {});
      lock.release();
    },
    sha256: () => digestFile(part),
    digest: (algorithm) => digestFile(part, algorithm),
    async discard() {
      close();
      await unlink(part).catch(() => {});
      lock.release();
    },
  };
}

/**
 * A device, FIFO or socket (e.g. /dev/null, /dev/stdout) is written to as it
 * is: no .part, no rename, which would replace the node with a plain file.
 */
async function directTarget(path: string, req: ResumeRequest): Promise<PartFile> {
  if (req.rest || req.continue) throw new LocalError(`${path} is not a regular file: it cannot be resumed`);
  const { openDirect } = await import('./special-files.js'); // devices and FIFOs only
  const stream = await openDirect(path, req.signal);
  const done = async () => {
    if (!stream.closed) await new Promise<void>((resolve) => stream.end(() => resolve()));
  };
  return {
    target: stream,
    offset: 0,
    path,
    commit: done,
    abandon: done,
    discard: done,
    sha256: () => Promise.reject(new LocalError(`${path}: cannot check the digest of a device`)),
    digest: () => Promise.reject(new LocalError(`${path}: cannot check the digest of a device`)),
  };
}

/**
 * Where a user-given destination really is. A symbolic link is followed: the
 * link stays and its target receives the file (a dangling link creates its
 * target). Anything that is not a regular file (a character device, a FIFO,
 * /dev/stdout) is written directly, with no temporary file and no rename,
 * which would replace it. Names from a server listing never come here.
 */
export function userDestination(path: string): { path: string; direct: boolean } {
  const target = statSync(path, { throwIfNoEntry: false }); // through any links
  if (target && !target.isFile() && !target.isDirectory()) return { path, direct: true }; // opened as the user named it
  if (!lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink()) return { path, direct: false };
  if (target) return { path: realpathSync.native(path), direct: false }; // renaming onto the real file keeps every link
  // A dangling link: follow it to the file it names, which the download creates.
  let at = path;
  for (let hops = 0; lstatSync(at, { throwIfNoEntry: false })?.isSymbolicLink(); hops++) {
    if (hops === 40) throw new LocalError(`${path}: too many levels of symbolic links`);
    at = resolve(dirname(at), readlinkSync(at));
  }
  return { path: join(realpathSync.native(dirname(at)), basename(at)), direct: false };
}

/** A digest of a file (SHA-256 unless told), hex. */
export async function digestFile(path: string, algorithm = 'sha256'): Promise<string> {
  const { createHash } = await import('node:crypto'); // only for --sha256 / --verify
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
