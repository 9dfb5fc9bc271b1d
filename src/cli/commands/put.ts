import { closeSync } from 'node:fs';
import { basename } from 'node:path';
import type { Io } from '../io.js';
import { UsageError } from '../exit-codes.js';
import { checkRemoteName, parseTarget, type Target } from '../target.js';
import { createProgress } from '../progress.js';
import { sessionOpener } from '../session.js';
import { finishBatch, reporter } from '../events.js';
import { runBatch } from '../../core/jobs/batch.js';
import { firstBytes, uploadFile, type Upload } from '../../core/jobs/upload.js';
import { checkPutFlags, uploadSettings, type PutFlags } from '../settings.js';
import { openSource } from '../../core/local/special-files.js';

/** tftp put <host|url> <local> [remote], or tftp put -T <local> <host|url> [remote] */
export async function put(io: Io, targetArg: string, localArg: string | undefined, remoteArg: string | undefined, opts: PutFlags): Promise<void> {
  const target = parseTarget(targetArg);
  // -T FILE (curl) names the local file: the argument after the host is then the remote name.
  if (opts.uploadFile !== undefined && remoteArg !== undefined) throw new UsageError('too many arguments: with -T, give the host (or URL) and at most the remote name');
  const local = opts.uploadFile ?? localArg;
  if (opts.uploadFile !== undefined) remoteArg = localArg;
  if (local === undefined) throw new UsageError('missing the local file to put (or -T FILE)');
  checkPutFlags(opts);
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
    await firstBytes(io.stdin, io.signal);
    return upload(io, target, opts, { local, remotePath: remote, stream: io.stdin, localSize: 0 });
  }
  const opened = openSource(local); // fails now, before connecting, if unreadable
  if ('stream' in opened) {
    try {
      if (opts.rest !== undefined || opts.continue) throw new UsageError(`--rest and --continue need a regular file: ${local} cannot be read at an offset`);
      await firstBytes(opened.stream, io.signal);
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

async function upload(io: Io, target: Target, opts: PutFlags, up: Upload): Promise<void> {
  const settings = uploadSettings(io, opts);
  const report = reporter(io, opts);
  const outcome = await runBatch(sessionOpener(io, target, opts), [{ name: up.remotePath, run: (client, attempt, progress) => uploadFile(client, up, settings, attempt, progress, report) }], {
    parallel: 1,
    // A stream cannot be read twice: only a file is retried.
    retries: up.fd !== undefined ? opts.retries : 0,
    retryDelay: opts.retryDelay,
    signal: io.signal,
    reporter: report,
    progressFor: () => createProgress(io, { name: up.remotePath, verb: 'uploaded', quiet: !!opts.quiet || !!opts.json, bar: opts.progress }),
  });
  await finishBatch(io, outcome, !!opts.json);
}
