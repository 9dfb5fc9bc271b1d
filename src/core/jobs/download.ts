import { lstatSync, statSync } from 'node:fs';
import { utimes } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Writable } from 'node:stream';
import { parseMdtm } from '../../protocol/parse.js';
import { ChecksumError, FtpError } from '../../protocol/errors.js';
import type { RemoteFs } from '../remote/fs.js';
import { isFileTarget, type FileTarget } from '../transfer/file-io.js';
import { isFileSystemError } from '../errno.js';
import { openPartFile, userDestination, type PartFile } from '../local/part-file.js';
import { tempPath } from '../local/part-name.js';
import { defaultLocalName } from '../local/safe-path.js';
import { FinalError } from './retry.js';
import { verifyWithServer } from './verify.js';
import { seconds, throttledProgress, type JobReporter, type Progress } from './events.js';

/** How a download is made (the CLI's flags, the library's options). */
export interface DownloadSettings {
  /** TYPE A: CRLF becomes LF. */
  ascii?: boolean | undefined;
  /** Keep the local file's first `rest` bytes and fetch the rest (REST). */
  rest?: number | undefined;
  /** Go on from a partial local file (`-c`). */
  resume?: boolean | undefined;
  /** Retries of a failed attempt (MDTM is asked, to resume only an unchanged file). */
  retries?: number | undefined;
  retryDelay?: number | undefined;
  /** The local file takes the remote modification time. */
  preserve?: boolean | undefined;
  /** The expected SHA-256 (hex): a mismatch discards the download. */
  sha256?: string | undefined;
  /** Compare with the server's own digest, where it offers one. */
  verify?: boolean | undefined;
  /** Work out the SHA-256 of each file for its `done` event. */
  digest?: boolean | undefined;
  signal?: AbortSignal | undefined;
}

/** One file to fetch. */
export interface Download {
  remotePath: string;
  /** Where the bytes go: a local path, or a stream (stdout). */
  localPath: string;
  stream?: Writable | undefined;
  /** The size a listing gave, for servers whose SIZE says nothing. */
  listedSize?: number | undefined;
  /** The modification time a listing gave (ISO 8601): `resume` re-fetches a same-size local file older than it. */
  listedModified?: string | undefined;
  /** The temporary file, when not the default (see tempPath). */
  partPath?: string | undefined;
  /** A device, FIFO or /dev/stdout named by the user: written directly (see userDestination). */
  direct?: boolean | undefined;
}

/** What the first attempt saw of the remote file: a retry resumes only if it is unchanged. */
export interface Seen {
  size?: number | undefined;
  mdtm?: string | undefined;
  /** Bytes already written to a stream, which a retry must not repeat. */
  written: number;
}

/**
 * Where a download of `remote` goes: `local` as given, inside it when it is
 * an existing folder, or the remote basename; '-' is a stream the caller
 * gives. A user-given link is followed and a device written directly (see
 * userDestination).
 */
export function localFor(remote: string, local: string | undefined): Pick<Download, 'localPath' | 'direct'> {
  if (local !== undefined && local !== '-' && statSync(local, { throwIfNoEntry: false })?.isDirectory()) {
    const name = defaultLocalName(remote);
    if (!name) throw new FtpError('argument', `cannot name a local file after ${JSON.stringify(remote)}: give one`);
    local = join(local, name);
  }
  local ??= defaultLocalName(remote);
  if (!local) throw new FtpError('argument', `cannot name a local file after ${JSON.stringify(remote)}: give one`);
  if (local === '-') return { localPath: local };
  const dest = userDestination(local);
  return { localPath: dest.path, direct: dest.direct };
}

/**
 * What a download sends before its RETR, decided here once for both the
 * attempt below and the batch's send-ahead: TYPE I is known to be in force,
 * and SIZE (no listed size), MDTM (retries), TYPE A and a resume point (REST)
 * each come first when needed.
 */
function needsCommandsFirst(d: Download, s: DownloadSettings): boolean {
  return d.listedSize === undefined || (s.retries ?? 0) > 0 || !!s.ascii || !!s.resume || s.rest !== undefined;
}

/**
 * Sending the next file's RETR ahead spares the server our turnaround between
 * two files: worth it for small files only, and a big one's checksum could
 * outlast the server's wait for the next data connection.
 */
const SEND_AHEAD_MAX_BYTES = 8 * 1024 * 1024;

/** The file this download reads first, when it asks nothing before it: the read may go ahead of time. */
export function firstRead(d: Download, s: DownloadSettings): string | undefined {
  return needsCommandsFirst(d, s) ? undefined : d.remotePath;
}

/** Whether, once this file's transfer is complete, the next one's RETR may go out at once. */
export function mayGoAhead(d: Download, s: DownloadSettings): boolean {
  // --verify and -p have commands of their own to send after the transfer.
  return !s.verify && !s.preserve && d.listedSize !== undefined && d.listedSize <= SEND_AHEAD_MAX_BYTES;
}

/**
 * One attempt at one file: the temporary file opened (locked, at the resume
 * point), the bytes fetched through the core's `retrieve`, checked, and
 * committed under the final name. `next`, when given, names the following
 * file, whose read goes out once this transfer is complete (ReadOptions.nextPath).
 */
