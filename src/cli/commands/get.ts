import type { Io } from '../io.js';
import { UsageError } from '../exit-codes.js';
import { checkRemoteName, parseTarget, type Target } from '../target.js';
import { createProgress } from '../progress.js';
import { sessionOpener, withSession } from '../session.js';
import { finishBatch, reporter } from '../events.js';
import { runBatch } from '../../core/jobs/batch.js';
import { downloadFile, localFor, type Download, type Seen } from '../../core/jobs/download.js';
import { downloadSettings, type GetFlags } from '../settings.js';
import { hasGlob } from '../../core/jobs/download-tree.js';

/** tftp get <host|url> [remote] [local] */
export async function get(io: Io, targetArg: string, arg1: string | undefined, arg2: string | undefined, opts: GetFlags): Promise<void> {
  const target = parseTarget(targetArg);
  [arg1, arg2] = curlOutput(target, arg1, arg2, opts);
  if (opts.recursive || hasGlob(target.isUrl ? (target.path ?? '') : (arg1 ?? ''))) {
    const { getTree } = await import('./get-tree.js');
    return getTree(io, target, arg1, arg2, opts);
  }
  const download = planDownload(io, target, arg1, arg2, opts);
  if (opts.sha256 && download.stream) throw new UsageError('--sha256 needs a local file: stdout cannot be taken back');
  if (opts.dryRun) {
    io.stdout.write(opts.json ? JSON.stringify({ event: 'plan', file: download.remotePath, local: download.localPath }) + '\n' : `${download.remotePath} -> ${download.localPath}\n`);
    return;
  }
  if (opts.segments && opts.segments > 1 && (await trySegments(io, target, download, opts))) return;
  if (opts.json && download.stream) throw new UsageError('--json writes events on stdout: give a local file name');
  const settings = downloadSettings(io, opts);
  const report = reporter(io, opts);
  const seen: Seen = { written: 0 };
  const outcome = await runBatch(sessionOpener(io, target, opts), [{ name: download.remotePath, run: (client, attempt, progress) => downloadFile(client, download, settings, attempt, seen, progress, report) }], {
    parallel: 1,
    retries: opts.retries,
    retryDelay: opts.retryDelay,
    signal: io.signal,
    reporter: report,
    progressFor: () => createProgress(io, { name: download.remotePath, verb: 'downloaded', quiet: !!opts.quiet || !!opts.json, bar: opts.progress }),
  });
  await finishBatch(io, outcome, !!opts.json);
}

/** -o FILE is the [local] argument, and -O says to keep the remote name (the default): neither with a local argument. */
function curlOutput(target: Target, arg1: string | undefined, arg2: string | undefined, opts: GetFlags): [string | undefined, string | undefined] {
  const local = target.isUrl ? arg1 : arg2;
  if (opts.remoteName && (opts.output !== undefined || local !== undefined)) throw new UsageError('-O keeps the remote name: it cannot be combined with -o or a local name');
  if (opts.output === undefined) return [arg1, arg2];
  if (local !== undefined) throw new UsageError('-o names the local file: give it either with -o or as an argument');
  return target.isUrl ? [opts.output, arg2] : [arg1, opts.output];
}

function planDownload(io: Io, target: Target, arg1: string | undefined, arg2: string | undefined, opts: GetFlags): Download {
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
  if (opts.ascii && (opts.rest !== undefined || opts.continue)) {
    throw new UsageError('--rest and --continue need a binary transfer (ASCII offsets differ between client and server)');
  }
  if (local === '-' && opts.continue) throw new UsageError('--continue needs a local file, not stdout');
  const where = localFor(remote, local);
  return { remotePath: remote, ...where, ...(where.localPath === '-' ? { stream: io.stdout } : {}) };
}

/**
 * --segments: only for a binary download to a file, from a server that
 * offers REST STREAM and tells the SIZE. Returns false to fall back to one connection.
 */
async function trySegments(io: Io, target: Target, d: Download, opts: GetFlags): Promise<boolean> {
  if (d.stream || d.direct || opts.ascii || opts.rest !== undefined) throw new UsageError('--segments needs a binary download to a local file, without --rest');
  const { rangesOffered, segmentedDownload } = await import('../../core/jobs/segments.js');
  const ranges = await withSession(io, target, opts, (client) => rangesOffered(client, d.remotePath));
  const report = reporter(io, opts);
  if (!ranges) {
    report.notice?.('--segments needs REST STREAM and SIZE from the server: downloading over one connection');
    return false;
  }
  const progress = await createProgress(io, { name: d.remotePath, verb: 'downloaded', quiet: !!opts.quiet || !!opts.json, bar: opts.progress });
  await segmentedDownload(sessionOpener(io, target, opts), d.remotePath, d.localPath, ranges.size, ranges.mdtm, { ...downloadSettings(io, opts), segments: opts.segments! }, progress, report);
  return true;
}
