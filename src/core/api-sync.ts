// Ftp.sync: the library's side of `tftp sync`, over the same engine.
import { FtpError } from '../protocol/errors.js';
import type { OpenSession, Session } from './jobs/events.js';
import type { FilterRule } from './jobs/sync/filter.js';
import type { CompareMode } from './jobs/sync/plan.js';
import type { SyncEvent } from './jobs/sync/run.js';
import { runSync, type SyncOutcome } from './jobs/sync/sync.js';

export type { FilterRule } from './jobs/sync/filter.js';
export type { CompareMode, SyncPlan } from './jobs/sync/plan.js';
export type { SyncEvent } from './jobs/sync/run.js';

/** One side of a sync: a local folder or a remote one (relative to the login folder, or absolute). */
export type SyncSide = { local: string } | { remote: string };

export interface SyncOptions {
  /** The side to copy from, and the one made to match it: one local, one remote. */
  from: SyncSide;
  to: SyncSide;
  /** Connections (default 4). */
  parallel?: number;
  retries?: number;
  /** Seconds before the first retry, doubled each time (default 1). */
  retryDelay?: number;
  signal?: AbortSignal;
  /** 'times' (size and modification time, the default), 'size', or 'checksum' (SHA-256 against the server's digest). */
  compare?: CompareMode;
  /** Keep a state file on the destination: true for `.tftp-sync.json`, or its name. */
  state?: boolean | string;
  /** Remove what the destination has and the source lacks, once every transfer succeeded. */
  delete?: boolean;
  /** With `delete`: refuse (FtpError kind 'argument', nothing changed) when more paths would go. */
  maxDelete?: number;
  /** With `delete`: allow an empty or missing source. */
  force?: boolean;
  /** Excludes, includes and files of gitignore rules, in order: the last matching rule wins. */
  rules?: FilterRule[];
  /** Upload straight to the final names (default: temporary names renamed over them). */
  inplace?: boolean;
  followLinks?: boolean;
  /** Plan only: nothing changes. */
  dryRun?: boolean;
  /** Each path's action, transfer events, removals, the summary. */
  onEvent?: (e: SyncEvent) => void;
  /** Lines for people: a fallback to sizes, a state file rebuilt, a link skipped. */
  onNotice?: (text: string) => void;
}

/** What was (or, with dryRun, would be) done, path by path, and the counts. */
export type SyncResult = Omit<SyncOutcome, 'batch'>;

/** Runs a sync on a connected client's sessions; rejects with the failure (a PartialFailure when some paths failed) after a real run. */
export async function syncFolders(open: OpenSession, session: Session, o: SyncOptions): Promise<SyncResult> {
  const local = 'local' in o.from ? o.from.local : 'local' in o.to ? o.to.local : undefined;
  const remote = 'remote' in o.from ? o.from.remote : 'remote' in o.to ? o.to.remote : undefined;
  if (local === undefined || remote === undefined) {
    await session.end(true);
    throw new FtpError('argument', 'sync: one side must be { local }, the other { remote }');
  }
  const outcome = await runSync(
    open,
    {
      ...o,
      direction: 'local' in o.from ? 'upload' : 'download',
      localRoot: local,
      remoteRoot: remote === '/' ? '/' : remote.replace(/\/+$/, ''),
    },
    { reporter: { event: o.onEvent, notice: o.onNotice }, session },
  );
  if (outcome.batch.failure !== undefined && !outcome.dryRun) throw outcome.batch.failure;
  const { plan, dryRun, transferred, unchanged, deleted, bytes, seconds } = outcome;
  return { plan, dryRun, transferred, unchanged, deleted, bytes, seconds };
}
