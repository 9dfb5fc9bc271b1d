import { open, stat, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import type { FileSource } from '../../core/file-io.js';
import type { Io } from '../io.js';
import type { TransferFlags } from '../options.js';
import { LocalError, UsageError } from '../exit-codes.js';
import { checkRemoteName, parseTarget, type Target } from '../target.js';
import { withSession } from '../session.js';
import { createProgress } from '../progress.js';
import { withRetries } from '../retry.js';
import type { FtpClient } from '../../core/client.js';

/** tftp put <host|url> <local> [remote] */
export async function put(io: Io, targetArg: string, local: string, remoteArg: string | undefined, opts: TransferFlags): Promise<void> {
  const target = parseTarget(targetArg);
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

  let localSize = 0;
  let file: FileHandle | undefined;
  if (!fromStdin) {
    const s = await stat(local);
    if (s.isDirectory()) throw new LocalError(`${local}: is a directory`);
    localSize = s.size;
    file = await open(local, 'r'); // fails now, before connecting, if unreadable
  }
  try {
    await upload(io, target, opts, { local, remotePath: remote, file, localSize });
  } finally {
    await file?.close();
  }
}

interface Upload {
  local: string;
  remotePath: string;
  /** The open local file; undefined for stdin. */
  file: FileHandle | undefined;
  localSize: number;
}

async function upload(io: Io, target: Target, opts: TransferFlags, up: Upload): Promise<void> {
  // Stdin cannot be read twice: only a file is retried.
  const retries = up.file ? opts.retries : 0;
  await withRetries(io, { ...opts, retries }, (attempt) => withSession(io, target, opts, (client) => uploadOnce(io, client, opts, up, attempt)));
}

async function uploadOnce(io: Io, client: FtpClient, opts: TransferFlags, { local, remotePath, file, localSize }: Upload, attempt: number): Promise<void> {
  await client.type('I');
  let offset = opts.rest ?? 0;
  // A retry goes on from what the server already has, like -c.
  if (opts.continue || (attempt > 0 && !opts.ascii)) {
    const remoteSize = await client.size(remotePath);
    offset = remoteSize ?? 0;
    if (remoteSize !== undefined && offset === localSize) {
      if (!opts.quiet) io.stderr.write(`${remotePath} is already complete on the server (${offset} bytes)\n`);
      return;
    }
    if (offset > localSize) throw new LocalError(`the remote ${remotePath} (${offset} bytes) is larger than ${local} (${localSize} bytes): not resuming`);
  }
  if (offset > localSize) throw new LocalError(`${local} has ${localSize} bytes, fewer than the --rest offset ${offset}`);
  if (opts.ascii) await client.type('A');

  const source: Readable | FileSource = file ? { fd: file.fd, position: offset } : io.stdin;
  const progress = await createProgress(io, { name: remotePath, verb: 'uploaded', quiet: !!opts.quiet, bar: opts.progress });
  try {
    await client.store(`STOR ${remotePath}`, source, {
      rest: opts.rest !== undefined || offset > 0 ? offset : undefined,
      onStart: () => progress.start(file ? localSize : undefined, offset),
      onBytes: (n) => progress.add(n),
      signal: io.signal,
    });
  } catch (err) {
    progress.finish(false);
    throw err;
  }
  progress.finish(true);
}
