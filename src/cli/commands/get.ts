import { lstatSync, statSync } from 'node:fs';
import { utimes } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Writable } from 'node:stream';
import { parseMdtm } from '../../protocol/parse.js';
import type { FtpClient } from '../../core/client.js';
import { isFileTarget, type FileTarget } from '../../core/file-io.js';
import type { Io } from '../io.js';
import type { TransferFlags } from '../options.js';
import { UsageError } from '../exit-codes.js';
import { checkRemoteName, parseTarget, type Target } from '../target.js';
import { defaultLocalName, openPartFile, userDestination, type PartFile } from '../local-file.js';
import { createProgress, type Progress } from '../progress.js';
import { withSession } from '../session.js';
import { FinalError } from '../retry.js';
import { runBatch, type BatchItem } from '../batch.js';
import { ndjson, throttledProgress, type EventSink } from '../events.js';
import { ChecksumError, isFsError } from '../exit-codes.js';
import { verifyWithServer } from '../verify.js';
import { tempPath } from '../part-name.js';

export interface GetFlags extends TransferFlags {
  recursive?: boolean;
  parallel?: number;
  dryRun?: boolean;
  followLinks?: boolean;
  json?: boolean;
  sha256?: string;
  segments?: number;
  verify?: boolean;
}

export interface Download {
  remotePath: string;
  /** A local path, or '-' for stdout. */
  localPath: string;
  toStdout: boolean;
  /** The size a listing gave, for servers whose SIZE says nothing. */
  listedSize?: number | undefined;
  /** The modification time a listing gave (ISO 8601): -c re-fetches a same-size local file older than it. */
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
  /** Bytes already written to stdout, which a retry must not repeat. */
  written: number;
}

/** tftp get <host|url> [remote] [local] */
export async function get(io: Io, targetArg: string, arg1: string | undefined, arg2: string | undefined, opts: GetFlags): Promise<void> {
  const target = parseTarget(targetArg);
  if (opts.recursive || hasGlob(target.isUrl ? (target.path ?? '') : (arg1 ?? ''))) {
    const { getTree } = await import('./get-tree.js');
    return getTree(io, target, arg1, arg2, opts);
  }
  const download = planDownload(target, arg1, arg2, opts);
  if (opts.sha256 && download.toStdout) throw new UsageError('--sha256 needs a local file: stdout cannot be taken back');
  if (opts.dryRun) {
    io.stdout.write(opts.json ? JSON.stringify({ event: 'plan', file: download.remotePath, local: download.localPath }) + '\n' : `${download.remotePath} -> ${download.localPath}\n`);
    return;
  }
  if (opts.segments && opts.segments > 1 && (await trySegments(io, target, download, opts))) return;
  if (opts.json && download.toStdout) throw new UsageError('--json writes events on stdout: give a local file name');
  const events = opts.json ? ndjson(io) : undefined;
  const seen: Seen = { written: 0 };
  const item: BatchItem = {
    name: download.remotePath,
    run: (client, attempt, progress) => downloadOnce(io, client, download, opts, attempt, seen, progress, events),
  };
  await runBatch(io, target, opts, [item], {
    parallel: 1,
    events,
    progressFor: () => createProgress(io, { name: download.remotePath, verb: 'downloaded', quiet: !!opts.quiet || !!opts.json, bar: opts.progress }),
  });
}

