import type { Io } from '../io.js';
import { PartialFailure, UsageError } from '../exit-codes.js';
import { checkRemoteName, type Target } from '../target.js';
import { openSession, sessionOpener } from '../session.js';
import { createOverallProgress } from '../progress.js';
import { finishBatch, reporter } from '../events.js';
import { printable } from '../text.js';
import { Batched } from '../batched.js';
import { downloadPlan, planTree, splitWildcard } from '../../core/jobs/download-tree.js';
import type { Plan } from '../../core/jobs/tree.js';
import { downloadSettings, type GetFlags } from '../settings.js';

/** tftp get -r <host|url> <remote-dir> [local-dir], and get with a wildcard ('dir/*.iso'). */
export async function getTree(io: Io, target: Target, arg1: string | undefined, arg2: string | undefined, opts: GetFlags): Promise<void> {
  const [remoteArg, localArg] = target.isUrl ? [target.path ?? '', arg1] : [arg1, arg2];
  if (target.isUrl && arg2 !== undefined) throw new UsageError('too many arguments: the URL already names the remote folder');
  if (remoteArg === undefined) throw new UsageError('missing the remote folder to get');
  checkRemoteName(remoteArg, 'remote path');
  if (opts.rest !== undefined) throw new UsageError('--rest applies to one file; use -c to resume a folder');
  if (localArg === '-') throw new UsageError('a folder cannot be written to stdout');
  if (opts.sha256) throw new UsageError('--sha256 checks one file; use --verify or --json (which reports each SHA-256) for many');
  const { folder, match } = splitWildcard(remoteArg);
  // Like lftp's mirror: `get -r host pub/data` makes ./data; a wildcard fills the current folder.
  const last = folder.split('/').pop();
  if (localArg === undefined && !match && last === '..') throw new UsageError(`cannot name a local folder after ${JSON.stringify(remoteArg)}: give one`);
  const localRoot = localArg ?? (match ? '.' : last || '.');
  const settings = { ...downloadSettings(io, opts), parallel: opts.parallel, recursive: opts.recursive, followLinks: opts.followLinks };
  const report = reporter(io, opts);

  // The session that lists goes on to download: one login fewer.
  const session = await openSession(io, target, opts);
  // A dry run prints each file as the listings show it: a folder of millions is never held.
  const out = opts.dryRun ? new Batched(io.stdout) : undefined;
  const onFile = out && ((f: { remote: string; local: string; size?: number | undefined }) => out.add(opts.json ? JSON.stringify({ event: 'plan', file: f.remote, local: f.local, size: f.size ?? null }) + '\n' : `${printable(f.remote)} -> ${printable(f.local)}\n`));
  let plan: Plan;
  try {
    plan = await planTree(session.client, remoteArg, localRoot, settings, report, onFile);
  } catch (err) {
    await out?.flush();
    await session.end(false);
    throw err;
  }
  if (opts.dryRun || plan.files.length === 0) await session.end(true);
  if (out) {
    await out.flush();
    for (const f of plan.failed) {
      report.event?.({ event: 'skip', file: f.name, reason: f.err.message });
      report.notice?.(`skipped ${JSON.stringify(f.name)}: ${f.err.message}`);
    }
    if (plan.failed.length) throw plan.failed.length === 1 ? plan.failed[0]!.err : new PartialFailure(`${plan.failed.length} entries cannot be downloaded (listed above)`);
    return;
  }
  const total = plan.files.every((f) => f.size !== undefined) ? plan.files.reduce((sum, f) => sum + f.size!, 0) : undefined;
  const progress = await createOverallProgress(io, { name: `${plan.files.length} files`, verb: 'downloaded', quiet: !!opts.quiet || !!opts.json, bar: opts.progress, totalBytes: total, files: plan.files.length });
  let ok = false;
  try {
    const outcome = await downloadPlan(sessionOpener(io, target, opts), plan, settings, { session, reporter: report, progressFor: (name) => progress.item(name) });
    ok = outcome.failure === undefined;
    await finishBatch(io, outcome, !!opts.json);
  } finally {
    progress.finish(ok);
  }
}
