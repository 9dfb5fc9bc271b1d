import { mkdir } from 'node:fs/promises';
import { FtpError } from '../../protocol/errors.js';
import type { Io } from '../io.js';
import { UsageError } from '../exit-codes.js';
import { checkRemoteName, type Target } from '../target.js';
import { openSession } from '../session.js';
import { PartialFailure, runBatch, type BatchItem } from '../batch.js';
import { createOverallProgress } from '../progress.js';
import { ndjson, reportSkip, type EventSink } from '../events.js';
import { printable } from '../text.js';
import { makePlan, type Plan, type PlannedFile } from '../tree-plan.js';
import { downloadOnce, hasGlob, type GetFlags, type Seen } from './get.js';
/** tftp get -r <host|url> <remote-dir> [local-dir], and get with a wildcard ('dir/*.iso'). */
export async function getTree(io: Io, target: Target, arg1: string | undefined, arg2: string | undefined, opts: GetFlags): Promise<void> {
  const [remoteArg, localArg] = target.isUrl ? [target.path ?? '', arg1] : [arg1, arg2];
  if (target.isUrl && arg2 !== undefined) throw new UsageError('too many arguments: the URL already names the remote folder');
  if (remoteArg === undefined) throw new UsageError('missing the remote folder to get');
  checkRemoteName(remoteArg, 'remote path');
  if (opts.rest !== undefined) throw new UsageError('--rest applies to one file; use -c to resume a folder');
  if (localArg === '-') throw new UsageError('a folder cannot be written to stdout');
  if (opts.sha256) throw new UsageError('--sha256 checks one file; use --verify or --json (which reports each SHA-256) for many');
  const slash = remoteArg.lastIndexOf('/');
  const glob = hasGlob(remoteArg) ? globToRegExp(remoteArg.slice(slash + 1)) : undefined;
  const start = glob ? remoteArg.slice(0, Math.max(slash, 0)) : remoteArg.replace(/\/+$/, '');
  // Like lftp's mirror: `get -r host pub/data` makes ./data; a wildcard fills the current folder.
  const last = start.split('/').pop();
  if (localArg === undefined && !glob && last === '..') throw new UsageError(`cannot name a local folder after ${JSON.stringify(remoteArg)}: give one`);
  const localRoot = localArg ?? (glob ? '.' : last || '.');
  const events = opts.json ? ndjson(io) : undefined;

  // The session that lists goes on to download: one login fewer.
  const session = await openSession(io, target, opts);
  let plan: Plan;
  try {
    plan = await makePlan(session.client, start, localRoot, { recursive: !!opts.recursive, followLinks: !!opts.followLinks, match: glob }, io.signal);
  } catch (err) {
    await session.end(false);
    throw err;
  }
  if (opts.dryRun || plan.files.length === 0) await session.end(true);
  for (const p of plan.skipped) reportSkip(io, events, p.name, p.reason);
  if (glob && plan.entries === 0) throw new FtpError('permanent', `no remote file matches ${remoteArg}`);
  // Entries there were, and none of them will be downloaded: that is no success.
  if (plan.files.length === 0 && plan.failed.length === 0 && plan.skipped.length > 0) {
    throw new FtpError('permanent', `nothing to download: all ${plan.skipped.length} entries of ${remoteArg || '.'} were left out (listed above)`);
  }
  if (opts.dryRun) {
    for (const f of plan.failed) reportSkip(io, events, f.name, f.err.message);
    for (const f of plan.files) io.stdout.write(opts.json ? JSON.stringify({ event: 'plan', file: f.remote, local: f.local, size: f.size ?? null }) + '\n' : `${printable(f.remote)} -> ${printable(f.local)}\n`);
    if (plan.failed.length) throw plan.failed.length === 1 ? plan.failed[0]!.err : new PartialFailure(`${plan.failed.length} entries cannot be downloaded (listed above)`);
    return;
  }
  try {
    for (const folder of plan.folders) await mkdir(folder, { recursive: true });
  } catch (err) {
    await session.end(false);
    throw err;
  }

  const total = plan.files.every((f) => f.size !== undefined) ? plan.files.reduce((sum, f) => sum + f.size!, 0) : undefined;
  const progress = await createOverallProgress(io, { name: `${plan.files.length} files`, verb: 'downloaded', quiet: !!opts.quiet || !!events, bar: opts.progress, totalBytes: total, files: plan.files.length });
  const items = plan.files.map((f) => fileItem(io, f, opts, events));
  let ok = false;
  try {
    await runBatch(io, target, opts, items, { parallel: opts.parallel ?? 4, events, session: plan.files.length ? session : undefined, failed: plan.failed, progressFor: async (item) => progress.item(item.name) });
    ok = true;
  } finally {
    progress.finish(ok);
  }
}

/**
 * Sending the next file's RETR ahead spares the server our turnaround between
 * two files: worth it for small files only, and a big one's checksum (--json)
 * could outlast the server's wait for the next data connection.
 */
const SEND_AHEAD_MAX_BYTES = 8 * 1024 * 1024;

function fileItem(io: Io, f: PlannedFile, opts: GetFlags, events: EventSink | undefined): BatchItem {
  const seen: Seen = { written: 0 };
  const download = { remotePath: f.remote, localPath: f.local, partPath: f.part, toStdout: false, listedSize: f.size, listedModified: f.modified };
  // RETR is its first command unless SIZE (no listed size), MDTM (--retries), TYPE A or a resume (-c) come first.
  const firstCommand = f.size !== undefined && opts.retries === 0 && !opts.ascii && !opts.continue ? `RETR ${f.remote}` : undefined;
  // The next RETR may follow this one's 226 at once unless --verify or -p have commands of their own to send.
  const sendsAhead = !opts.verify && !opts.preserve && f.size !== undefined && f.size <= SEND_AHEAD_MAX_BYTES;
  return {
    name: f.remote,
    size: f.size,
    firstCommand,
    run: (client, attempt, progress, next) => downloadOnce(io, client, download, { ...opts, quiet: true }, attempt, seen, progress, events, sendsAhead && attempt === 0 ? next : undefined),
  };
}

/** A shell wildcard (*, ?, [abc]) for one name, as a whole-name RegExp. */
function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 1);
      if (close === -1) re += '\\[';
      else {
        re += `[${glob.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}