function planDownload(target: Target, arg1: string | undefined, arg2: string | undefined, opts: GetFlags): Download {
  let remote: string | undefined;
  let local: string | undefined;
  if (target.isUrl) {
    if (arg2 !== undefined) throw new UsageError('too many arguments: the URL already names the remote file');
    remote = target.path;
    local = arg1;
    if (!remote) throw new UsageError('the URL names no remote file');
  } else {
    remote = arg1;
    local = arg2;
    if (!remote) throw new UsageError('missing the remote file to get');
  }
  checkRemoteName(remote, 'remote path');
  // An existing folder as the local name: the file keeps its remote name inside it.
  if (local !== undefined && local !== '-' && statSync(local, { throwIfNoEntry: false })?.isDirectory()) {
    const name = defaultLocalName(remote);
    if (!name) throw new UsageError(`cannot name a local file after ${JSON.stringify(remote)}: give one`);
    local = join(local, name);
  }
  local ??= defaultLocalName(remote);
  if (!local) throw new UsageError(`cannot name a local file after ${JSON.stringify(remote)}: give one`);
  const toStdout = local === '-';
  if (opts.ascii && (opts.rest !== undefined || opts.continue)) {
    throw new UsageError('--rest and --continue need a binary transfer (ASCII offsets differ between client and server)');
  }
  if (toStdout && opts.continue) throw new UsageError('--continue needs a local file, not stdout');
  if (toStdout) return { remotePath: remote, localPath: local, toStdout };
  const dest = userDestination(local);
  return { remotePath: remote, localPath: dest.path, toStdout, direct: dest.direct };
}

/** One attempt at one file; also used for every file of a recursive get. */
export async function downloadOnce(
  io: Io,
  client: FtpClient,
  d: Download,
  opts: GetFlags,
  attempt: number,
  seen: Seen,
  progress: Progress,
  events: EventSink | undefined,
  /** Says the next file's RETR, to send once this one is complete (see TransferOptions.next). */
  next?: () => string | undefined,
): Promise<{ bytes: number; skipped?: string }> {
  await client.type('I'); // SIZE in ASCII mode is refused or wrong on some servers
  // A listed size saves a SIZE round trip per file in a tree.
  const remoteSize = d.listedSize ?? (await client.size(d.remotePath));
  const mdtm = opts.retries > 0 ? await client.mdtm(d.remotePath) : undefined;
  const changed = attempt > 0 && (remoteSize !== seen.size || mdtm !== seen.mdtm);
  if (attempt === 0 || changed) Object.assign(seen, { size: remoteSize, mdtm });
  if (opts.ascii) await client.type('A');
  // ASCII offsets differ between the two ends, so an ASCII retry starts over.
  const restart = attempt > 0 && (changed || !!opts.ascii);
  if (d.toStdout && restart && seen.written > 0) {
    const why = changed ? `${d.remotePath} changed on the server` : 'an ASCII transfer cannot resume';
    throw new FinalError('transfer', `${why}; ${seen.written} bytes were already written to stdout`);
  }

  let sink: Writable | FileTarget = io.stdout;
  let offset = (opts.rest ?? 0) + seen.written;
  let part: PartFile | undefined;
  if (!d.toStdout) {
    const opened = await openPartFile(d.localPath, {
      rest: opts.rest,
      continue: opts.continue,
      remoteSize: opts.ascii ? undefined : remoteSize,
      remoteModified: d.listedModified ? new Date(d.listedModified) : undefined,
      retry: attempt > 0,
      restart,
      part: d.partPath ?? (d.direct ? undefined : await ownTempPath(client, d)),
      direct: d.direct,
      signal: io.signal,
    });
    if (opened === 'complete') {
      const reason = `already complete (${remoteSize} bytes)`;
      if (events) events({ event: 'skip', file: d.remotePath, reason });
      else if (!opts.quiet) io.stderr.write(`${d.localPath} is ${reason}\n`);
      return { bytes: 0, skipped: reason };
    }
    part = opened;
    sink = part.target;
    offset = part.offset;
  }
  const resume = opts.rest !== undefined || offset > 0;
  let received = 0;
  let written = 0;
  const began = performance.now();
  const tick = events ? throttledProgress(events, d.remotePath, offset) : undefined;
  try {
    await client.retrieve(`RETR ${d.remotePath}`, sink, {
      rest: resume ? offset : undefined,
      expectedBytes: remoteSize !== undefined && !opts.ascii ? remoteSize - offset : undefined,
      onStart: (announced) => {
        const total = remoteSize ?? (announced !== undefined && !resume ? announced : undefined);
        events?.({ event: 'start', file: d.remotePath, size: total ?? null, mode: 'get' });
        progress.start(total, offset);
      },
      onBytes: (n) => {
        received += n;
        progress.add(n);
        tick?.(received);
      },
      onWritten: (n) => (written += n),
      signal: io.signal,
      keepOpen: d.toStdout,
      next,
    });
  } catch (err) {
    progress.finish(false);
    if (d.toStdout) seen.written += received;
    if (part) {
      await part.abandon(written);
      // A write error names the descriptor, not the file: say which file the disk refused.
      if (isFsError(err) && err.path === undefined) err.path = part.path;
    }
    throw err;
  }
  const sha256 = part && isFileTarget(part.target) && (opts.sha256 || events) ? await part.sha256() : undefined;
  if (part && opts.sha256 && sha256 !== opts.sha256.toLowerCase()) {
    await part.discard(); // wrong bytes are worth nothing, not even to -c
    progress.finish(false);
    throw new ChecksumError(`${d.localPath}: SHA-256 ${sha256} does not match the expected ${opts.sha256}`);
  }
  if (part && opts.verify) {
    const digest = (algorithm: string) => (algorithm === 'sha256' && sha256 ? Promise.resolve(sha256) : part.digest(algorithm));
    await verifyWithServer(io, client, d.remotePath, { name: d.localPath, digest, discard: () => part.discard() }, !!opts.quiet);
  }
  // After --rest the .part may hold old bytes past the new end: cut them.
  if (part) await part.commit(opts.rest !== undefined && !opts.ascii ? offset + received : undefined);
  if (part && opts.preserve) await preserveTime(client, d);
  progress.finish(true);
  events?.({ event: 'done', file: d.remotePath, bytes: received, seconds: Math.round(performance.now() - began) / 1000, ...(sha256 ? { sha256 } : {}) });
  return { bytes: received };
}

