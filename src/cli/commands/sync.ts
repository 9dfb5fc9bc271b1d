import type { Io } from '../io.js';
import { UsageError } from '../exit-codes.js';
import { checkRemoteName, parseTarget } from '../target.js';
import { sessionOpener } from '../session.js';
import { createOverallProgress } from '../progress.js';
import { finishBatch, ndjson } from '../events.js';
import { printable } from '../text.js';
import type { JobEvent } from '../../core/jobs/events.js';
import { runSync } from '../../core/jobs/sync/sync.js';
import type { SyncEvent, SyncReporter } from '../../core/jobs/sync/run.js';
import type { ConnectionOptions } from '../options.js';
import type { FilterRule } from '../../core/jobs/sync/filter.js';

export interface SyncFlags extends ConnectionOptions {
  parallel?: number;
  retries: number;
  retryDelay: number;
  quiet?: boolean;
  progress: boolean;
  json?: boolean;
  dryRun?: boolean;
  sizeOnly?: boolean;
  checksum?: boolean;
  state?: boolean | string;
  delete?: boolean;
  maxDelete?: number;
  force?: boolean;
  inplace?: boolean;
  followLinks?: boolean;
  /** --exclude, --include and --exclude-from together, in the order given. */
  rules?: FilterRule[];
}

const URL_SCHEME = /^(ftp|ftpes|ftps):\/\//i;

/** tftp sync <local-dir> <url> (upload) or <url> <local-dir> (download). */
export async function sync(io: Io, first: string, second: string | undefined, opts: SyncFlags): Promise<void> {
  // `--state ./site url` would take the folder for the state file's name.
  const stateTook = typeof opts.state === 'string' && (opts.state.includes('/') || second === undefined);
  if (stateTook) throw new UsageError(`--state took ${JSON.stringify(opts.state)} for the state file's name: write --state=NAME, or --state after the folders`);
  if (second === undefined) throw new UsageError("missing required argument 'destination'");
  const [a, b] = [URL_SCHEME.test(first), URL_SCHEME.test(second)];
  if (a === b) throw new UsageError(a ? 'both arguments are URLs: one must be a local folder' : 'one argument must be an ftp://, ftpes:// or ftps:// URL of the remote folder');
  const direction = b ? 'upload' : 'download';
  const [localRoot, url] = b ? [first, second] : [second, first];
  if (localRoot === '-') throw new UsageError('sync needs a local folder, not stdin or stdout');
  const target = parseTarget(url);
  const path = target.path ?? '';
  const remoteRoot = path === '/' ? '/' : path.replace(/\/+$/, '');
  if (remoteRoot) checkRemoteName(remoteRoot, 'remote path');
  if (opts.maxDelete !== undefined && !opts.delete) throw new UsageError('--max-delete limits --delete: give both');
  if (opts.force && !opts.delete) throw new UsageError('--force goes with --delete');

  const json = !!opts.json;
  const toJson = json ? ndjson(io) : undefined;
  const reporter: SyncReporter = {
    event: toJson && ((e: SyncEvent) => (e.event === 'error' || e.event === 'start' || e.event === 'done' || e.event === 'progress' || e.event === 'retry' || e.event === 'skip' ? toJson(e as JobEvent) : io.stdout.write(JSON.stringify(e) + '\n'))),
    notice: json || opts.quiet ? undefined : (text) => io.stderr.write(`tftp: ${printable(text)}\n`),
  };
  if (opts.dryRun && !json) {
    // The plan in words on stdout; the NDJSON events carry it with --json.
    reporter.event = (e) => {
      if (e.event !== 'plan') return;
      io.stdout.write(`${e.action.padEnd(8)} ${printable(e.file)}${e.reason ? `  (${printable(e.reason)})` : ''}\n`);
    };
  }
  let progress: Awaited<ReturnType<typeof createOverallProgress>> | undefined;
  const verb = direction === 'upload' ? 'uploaded' : 'downloaded';
  let ok = false;
  try {
    const outcome = await runSync(
      sessionOpener(io, target, opts),
      {
        direction,
        localRoot,
        remoteRoot,
        parallel: opts.parallel,
        retries: opts.retries,
        retryDelay: opts.retryDelay,
        signal: io.signal,
        compare: opts.checksum ? 'checksum' : opts.sizeOnly ? 'size' : 'times',
        state: opts.state,
        delete: opts.delete,
        maxDelete: opts.maxDelete,
        force: opts.force,
        rules: opts.rules,
        inplace: opts.inplace,
        followLinks: opts.followLinks,
        dryRun: opts.dryRun,
      },
      {
        reporter,
        onPlan: async (plan) => {
          const total = plan.transfers.every((t) => t.size !== undefined) ? plan.transfers.reduce((sum, t) => sum + t.size!, 0) : undefined;
          // Off a terminal the summary line below says it all.
          if (plan.transfers.length === 0 || !io.stderr.isTTY) return;
          progress = await createOverallProgress(io, { name: `${plan.transfers.length} files`, verb, quiet: !!opts.quiet || json, bar: opts.progress, totalBytes: total, files: plan.transfers.length });
        },
        progressFor: (name) => progress?.item(name) ?? { start() {}, add() {}, finish() {} },
      },
    );
    ok = outcome.batch.failure === undefined;
    progress?.finish(ok);
    progress = undefined;
    if (!json && !opts.quiet) {
      const { plan } = outcome;
      const held = plan.deletes.length - outcome.deleted;
      const extra = opts.delete ? `, ${outcome.deleted} deleted${held > 0 && !ok ? ` (${held} not: a run with failures deletes nothing)` : ''}` : plan.deletes.length ? `, ${plan.deletes.length} not in the source (kept: no --delete)` : '';
      const done = opts.dryRun ? `would transfer ${plan.transfers.length}${opts.delete ? `, delete ${plan.deletes.length}` : ''}` : `${outcome.transferred} ${verb}`;
      io.stderr.write(`sync: ${done}, ${outcome.unchanged} unchanged${opts.dryRun ? '' : extra}${opts.dryRun ? ' (dry run: nothing changed)' : ` (${outcome.bytes} bytes in ${outcome.seconds} s)`}\n`);
    }
    await finishBatch(io, outcome.batch, json);
  } finally {
    progress?.finish(ok);
  }
}
