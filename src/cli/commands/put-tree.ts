import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Io } from '../io.js';
import { LocalError, UsageError } from '../exit-codes.js';
import { checkRemoteName, type Target } from '../target.js';
import { sessionOpener } from '../session.js';
import { createOverallProgress } from '../progress.js';
import { finishBatch, reporter } from '../events.js';
import { planUpload, uploadPlan } from '../../core/jobs/upload-tree.js';
import { uploadSettings, type PutFlags } from '../settings.js';

/** tftp put -r <host|url> <local-dir> [remote-dir] */
export async function putTree(io: Io, target: Target, localRoot: string, remoteArg: string | undefined, opts: PutFlags): Promise<void> {
  if (target.isUrl && target.path !== undefined && remoteArg !== undefined) throw new UsageError('too many arguments: the URL already names the remote folder');
  if (localRoot === '-') throw new UsageError('stdin is not a folder');
  if (opts.rest !== undefined) throw new UsageError('--rest applies to one file; use -c to resume a folder');
  if (!(await stat(localRoot)).isDirectory()) throw new LocalError(`${localRoot}: not a directory`);
  const remoteRoot = (target.isUrl ? target.path : remoteArg)?.replace(/\/+$/, '') ?? basename(localRoot.replace(/\/+$/, ''));
  checkRemoteName(remoteRoot, 'remote path');
  const report = reporter(io, opts);

  const plan = await planUpload(localRoot, remoteRoot, report);
  if (opts.dryRun) {
    for (const f of plan.files) io.stdout.write(opts.json ? JSON.stringify({ event: 'plan', file: f.remote, local: f.local, size: f.size }) + '\n' : `${f.local} -> ${f.remote}\n`);
    return;
  }
  const progress = await createOverallProgress(io, { name: `${plan.files.length} files`, verb: 'uploaded', quiet: !!opts.quiet || !!opts.json, bar: opts.progress, totalBytes: plan.files.reduce((s, f) => s + f.size, 0), files: plan.files.length });
  let ok = false;
  try {
    const outcome = await uploadPlan(sessionOpener(io, target, opts), plan, { ...uploadSettings(io, opts), parallel: opts.parallel }, { reporter: report, progressFor: (name) => progress.item(name) });
    ok = outcome.failure === undefined;
    await finishBatch(io, outcome, !!opts.json);
  } finally {
    progress.finish(ok);
  }
}
