import { closeSync, constants, lstatSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { rename, unlink, utimes } from 'node:fs/promises';
import { parseMdtm } from '../../protocol/parse.js';
import { ChecksumError, FtpError, LocalError } from '../../protocol/errors.js';
import type { RemoteFs } from '../remote/fs.js';
import { isFileSystemError } from '../errno.js';
import { tryLock } from '../local/file-lock.js';
import { digestFile } from '../local/part-file.js';
import { tempPath } from '../local/part-name.js';
import { seconds, throttledProgress, type JobReporter, type OpenSession, type Progress } from './events.js';
import { verifyWithServer } from './verify.js';
import { withRetries } from './retry.js';
import type { DownloadSettings } from './download.js';

/** One byte range of the file: [start, end), of which [start, done) is on disk. */
interface Range {
  start: number;
  end: number;
  done: number;
}

/** The sidecar next to the .part: which ranges are finished, for a resumed run. */
interface SegmentState {
  size: number;
  mdtm?: string | undefined;
  ranges: Range[];
}

const SAVE_MS = 1_000;

/**
 * --segments n: one download split into n ranges fetched over n connections
 * with REST, each through the same transfer path as any download (stall
 * timeout, Ctrl-C, bytes counted once they are on disk), written in place
 * into the .part. A sidecar (`<local>.part.segments`) records what each range
 * has on disk, so a failed run resumes with -c (or --retries); it is replaced
 * atomically, so a kill never leaves it claiming bytes that are not there.
 * The .part becomes `<local>` only when every byte is there.
 */
export async function segmentedDownload(open: OpenSession, remote: string, local: string, size: number, mdtm: string | undefined, s: SegmentSettings, progress: Progress, reporter: JobReporter): Promise<void> {
  const part = await tempPath(local);
  const sidecar = await tempPath(local, '.part.segments');
  const sidecarNew = await tempPath(local, '.part.segments.new');
  const lock = await tryLock(part);
  if (!lock) throw new LocalError(`${local}: another tftp is downloading it right now (${part} is locked)`);
  try {
    await fetchAll(open, remote, { local, part, sidecar, sidecarNew }, size, mdtm, s, progress, reporter);
  } finally {
    lock.release();
  }
}

export interface SegmentSettings extends DownloadSettings {
  /** How many ranges, each over a connection of its own. */
  segments: number;
}

/**
 * Whether the server can serve ranges of `remote` (REST STREAM in FEAT and a
 * SIZE): its size and MDTM, or undefined (then download over one connection).
 */
export async function rangesOffered(client: RemoteFs, remote: string): Promise<{ size: number; mdtm: string | undefined } | undefined> {
  if (!(await client.hasFeature('REST STREAM'))) return undefined;
  const size = await client.size(remote);
  if (!size) return undefined;
  return { size, mdtm: await client.mdtm(remote) };
}

interface Paths {
  local: string;
  part: string;
  sidecar: string;
  /** Where the next sidecar is written before it replaces the last. */
  sidecarNew: string;
}

async function fetchAll(open: OpenSession, remote: string, { local, part, sidecar, sidecarNew }: Paths, size: number, mdtm: string | undefined, s: SegmentSettings, progress: Progress, reporter: JobReporter): Promise<void> {
  const state = (s.resume && loadState(sidecar, part, size, mdtm)) || plan(size, mdtm, s.segments, s.resume ? plainPrefix(part, sidecar, size) : 0);
  const events = reporter.event;
  const began = performance.now();
  // Never through a link someone left at the temporary name.
  const fd = openSync(part, (state.ranges.some((r) => r.done > r.start) ? constants.O_RDWR : constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC) | constants.O_NOFOLLOW, 0o666);
  const save = () => saveState(sidecarNew, sidecar, state);
  save(); // before any byte lands in the .part: without a sidecar it would pass for a plain prefix
  const already = state.ranges.reduce((sum, r) => sum + (r.done - r.start), 0);
  progress.start(size, already);
  events?.({ event: 'start', file: remote, size, mode: 'get' });
  const tick = events ? throttledProgress(events, remote, already) : undefined;
  let moved = 0;
  const timer = setInterval(() => {
    try {
      save();
    } catch {
      // the next save, or the last one, will tell
    }
  }, SAVE_MS);
  timer.unref();
  let ok = false;
  try {
    const results = await Promise.allSettled(state.ranges.filter((r) => r.done < r.end).map((r) => fetchRange(open, s, reporter, remote, fd, r, (n) => {
      moved += n;
      progress.add(n);
      tick?.(moved);
    })));
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
    if (failures.length) {
      // Ctrl-C (or a full disk) says more than the ranges it cut short.
      const failed = failures.find((e) => e instanceof FtpError && e.kind === 'aborted') ?? failures.find((e) => isFileSystemError(e)) ?? failures[0];
      if (isFileSystemError(failed) && failed.path === undefined) failed.path = part;
      events?.({ event: 'error', file: remote, error: failed });
      throw failed;
    }
    ok = true;
  } finally {
    clearInterval(timer);
    try {
      save();
    } catch {
      // a full disk: the sidecar on disk is an older, smaller account, still true
    }
    closeSync(fd);
    progress.finish(ok);
  }
  // Wrong bytes are worth nothing, not even to -c: the .part and its sidecar go.
  const discard = async () => {
    await unlink(part).catch(() => {});
    await unlink(sidecar).catch(() => {});
  };
  const digest = s.sha256 || s.digest ? await digestFile(part) : undefined;
  if (s.sha256 && digest !== s.sha256.toLowerCase()) {
    await discard();
    throw new ChecksumError(`${local}: SHA-256 ${digest} does not match the expected ${s.sha256}`);
  }
  if (s.verify) {
    const checked = { name: local, digest: (algorithm: string) => (algorithm === 'sha256' && digest ? Promise.resolve(digest) : digestFile(part, algorithm)), discard };
    const session = await open();
    let ok = false;
    try {
      await verifyWithServer(session.client, remote, checked, reporter.notice);
      ok = true;
    } finally {
      await session.end(ok);
    }
  }
  await rename(part, local);
  await unlink(sidecar).catch(() => {});
  if (s.preserve && mdtm) {
    const when = parseMdtm(mdtm);
    await utimes(local, when, when);
  }
  events?.({ event: 'done', file: remote, bytes: moved, seconds: seconds(began), ...(digest ? { sha256: digest } : {}) });
  events?.({ event: 'summary', files: 1, ok: 1, failed: 0, skipped: 0, bytes: moved, seconds: seconds(began) });
}

/** n equal ranges; `prefix` bytes at the start are already on disk. */
function plan(size: number, mdtm: string | undefined, n: number, prefix: number): SegmentState {
  const step = Math.ceil(size / n);
  const ranges: Range[] = [];
  for (let start = 0; start < size; start += step) {
    const end = Math.min(size, start + step);
    ranges.push({ start, end, done: Math.min(end, Math.max(start, prefix)) });
  }
  return { size, mdtm, ranges };
}

/**
 * With -c and no sidecar: a .part left by a one-connection run is a prefix.
 * One with a sidecar we cannot read came from a segmented run and has holes:
 * it counts for nothing.
 */
function plainPrefix(part: string, sidecar: string, size: number): number {
  if (lstatSync(sidecar, { throwIfNoEntry: false })) return 0;
  const s = lstatSync(part, { throwIfNoEntry: false });
  return s?.isFile() ? Math.min(size, s.size) : 0;
}

/** The saved state, if it belongs to this very file (same size and time) and the .part is there; else undefined. */
function loadState(path: string, part: string, size: number, mdtm: string | undefined): SegmentState | undefined {
  try {
    if (!lstatSync(part).isFile()) return undefined;
    const state = JSON.parse(readFileSync(path, 'utf8')) as SegmentState;
    const sane = state.size === size && state.mdtm === mdtm && Array.isArray(state.ranges) && state.ranges.every((r) => r.start <= r.done && r.done <= r.end && r.end <= size);
    return sane ? state : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the sidecar whole or not at all: a new file renamed over the old one. */
function saveState(fresh: string, path: string, state: SegmentState): void {
  writeFileSync(fresh, JSON.stringify(state), { flag: 'w' });
  renameSync(fresh, path);
}

/** Fetches one range on a connection of its own, resuming from what it already has on disk at each retry. */
async function fetchRange(open: OpenSession, s: SegmentSettings, reporter: JobReporter, remote: string, fd: number, range: Range, onBytes: (n: number) => void): Promise<void> {
  const onRetry = (attempt: number, delay: number, err: Error) => reporter.notice?.(`${err.message}; retrying in ${delay} s (${attempt}/${s.retries})`);
  await withRetries({ ...s, onRetry }, async () => {
    const session = await open();
    try {
      await session.client.read(remote, { fd, position: range.done }, {
        rest: range.done,
        length: range.end - range.done,
        onBytes,
        onWritten: (n) => (range.done += n), // only bytes on disk count: the sidecar never claims more
        signal: s.signal,
      });
    } finally {
      // A range cut short ends its control connection (see TransferOptions.length).
      await session.end(false);
    }
  });
}
