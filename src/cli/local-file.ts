import { closeSync, createReadStream, createWriteStream, existsSync, ftruncateSync, lstatSync, open as openCb, rename as renameCb } from 'node:fs';
import { promisify } from 'node:util';
import { copyFile, rename, stat, unlink } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import type { FileTarget } from '../core/file-io.js';
import { LocalError } from './exit-codes.js';

/**
 * A download in progress: bytes go to `<final>.part`, which becomes `<final>`
 * only through commit(). After a failure the .part stays for `-c`.
 */
export interface PartFile {
  /** Where the core writes: the open .part from the resume offset on, or a device as a stream. */
  target: FileTarget | Writable;
  offset: number;
  /** Closes the .part (cut to `size` bytes when given) and renames it to the final name. */
  commit(size?: number): Promise<void>;
  /**
   * After a failure: keeps exactly the valid prefix for -c — the offset plus
   * what arrived (or just the offset when the local disk failed, which may
   * leave holes) — and removes a .part this run created if nothing arrived.
   */
  abandon(received: number, localFailure: boolean): Promise<void>;
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
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    const s = await stat(path);
    if (s.isDirectory()) throw new LocalError(`${path}: is a directory`);
    return s.size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

const openFd = promisify(openCb);
const renameFile = promisify(renameCb);

/** True when `path` was last modified before `when` (a remote file changed since we got it). */
function olderThan(path: string, when: Date | undefined): boolean {
  if (!when || Number.isNaN(when.getTime())) return false;
  const mtime = lstatSync(path, { throwIfNoEntry: false })?.mtime;
  return mtime !== undefined && mtime.getTime() + 1000 < when.getTime();
}

/** The offset to download from, preparing `<final>.part` so it holds exactly the bytes before it. */
async function resumeOffset(final: string, part: string, req: ResumeRequest): Promise<number | 'complete'> {
  if (req.restart) {
    await unlink(part).catch(() => {});
    return 0;
  }
  const partSize = await sizeOf(part);
  const finalSize = await sizeOf(final);
  if (req.retry && partSize !== undefined) return partSize;
  if (req.continue) {
    if (partSize !== undefined) return partSize;
    if (finalSize !== undefined && finalSize === req.remoteSize && !olderThan(final, req.remoteModified)) return 'complete';
    if (finalSize !== undefined && finalSize === req.remoteSize) return 0; // same size but the remote one is newer: fetch it again
    if (finalSize === undefined || finalSize === 0) return 0;
    if (req.remoteSize !== undefined && finalSize > req.remoteSize) {
      throw new LocalError(`${final} has ${finalSize} bytes, more than the remote file's ${req.remoteSize}: not resuming`);
    }
    await copyFile(final, part); // continue a file another tool left, without touching it
    return finalSize;
  }
  if (req.rest === undefined) return 0;
  const base = partSize !== undefined ? part : finalSize !== undefined ? final : undefined;
  const baseSize = partSize ?? finalSize ?? 0;
  if (base === undefined && req.rest > 0) throw new LocalError(`${final} does not exist: nothing to keep before byte ${req.rest}`);
  if (baseSize < req.rest) {
    throw new LocalError(`${base ?? final} has ${baseSize} bytes, fewer than the --rest offset ${req.rest}`);
  }
  // Keep every byte until the transfer succeeds: commit() cuts the file to its new length.
  if (base === final) await copyFile(final, part);
  return req.rest;
}

export async function openPartFile(final: string, req: ResumeRequest): Promise<PartFile | 'complete'> {
  const part = `${final}.part`;
  const existing = lstatSync(final, { throwIfNoEntry: false });
  if (existing?.isDirectory()) throw new LocalError(`${final}: is a directory`);
  if (existing && !existing.isFile() && !existing.isSymbolicLink()) return deviceTarget(final, req);
  if ((req.continue || req.retry) && existsSync(`${part}.segments`)) {
    throw new LocalError(`${part} was started with --segments: resume it with --segments and -c`);
  }
  // A fresh download truncates any old .part anyway: no need to look first (one file of thousands, maybe).
  const fresh = !req.continue && !req.retry && req.rest === undefined;
  const existed = !fresh && (await sizeOf(part)) !== undefined;
  const offset = fresh ? 0 : await resumeOffset(final, part, req);
  if (offset === 'complete') return 'complete';
  if (req.remoteSize !== undefined && offset > req.remoteSize) {
    throw new LocalError(`${part} has ${offset} bytes, more than the remote file's ${req.remoteSize}: not resuming`);
  }
  if (req.remoteSize !== undefined && offset > 0 && offset === req.remoteSize) {
    await rename(part, final); // already whole: resuming past the end is not an error
    return 'complete';
  }
  // Creating and renaming a file can take a while on some file systems: done
  // off the event loop (plain fs calls, lighter than a FileHandle); close is
  // quick and done synchronously.
  const fd = await openFd(part, offset > 0 ? 'r+' : 'w');
  let open = true;
  const close = () => {
    if (open) closeSync(fd);
    open = false;
  };
  return {
    target: { fd, position: offset },
    offset,
    async commit(size) {
      if (size !== undefined) ftruncateSync(fd, size); // drop old bytes past the new end (after --rest)
      close();
      await renameFile(part, final);
    },
    async abandon(received, localFailure) {
      if (received > 0) {
        try {
          ftruncateSync(fd, localFailure ? offset : offset + received);
        } catch {
          // the disk may refuse even this; -c then re-checks against the remote size
        }
      }
      close();
      if (!existed && received === 0) await unlink(part).catch(() => {});
    },
    sha256: () => digestFile(part),
    digest: (algorithm) => digestFile(part, algorithm),
    async discard() {
      close();
      await unlink(part).catch(() => {});
    },
  };
}

/**
 * An existing device, FIFO or socket (e.g. /dev/null) is written to as it is:
 * no .part, no rename, which would replace the node with a plain file.
 */
function deviceTarget(path: string, req: ResumeRequest): PartFile {
  if (req.rest || req.continue) throw new LocalError(`${path} is not a regular file: it cannot be resumed`);
  const stream = createWriteStream(path, { flags: 'w' });
  const done = async () => {
    if (!stream.closed) await new Promise<void>((resolve) => stream.destroy() && stream.once('close', () => resolve()));
  };
  return {
    target: stream,
    offset: 0,
    commit: done,
    abandon: done,
    discard: done,
    sha256: () => Promise.reject(new LocalError(`${path}: cannot check the digest of a device`)),
    digest: () => Promise.reject(new LocalError(`${path}: cannot check the digest of a device`)),
  };
}

/** A digest of a file (SHA-256 unless told), hex. */
export async function digestFile(path: string, algorithm = 'sha256'): Promise<string> {
  const { createHash } = await import('node:crypto'); // only for --sha256 / --verify
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The local name a download gets by default: the remote basename, if it is a safe one. */
export function defaultLocalName(remote: string): string | undefined {
  const name = remote.split('/').filter(Boolean).pop();
  return name && name !== '.' && name !== '..' && !name.includes('\\') ? name : undefined;
}
