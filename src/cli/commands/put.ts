import { closeSync, fstatSync } from 'node:fs';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import type { FileSource } from '../../core/file-io.js';
import type { Io } from '../io.js';
import type { TransferFlags } from '../options.js';
import { LocalError, UsageError } from '../exit-codes.js';
import { checkRemoteName, parseTarget, type Target } from '../target.js';
import { createProgress, type Progress } from '../progress.js';
import { runBatch, type BatchItem } from '../batch.js';
import { ndjson, throttledProgress, type EventSink } from '../events.js';
import type { FtpClient } from '../../core/client.js';
import { FtpError } from '../../protocol/errors.js';
import { openSource } from '../local-io.js';
import { fileSize } from '../../core/listing.js';

export interface PutFlags extends TransferFlags {
  recursive?: boolean;
  parallel?: number;
  dryRun?: boolean;
  json?: boolean;
}

/** tftp put <host|url> <local> [remote] */
export async function put(io: Io, targetArg: string, local: string, remoteArg: string | undefined, opts: PutFlags): Promise<void> {
  const target = parseTarget(targetArg);
  if (opts.recursive) {
    const { putTree } = await import('./put-tree.js');
    return putTree(io, target, local, remoteArg, opts);
  }
  const fromStdin = local === '-';
  let remote = remoteArg;
  if (target.isUrl && target.path !== undefined) {
    if (remoteArg !== undefined) throw new UsageError('too many arguments: the URL already names the remote file');
    remote = target.path;
    // A URL ending in / names a folder: the file keeps its local name there.
    if (remote === undefined || remote.endsWith('/')) remote = fromStdin ? undefined : (remote ?? '') + basename(local);
  }
  remote ??= fromStdin ? undefined : basename(local);
  if (!remote) throw new UsageError('uploading stdin needs a remote file name');
  if (fromStdin && opts.passwordStdin) throw new UsageError('--password-stdin cannot be used when uploading stdin');
  checkRemoteName(remote, 'remote path');
  if (opts.ascii && (opts.rest !== undefined || opts.continue)) {
    throw new UsageError('--rest and --continue need a binary transfer (ASCII offsets differ between client and server)');
  }
  if (fromStdin && (opts.rest !== undefined || opts.continue)) throw new UsageError('--rest and --continue need a local file, not stdin');

  if (opts.dryRun) {
    io.stdout.write(opts.json ? JSON.stringify({ event: 'plan', file: remote, local }) + '\n' : `${local} -> ${remote}\n`);
    return;
  }
  if (fromStdin) {
    await firstBytes(io, io.stdin);
    return upload(io, target, opts, { local, remotePath: remote, stream: io.stdin, localSize: 0 });
  }
  const opened = openSource(local); // fails now, before connecting, if unreadable
  if ('stream' in opened) {
    try {
      if (opts.rest !== undefined || opts.continue) throw new UsageError(`--rest and --continue need a regular file: ${local} cannot be read at an offset`);
      // Nothing goes to the server until the source has something to say: a
      // writer that never comes, or fails at once, leaves the remote file as it was.
      await firstBytes(io, opened.stream);
      await upload(io, target, opts, { local, remotePath: remote, stream: opened.stream, localSize: 0 });
    } finally {
      opened.close();
    }
    return;
  }
  try {
    await upload(io, target, opts, { local, remotePath: remote, fd: opened.fd, localSize: opened.size });
  } finally {
    closeSync(opened.fd);
  }
}

export interface Upload {
  local: string;
  remotePath: string;
  /** The open local file, read at offsets (resumable, retried). */
  fd?: number | undefined;
  /** Or a stream read once (stdin, a FIFO, `<(cmd)`): never retried or resumed. */
  stream?: Readable | undefined;
  localSize: number;
}

/** Waits until `stream` has data or has ended; Ctrl-C stops the wait. */
async function firstBytes(io: Io, stream: Readable): Promise<void> {
  const onAbort = () => stream.destroy(new FtpError('aborted', 'interrupted'));
  io.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (io.signal?.aborted) onAbort();
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
    io.signal?.removeEventListener('abort', onAbort);
  }
}

async function upload(io: Io, target: Target, opts: PutFlags, up: Upload): Promise<void> {
  // A stream cannot be read twice: only a file is retried.
  const retries = up.fd !== undefined ? opts.retries : 0;
  const events = opts.json ? ndjson(io) : undefined;
  const item: BatchItem = { name: up.remotePath, run: (client, attempt, progress) => uploadOnce(io, client, opts, up, attempt, progress, events) };
  await runBatch(io, target, { ...opts, retries }, [item], {
    parallel: 1,
    events,
    progressFor: () => createProgress(io, { name: up.remotePath, verb: 'uploaded', quiet: !!opts.quiet || !!events, bar: opts.progress }),
  });
}

/** One attempt at one file; also used for every file of a recursive put. */
export async function uploadOnce(
  io: Io,
  client: FtpClient,
  opts: PutFlags,
  { local, remotePath, fd, stream, localSize }: Upload,
  attempt: number,
  progress: Progress,
  events: EventSink | undefined,
): Promise<{ bytes: number; skipped?: string }> {
  await client.type('I');
  let offset = opts.rest ?? 0;
  // A retry goes on from what the server already has, like -c.
  if (opts.continue || (attempt > 0 && !opts.ascii)) {
    const remoteSize = await fileSize(client, remotePath);
    offset = remoteSize ?? 0;
    if (remoteSize !== undefined && offset === localSize) {
      const reason = `already complete on the server (${offset} bytes)`;
      if (events) events({ event: 'skip', file: remotePath, reason });
      else if (!opts.quiet) io.stderr.write(`${remotePath} is ${reason}\n`);
      return { bytes: 0, skipped: reason };
    }
    if (offset > localSize) throw new LocalError(`the remote ${remotePath} (${offset} bytes) is larger than ${local} (${localSize} bytes): not resuming`);
  }
  if (offset > localSize) throw new LocalError(`${local} has ${localSize} bytes, fewer than the --rest offset ${offset}`);
  if (opts.ascii) await client.type('A');

  const file = fd !== undefined;
  const source: Readable | FileSource = file ? { fd, position: offset } : stream!;
  const began = performance.now();
  const tick = events ? throttledProgress(events, remotePath, offset) : undefined;
  let sent = 0;
  let bytes: number;
  try {
    bytes = await client.store(`STOR ${remotePath}`, source, {
      rest: opts.rest !== undefined || offset > 0 ? offset : undefined,
      onStart: () => {
        events?.({ event: 'start', file: remotePath, size: file ? localSize : null, mode: 'put' });
        progress.start(file ? localSize : undefined, offset);
      },
      onBytes: (n) => {
        sent += n;
        progress.add(n);
        tick?.(sent);
      },
      signal: io.signal,
    });
  } catch (err) {
    progress.finish(false);
    throw err;
  }
  if (opts.preserve && file) {
    const { mtime } = fstatSync(fd);
    await client.setModified(remotePath, mtime).catch((err: unknown) => { if (!(err instanceof FtpError && err.code !== undefined)) throw err; }); // best effort, as -p promises: a refusal is fine
  }
  progress.finish(true);
  events?.({ event: 'done', file: remotePath, bytes, seconds: Math.round(performance.now() - began) / 1000 });
  return { bytes };
}