export async function downloadFile(
  client: RemoteFs,
  d: Download,
  s: DownloadSettings,
  attempt: number,
  seen: Seen,
  progress: Progress,
  reporter: JobReporter,
  next?: () => string | undefined,
): Promise<{ bytes: number; skipped?: string }> {
  // A listed size saves a SIZE round trip per file in a tree; a SIZE asked may carry the read's EPSV.
  if (d.listedSize === undefined) client.readsNext(d.remotePath);
  const remoteSize = d.listedSize ?? (await client.size(d.remotePath));
  const mdtm = (s.retries ?? 0) > 0 ? await client.mdtm(d.remotePath) : undefined;
  const changed = attempt > 0 && (remoteSize !== seen.size || mdtm !== seen.mdtm);
  if (attempt === 0 || changed) Object.assign(seen, { size: remoteSize, mdtm });
  // ASCII offsets differ between the two ends, so an ASCII retry starts over.
  const restart = attempt > 0 && (changed || !!s.ascii);
  if (d.stream && restart && seen.written > 0) {
    const why = changed ? `${d.remotePath} changed on the server` : 'an ASCII transfer cannot resume';
    throw new FinalError('transfer', `${why}; ${seen.written} bytes were already written to stdout`);
  }

  let sink: Writable | FileTarget | undefined = d.stream;
  let offset = (s.rest ?? 0) + seen.written;
  let part: PartFile | undefined;
  if (!d.stream) {
    const opened = await openPartFile(d.localPath, {
      rest: s.rest,
      continue: s.resume,
      remoteSize: s.ascii ? undefined : remoteSize,
      remoteModified: d.listedModified ? new Date(d.listedModified) : undefined,
      retry: attempt > 0,
      restart,
      part: d.partPath ?? (d.direct ? undefined : await ownTempPath(client, d)),
      direct: d.direct,
      signal: s.signal,
    });
    if (opened === 'complete') {
      const reason = `already complete (${remoteSize} bytes)`;
      reporter.event?.({ event: 'skip', file: d.remotePath, reason });
      reporter.notice?.(`${d.localPath} is ${reason}`);
      return { bytes: 0, skipped: reason };
    }
    part = opened;
    sink = part.target;
    offset = part.offset;
  }
  const resume = s.rest !== undefined || offset > 0;
  let received = 0;
  let written = 0;
  const began = performance.now();
  const tick = reporter.event ? throttledProgress(reporter.event, d.remotePath, offset) : undefined;
  try {
    await client.read(d.remotePath, sink!, {
      ascii: s.ascii,
      rest: resume ? offset : undefined,
      expectedBytes: remoteSize !== undefined && !s.ascii ? remoteSize - offset : undefined,
      onStart: (announced) => {
        const total = remoteSize ?? (announced !== undefined && !resume ? announced : undefined);
        reporter.event?.({ event: 'start', file: d.remotePath, size: total ?? null, mode: 'get' });
        progress.start(total, offset);
      },
      onBytes: (n) => {
        received += n;
        progress.add(n);
        tick?.(received);
      },
      onWritten: (n) => (written += n),
      signal: s.signal,
      keepOpen: !!d.stream,
      nextPath: next,
    });
  } catch (err) {
    progress.finish(false);
    if (d.stream) seen.written += received;
    if (part) {
      await part.abandon(written);
      // A write error names the descriptor, not the file: say which file the disk refused.
      if (isFileSystemError(err) && err.path === undefined) err.path = part.path;
      // Every byte is there, but without the final reply nothing says the server sent the whole file.
      if (err instanceof FtpError && (err.kind === 'closed' || err.kind === 'timeout') && !s.ascii && remoteSize !== undefined && offset + written === remoteSize) {
        throw new FtpError(err.kind, `${d.remotePath}: all ${remoteSize} bytes arrived, but no final reply came from the server (${err.message}): not counted as complete; ${part.path} is kept for -c`);
      }
    }
    throw err;
  }
  const sha256 = part && isFileTarget(part.target) && (s.sha256 || s.digest) ? await part.sha256() : undefined;
  if (part && s.sha256 && sha256 !== s.sha256.toLowerCase()) {
    await part.discard(); // wrong bytes are worth nothing, not even to -c
    progress.finish(false);
    throw new ChecksumError(`${d.localPath}: SHA-256 ${sha256} does not match the expected ${s.sha256}`);
  }
  if (part && s.verify) {
    const digest = (algorithm: string) => (algorithm === 'sha256' && sha256 ? Promise.resolve(sha256) : part.digest(algorithm));
    await verifyWithServer(client, d.remotePath, { name: d.localPath, digest, discard: () => part.discard() }, reporter.notice);
  }
  // After --rest the .part may hold old bytes past the new end: cut them.
  if (part) await part.commit(s.rest !== undefined && !s.ascii ? offset + received : undefined);
  if (part && s.preserve) await preserveTime(client, d.remotePath, d.localPath);
  progress.finish(true);
  reporter.event?.({ event: 'done', file: d.remotePath, bytes: received, seconds: seconds(began), ...(sha256 ? { sha256 } : {}) });
  return { bytes: received };
}

/**
 * The temporary file of a single download. `<local>.part` may already exist
 * as a file in its own right: one that a tree download brought from a server
 * folder holding both `x.iso` and `x.iso.part`. When the server has a file of
 * that name beside the one we get, the local one is taken to be that file and
 * left alone; the download uses the name a tree download would have chosen.
 * One SIZE, and only when such a local file exists.
 */
async function ownTempPath(client: RemoteFs, d: Download): Promise<string> {
  const plain = await tempPath(d.localPath);
  if (!lstatSync(plain, { throwIfNoEntry: false })?.isFile()) return plain;
  const slash = d.remotePath.lastIndexOf('/');
  const sibling = d.remotePath.slice(0, slash + 1) + basename(plain);
  if ((await client.size(sibling)) === undefined) return plain;
  return tempPath(d.localPath, '.part', new Set([basename(plain)]));
}

/** -p: the local file takes the remote modification time, when the server gives one. */
export async function preserveTime(client: RemoteFs, remote: string, local: string): Promise<void> {
  const mdtm = await client.mdtm(remote);
  if (mdtm === undefined) return;
  const when = parseMdtm(mdtm);
  await utimes(local, when, when);
}
