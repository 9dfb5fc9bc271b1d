import { open, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { parseMdtm } from '../protocol/parse.js';
import { ndjson, throttledProgress } from './events.js';
import { FileWriter, LocalFileError } from '../core/file-io.js';
import { FtpError } from '../protocol/errors.js';
import type { Io } from './io.js';
import type { Target } from './target.js';
import { openSession, withSession } from './session.js';
import { verifyWithServer } from './verify.js';
import { withRetries } from './retry.js';
import { createProgress } from './progress.js';
import type { GetFlags } from './commands/get.js';
import { digestFile } from './local-file.js';
import { ChecksumError, exitCodeFor } from './exit-codes.js';

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
 * with REST, written in place into `<local>.part`; `<local>.part.segments`
 * records progress so a failed run resumes with -c (or --retries); the .part
 * becomes `<local>` only when every byte is there.
 */
export async function segmentedGet(io: Io, target: Target, remote: string, local: string, size: number, mdtm: string | undefined, opts: GetFlags & { segments: number }): Promise<void> {
  const part = `${local}.part`;
  const sidecar = `${part}.segments`;
  // With -c: the sidecar of an earlier segmented run, or else a plain .part, which is a prefix.
  const prefix = opts.continue ? Math.min(size, (await stat(part).catch(() => undefined))?.size ?? 0) : 0;
  const state = (opts.continue && (await loadState(sidecar, size, mdtm))) || plan(size, mdtm, opts.segments, prefix);
  const events = opts.json ? ndjson(io) : undefined;
  const began = performance.now();
  const handle = await open(part, state.ranges.some((r) => r.done > r.start) ? 'r+' : 'w');
  const save = () => writeFile(sidecar, JSON.stringify(state));
  await save();
  const progress = await createProgress(io, { name: remote, verb: 'downloaded', quiet: !!opts.quiet || !!events, bar: opts.progress });
  const already = state.ranges.reduce((sum, r) => sum + (r.done - r.start), 0);
  progress.start(size, already);
  events?.({ event: 'start', file: remote, size, mode: 'get' });
  const tick = events ? throttledProgress(events, remote, already) : undefined;
  let moved = 0;
  const timer = setInterval(() => void save().catch(() => {}), SAVE_MS);
  timer.unref();
  let ok = false;
  try {
    const results = await Promise.allSettled(state.ranges.filter((r) => r.done < r.end).map((r) => fetchRange(io, target, opts, remote, handle.fd, r, (n) => {
      moved += n;
      progress.add(n);
      tick?.(moved);
    })));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      events?.({ event: 'error', file: remote, code: exitCodeFor(failed.reason), message: (failed.reason as Error).message });
      throw failed.reason;
    }
    ok = true;
  } finally {
    clearInterval(timer);
    await save().catch(() => {});
    await handle.close();
    progress.finish(ok);
  }
  // Wrong bytes are worth nothing, not even to -c: the .part and its sidecar go.
  const discard = async () => {
    await unlink(part).catch(() => {});
    await unlink(sidecar).catch(() => {});
  };
  const digest = opts.sha256 || events ? await digestFile(part) : undefined;
  if (opts.sha256 && digest !== opts.sha256.toLowerCase()) {
    await discard();
    throw new ChecksumError(`${local}: SHA-256 ${digest} does not match the expected ${opts.sha256}`);
  }
  if (opts.verify) {
    const checked = { name: local, digest: (algorithm: string) => (algorithm === 'sha256' && digest ? Promise.resolve(digest) : digestFile(part, algorithm)), discard };
    await withSession(io, target, opts, (client) => verifyWithServer(io, client, remote, checked, !!opts.quiet));
  }
  await rename(part, local);
  await unlink(sidecar).catch(() => {});
  if (opts.preserve && mdtm) {
    const when = parseMdtm(mdtm);
    await utimes(local, when, when);
  }
  events?.({ event: 'done', file: remote, bytes: moved, seconds: Math.round(performance.now() - began) / 1000, ...(digest ? { sha256: digest } : {}) });
  events?.({ event: 'summary', files: 1, ok: 1, failed: 0, skipped: 0, bytes: moved, seconds: Math.round(performance.now() - began) / 1000 });
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

/** The saved state, if it belongs to this very file (same size and time); else a fresh plan. */
async function loadState(path: string, size: number, mdtm: string | undefined): Promise<SegmentState | undefined> {
  try {
    const state = JSON.parse(await readFile(path, 'utf8')) as SegmentState;
    const sane = state.size === size && state.mdtm === mdtm && Array.isArray(state.ranges) && state.ranges.every((r) => r.start <= r.done && r.done <= r.end && r.end <= size);
    return sane ? state : undefined;
  } catch {
    return undefined;
  }
}

/** Fetches one range on a connection of its own, resuming from what it already has on each retry. */
async function fetchRange(io: Io, target: Target, opts: GetFlags, remote: string, fd: number, range: Range, onBytes: (n: number) => void): Promise<void> {
  await withRetries(io, opts, async () => {
    const session = await openSession(io, target, opts);
    const client = session.client;
    try {
      await client.type('I');
      const writer = new FileWriter({ fd, position: range.done }, (n) => {
        range.done += n;
        onBytes(n);
      }, undefined, range.end - range.done);
      const { socket, usesOnread } = await client.transfercmd(`RETR ${remote}`, range.done, writer.onread);
      await writer.run(socket, usesOnread).catch((err: Error) => {
        throw err instanceof LocalFileError ? err.cause : new FtpError('transfer', `data connection failed: ${err.message}`);
      });
      if (range.done < range.end) throw new FtpError('transfer', `range ${range.start}-${range.end}: data ended at byte ${range.done}`);
    } finally {
      // The server's reply to a RETR cut short is of no use: this connection is done.
      await session.end(false);
    }
  });
}
