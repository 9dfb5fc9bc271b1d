import { mkdir } from 'node:fs/promises';
import { FtpError } from '../../protocol/errors.js';
import type { RemoteFs } from '../remote/fs.js';
import { runBatch, type BatchItem, type BatchOutcome } from './batch.js';
import { downloadFile, firstRead, mayGoAhead, type Download, type DownloadSettings, type Seen } from './download.js';
import { makePlan, type Plan, type PlannedFile, type WalkOptions } from './tree.js';
import type { JobReporter, OpenSession, Progress, Session } from './events.js';

export interface TreeDownloadSettings extends DownloadSettings {
  /** Connections (default 4). */
  parallel?: number | undefined;
  /** Into subfolders (default: only the files of the first folder). */
  recursive?: boolean | undefined;
  /** Download what symbolic links point to (default: list and skip them). */
  followLinks?: boolean | undefined;
}

/** Wildcards in a remote path make a multi-file download. */
export function hasGlob(path: string): boolean {
  return /[*?[]/.test(path);
}

/** 'dir/*.iso' -> the folder to list and a whole-name match; a path without wildcards is the folder itself. */
export function splitWildcard(remote: string): { folder: string; match?: RegExp } {
  const slash = remote.lastIndexOf('/');
  if (!hasGlob(remote)) return { folder: remote.replace(/\/+$/, '') };
  return { folder: remote.slice(0, Math.max(slash, 0)), match: globToRegExp(remote.slice(slash + 1)) };
}

/**
 * Lists the remote tree into a plan, and refuses plans that would do nothing
 * while there was something to do: a wildcard that matches nothing, a tree
 * whose every entry was left out (the links, reported as skipped). With
 * `onFile` (a dry run), the files go there as they are listed, not into the plan.
 */
export async function planTree(client: RemoteFs, remote: string, localRoot: string, s: TreeDownloadSettings, reporter: JobReporter, onFile?: WalkOptions['onFile']): Promise<Plan> {
  const { folder, match } = splitWildcard(remote);
  const plan = await makePlan(client, folder, localRoot, { recursive: !!s.recursive, followLinks: !!s.followLinks, match, onFile }, s.signal);
  for (const p of plan.skipped) {
    reporter.event?.({ event: 'skip', file: p.name, reason: p.reason });
    reporter.notice?.(`skipped ${JSON.stringify(p.name)}: ${p.reason}`);
  }
  if (match && plan.entries === 0) throw new FtpError('permanent', `no remote file matches ${remote}`);
  if (plan.planned === 0 && plan.failed.length === 0 && plan.skipped.length > 0) {
    throw new FtpError('permanent', `nothing to download: all ${plan.skipped.length} entries of ${remote || '.'} were left out (listed above)`);
  }
  return plan;
}

/**
 * Downloads a plan: the local folders made, then every file through the one
 * download job over a batch of connections. `session` (the one that listed)
 * is the first connection's. Resolves with the batch's outcome.
 */
export async function downloadPlan(
  open: OpenSession,
  plan: Plan,
  s: TreeDownloadSettings,
  opts: { session?: Session | undefined; reporter: JobReporter; progressFor(name: string): Progress },
): Promise<BatchOutcome> {
  try {
    for (const folder of plan.folders) await mkdir(folder, { recursive: true });
  } catch (err) {
    await opts.session?.end(false);
    throw err;
  }
  // Each file reports its events; the notices of a tree are the batch's own (retries).
  const fileReporter: JobReporter = { event: opts.reporter.event };
  const items = plan.files.map((f) => treeItem(f, s, fileReporter));
  return runBatch(open, items, {
    parallel: s.parallel ?? 4,
    retries: s.retries,
    retryDelay: s.retryDelay,
    signal: s.signal,
    reporter: opts.reporter,
    session: plan.files.length ? opts.session : undefined,
    failed: plan.failed,
    progressFor: (item) => opts.progressFor(item.name),
  });
}

function treeItem(f: PlannedFile, s: DownloadSettings, reporter: JobReporter): BatchItem {
  const seen: Seen = { written: 0 };
  const d: Download = { remotePath: f.remote, localPath: f.local, partPath: f.part, listedSize: f.size, listedModified: f.modified };
  const ahead = mayGoAhead(d, s);
  return {
    name: f.remote,
    size: f.size,
    firstRead: firstRead(d, s),
    run: (client, attempt, progress, next) => downloadFile(client, d, s, attempt, seen, progress, reporter, ahead && attempt === 0 ? next : undefined),
  };
}

/** A shell wildcard (*, ?, [abc], [!abc]) for one name, as a whole-name RegExp. */
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