/**
 * The temporary file of a single download. `<local>.part` may already exist
 * as a file in its own right: one that `get -r` brought from a server folder
 * holding both `x.iso` and `x.iso.part`. When the server has a file of that
 * name beside the one we get, the local one is taken to be that file and
 * left alone; the download uses the name `get -r` would have chosen instead.
 * One SIZE, and only when such a local file exists.
 */
async function ownTempPath(client: FtpClient, d: Download): Promise<string> {
  const plain = await tempPath(d.localPath);
  if (!lstatSync(plain, { throwIfNoEntry: false })?.isFile()) return plain;
  const slash = d.remotePath.lastIndexOf('/');
  const sibling = d.remotePath.slice(0, slash + 1) + basename(plain);
  if ((await client.size(sibling)) === undefined) return plain;
  return tempPath(d.localPath, '.part', new Set([basename(plain)]));
}

/**
 * --segments: only for a binary download to a file, from a server that
 * offers REST STREAM and tells the SIZE. Returns false to fall back to one connection.
 */
async function trySegments(io: Io, target: Target, d: Download, opts: GetFlags): Promise<boolean> {
  if (d.toStdout || d.direct || opts.ascii || opts.rest !== undefined) throw new UsageError('--segments needs a binary download to a local file, without --rest');
  const probe = await withSession(io, target, opts, async (client) => {
    await client.type('I');
    const restStream = await client.hasFeature('REST STREAM');
    const size = await client.size(d.remotePath);
    return { size: restStream ? size : undefined, mdtm: restStream && size ? await client.mdtm(d.remotePath) : undefined };
  });
  if (probe.size === undefined || probe.size === 0) {
    if (!opts.quiet) io.stderr.write('tftp: --segments needs REST STREAM and SIZE from the server: downloading over one connection\n');
    return false;
  }
  const { segmentedGet } = await import('../segments.js');
  await segmentedGet(io, target, d.remotePath, d.localPath, probe.size, probe.mdtm, { ...opts, segments: opts.segments! });
  return true;
}

/** -p: the local file takes the remote modification time, when the server gives one. */
async function preserveTime(client: FtpClient, d: Download): Promise<void> {
  const mdtm = await client.mdtm(d.remotePath);
  if (mdtm === undefined) return;
  const when = parseMdtm(mdtm);
  await utimes(d.localPath, when, when);
}

/** Wildcards in a remote path make get a multi-file transfer. */
export function hasGlob(path: string): boolean {
  return /[*?[]/.test(path);
}
