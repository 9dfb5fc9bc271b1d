import { copyFile, open, rename, stat, truncate, unlink } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { LocalError } from './exit-codes.js';

/** Large writes mean fewer syscalls on the hot path. */
const WRITE_CHUNK = 1024 * 1024;

/**
 * A download in progress: bytes go to `<final>.part`, which becomes `<final>`
 * only through commit(). After a failure the .part stays for `-c`.
 */
export interface PartFile {
  stream: Writable;
  offset: number;
  commit(): Promise<void>;
  /** Removes the .part if this run created it and nothing was written (the server refused). */
  discardIfUntouched(): Promise<void>;
}

export interface ResumeRequest {
  rest?: number | undefined;
  continue?: boolean | undefined;
  remoteSize?: number | undefined;
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

/** The offset to download from, preparing `<final>.part` so it holds exactly the bytes before it. */
async function resumeOffset(final: string, part: string, req: ResumeRequest): Promise<number | 'complete'> {
  const partSize = await sizeOf(part);
  const finalSize = await sizeOf(final);
  if (req.continue) {
    if (partSize !== undefined) return partSize;
    if (finalSize === undefined || finalSize === 0) return 0;
    if (finalSize === req.remoteSize) return 'complete';
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
  if (base === final) await copyFile(final, part);
  if (base) await truncate(part, req.rest);
  return req.rest;
}

export async function openPartFile(final: string, req: ResumeRequest): Promise<PartFile | 'complete'> {
  const part = `${final}.part`;
  const existed = (await sizeOf(part)) !== undefined;
  const offset = await resumeOffset(final, part, req);
  if (offset === 'complete') return 'complete';
  if (req.remoteSize !== undefined && offset > req.remoteSize) {
    throw new LocalError(`${part} has ${offset} bytes, more than the remote file's ${req.remoteSize}: not resuming`);
  }
  if (req.remoteSize !== undefined && offset > 0 && offset === req.remoteSize) {
    await rename(part, final); // already whole: resuming past the end is not an error
    return 'complete';
  }
  const handle = await open(part, offset > 0 ? 'r+' : 'w');
  const stream = handle.createWriteStream({ start: offset, highWaterMark: WRITE_CHUNK });
  let written = false;
  stream.once('pipe', () => (written = true));
  return {
    stream,
    offset,
    commit: () => rename(part, final),
    async discardIfUntouched() {
      if (!existed && !written) {
        stream.destroy();
        await unlink(part).catch(() => {});
      }
    },
  };
}

/** The local name a download gets by default: the remote basename, if it is a safe one. */
export function defaultLocalName(remote: string): string | undefined {
  const name = remote.split('/').filter(Boolean).pop();
  return name && name !== '.' && name !== '..' && !name.includes('\\') ? name : undefined;
}
