// `sync`: make a destination folder match a source folder, moving only what
// changed. Both trees are walked, compared into a plan (plan.ts), checked
// against the delete guards, reported path by path, and carried out (run.ts).
import { setMaxListeners } from 'node:events';
import { FtpError, PartialFailure } from '../../../protocol/errors.js';
import { localPathUnder, unsafeNameReason } from '../../local/safe-path.js';
import { digestFile } from '../../local/part-file.js';
import type { BatchOutcome } from '../batch.js';
import type { OpenSession, Progress, Session } from '../events.js';
import { createFilter, type FilterRule } from './filter.js';
import { planSync, sourceStamp, type CompareMode, type SyncDirection, type SyncPlan } from './plan.js';
import { runPlan, type SyncReporter } from './run.js';
import { DEFAULT_STATE_NAME, StateKeeper, loadState, localStatePlace, remoteStatePlace, stateTempName, type StateEntry } from './state.js';
import { applyRemoteClock } from './times.js';
import { SessionPool } from './pool.js';
import { remotePath, walkLocal, walkRemote, type SyncTree } from './walk.js';

export interface SyncSettings {
  direction: SyncDirection;
  localRoot: string;
  /** The remote folder ('' for the login folder). */
  remoteRoot: string;
  /** Connections (default 4). */
  parallel?: number | undefined;
  retries?: number | undefined;
  retryDelay?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Size and time (default), size alone, or SHA-256 against the server's digest. */
  compare?: CompareMode | undefined;
  /** Keep a state file on the destination: true for the default name (.tftp-sync.json), or its name. */
  state?: boolean | string | undefined;
  /** Remove what the destination has and the source lacks, after every transfer succeeded. */
  delete?: boolean | undefined;
  /** Refuse (before any change) to remove more than this many paths. */
  maxDelete?: number | undefined;
  /** Allow `delete` with an empty or missing source. */
  force?: boolean | undefined;
  rules?: FilterRule[] | undefined;
  /** Upload straight to the final name (default: a temporary name renamed over it). */
  inplace?: boolean | undefined;
  followLinks?: boolean | undefined;
  dryRun?: boolean | undefined;
}

export interface SyncOutcome {
  plan: SyncPlan;
  dryRun: boolean;
  transferred: number;
  unchanged: number;
  deleted: number;
  bytes: number;
  seconds: number;
  /** The transfers' outcome, in the shape the batch gives (failures, files never started, the error it comes to). */
  batch: BatchOutcome;
}

export interface SyncHooks {
  reporter: SyncReporter;
  /** Told the plan before anything changes (to size a progress display). */
  onPlan?: ((plan: SyncPlan) => void | Promise<void>) | undefined;
  progressFor?: ((name: string) => Progress) | undefined;
  /** A session already logged in: it lists, and goes on as the batch's first connection. */
  session?: Session | undefined;
}

const NO_PROGRESS: Progress = { start() {}, add() {}, finish() {} };

export async function runSync(open: OpenSession, s: SyncSettings, hooks: SyncHooks): Promise<SyncOutcome> {
  const began = performance.now();
  const { reporter } = hooks;
  const stateName = typeof s.state === 'string' ? s.state : DEFAULT_STATE_NAME;
  const keepState = s.state !== undefined && s.state !== false;
  const bad = unsafeNameReason(stateName);
  if (bad) throw new FtpError('argument', `--state ${JSON.stringify(stateName)}: ${bad} (give a plain file name)`);
  if (s.maxDelete !== undefined && !s.delete) throw new FtpError('argument', '--max-delete limits --delete: give both');
  const filter = await createFilter(s.rules);
  const walk = { filter, reserved: new Set([stateName, stateTempName(stateName)]), followLinks: s.followLinks, signal: s.signal };
  const upload = s.direction === 'upload';
  const session = hooks.session ?? (await open());
  let pool: SessionPool | undefined;
  let handedOver = false;
  try {
    const client = session.client;
    // The remote folders are listed over up to -j sessions at once, the local tree read meanwhile.
    pool = new SessionPool(open, session, Math.max(1, s.parallel ?? 4));
    // Each session's listing listens for Ctrl-C: more than the default 10 (the batch does the same).
    if (s.signal) setMaxListeners(4 * Math.max(1, s.parallel ?? 4) + 10, s.signal);
    const list = (path: string) => pool!.use((p) => p.client.list(path, { signal: s.signal }));
    const [source, dest] = await bothWalks(
      () => (upload ? walkLocal(s.localRoot, walk) : walkRemote(client, s.remoteRoot, { ...walk, refuseUnsafe: true, list })),
      () => (upload ? walkRemote(client, s.remoteRoot, { ...walk, followLinks: false, refuseUnsafe: false, list }) : walkLocal(s.localRoot, { ...walk, followLinks: false })),
    );
    const sourceName = upload ? s.localRoot : s.remoteRoot || 'the login folder';
    if (!source.exists && !s.delete) throw upload ? new FtpError('local', `${s.localRoot}: no such folder`) : new FtpError('permanent', `no such remote folder: ${sourceName}`);
    for (const p of [...source.skipped, ...dest.skipped]) {
      reporter.event?.({ event: 'skip', file: p.name, reason: p.reason });
      reporter.notice?.(`skipped ${JSON.stringify(p.name)}: ${p.reason}`);
    }
    const compare = s.compare ?? 'times';
    const common = [...source.nodes].filter(([p, n]) => n.type === 'file' && dest.nodes.get(p)?.type === 'file');
    const setTimes = upload && (await client.hasFeature('MFMT'));

    let state: Map<string, StateEntry> | undefined;
    const place = !keepState ? undefined : upload ? remoteStatePlace(s.remoteRoot, stateName, s.signal) : localStatePlace(s.localRoot, stateName);
    if (place) {
      const loaded = await loadState(place, upload ? client : undefined);
      state = loaded.entries;
      if (loaded.problem && common.length > 0) reporter.notice?.(`${loaded.problem}: comparing by ${compare === 'checksum' ? 'SHA-256' : compare === 'size' ? 'size' : 'size and time'} instead, and writing it anew`);
    }
    if (compare === 'times' && common.length > 0 && !common.every(([p]) => state?.has(p))) {
      const clock = await applyRemoteClock(client, s.remoteRoot, upload ? dest : source);
      if (upload && !setTimes) reporter.notice?.('the server cannot set file times (no MFMT): files of the same size count as unchanged (--checksum or --state tell more)');
      else if (clock.precision === undefined) reporter.notice?.(`the server's times cannot be compared (${clock.summary}): files of the same size count as unchanged`);
    }
    const digests = new Map<string, string>();
    const localDigest = async (rel: string) => {
      let d = digests.get(rel);
      if (d === undefined) digests.set(rel, (d = await digestFile(localPathUnder(s.localRoot, rel.split('/')))));
      return d;
    };
    let noHash = false;
    const sameContent = async (rel: string): Promise<boolean | undefined> => {
      if (noHash) return undefined;
      const theirs = await client.hash(remotePath(s.remoteRoot, rel));
      if (!theirs) {
        noHash = true;
        reporter.notice?.('the server offers no digest (HASH, XSHA256): --checksum compares by size and time instead');
        return undefined;
      }
      const ours = theirs.algorithm === 'sha256' ? await localDigest(rel) : await digestFile(localPathUnder(s.localRoot, rel.split('/')), theirs.algorithm);
      return ours === theirs.hex;
    };
    const plan = await planSync(source, dest, { direction: s.direction, mode: compare, timesSet: upload ? setTimes : true, state, localDigest: state ? localDigest : undefined, sameContent });
    if (!dest.exists) plan.folders.unshift('');

    report(plan, s, reporter);
    if (s.delete && plan.deletes.length > 0) {
      const files = [...source.nodes.values()].filter((n) => n.type === 'file').length;
      if (files === 0 && !s.force) throw new FtpError('argument', `the source ${sourceName} has no files${source.exists ? '' : ' (it does not exist)'}: --delete would remove all ${plan.deletes.length} paths of the destination; add --force if that is what you want. Nothing changed`);
      if (s.maxDelete !== undefined && plan.deletes.length > s.maxDelete) throw new FtpError('argument', `--delete would remove ${plan.deletes.length} paths, more than --max-delete ${s.maxDelete}: nothing changed`);
    }
    const outcome = (batch: BatchOutcome, deleted: number, dryRun: boolean): SyncOutcome => {
      const seconds = Math.round(performance.now() - began) / 1000;
      const result = { plan, dryRun, transferred: batch.ok, unchanged: plan.unchanged.length, deleted, bytes: batch.bytes, seconds, batch };
      reporter.event?.({ event: 'sync', direction: s.direction, dryRun, transferred: result.transferred, unchanged: result.unchanged, deleted, failed: batch.failures.length, bytes: batch.bytes, seconds });
      return result;
    };
    if (s.dryRun) {
      const failures = plan.refused.map((r) => ({ name: r.path, err: new FtpError('protocol', `${r.path}: ${r.reason}`) }));
      return outcome(batchShape(plan.transfers.length, 0, 0, failures, [], undefined), 0, true);
    }
    await hooks.onPlan?.(plan);

    let keeper: StateKeeper | undefined;
    if (place) {
      // What is unchanged is recorded as it is now; a missing state is rebuilt from the comparison.
      const entries = new Map<string, StateEntry>();
      for (const u of plan.unchanged) {
        const stamp = sourceStamp({ direction: s.direction }, source.nodes.get(u.path)!);
        const before = state?.get(u.path);
        if (stamp) entries.set(u.path, { ...stamp, sha256: before && before.size === stamp.size ? before.sha256 : digests.get(u.path) });
      }
      keeper = new StateKeeper(place, entries, state !== undefined);
    }
    handedOver = true;
    const run = await runPlan(plan, source, { ...s, setTimes, delete: !!s.delete, parallel: s.parallel }, { open, session, state: keeper, reporter, progressFor: hooks.progressFor ?? (() => NO_PROGRESS), spare: pool.extras(), temporaries: upload ? dest.temporaries : undefined });
    const refused = plan.refused.map((r) => ({ name: r.path, err: new FtpError('protocol', `${r.path}: ${r.reason}`) as unknown }));
    for (const r of refused) reporter.event?.({ event: 'error', file: r.name, error: r.err });
    const b = run.batch;
    const failures = [...refused, ...(b?.failures ?? []), ...run.failures];
    return outcome(batchShape(plan.transfers.length, b?.ok ?? 0, b?.bytes ?? 0, failures, b?.notStarted ?? [], b?.stoppedBy), run.deleted, false);
  } catch (err) {
    if (!handedOver) {
      handedOver = true;
      await Promise.all([session.end(false), pool?.endExtras(false)]);
    }
    throw err;
  } finally {
    if (!handedOver) await Promise.all([session.end(true), pool?.endExtras(true)]);
  }
}

/** Both trees, walked at once; the source's failure comes first, as when they were walked in turn. */
async function bothWalks(source: () => Promise<SyncTree>, dest: () => Promise<SyncTree>): Promise<[SyncTree, SyncTree]> {
  const [a, b] = await Promise.allSettled([source(), dest()]);
  if (a.status === 'rejected') throw a.reason;
  if (b.status === 'rejected') throw b.reason;
  return [a.value, b.value];
}

/** The sync's outcome as a batch's: exit 10 when some paths failed, the stop's own error after a stop. */
function batchShape(files: number, ok: number, bytes: number, failures: BatchOutcome['failures'], notStarted: string[], stoppedBy: unknown): BatchOutcome {
  // Counted with the failures, so that every failed path is listed.
  const outcome: BatchOutcome = { files: files + failures.length, ok, skipped: 0, bytes, seconds: 0, failures, notStarted };
  if (stoppedBy !== undefined) outcome.stoppedBy = stoppedBy;
  if (stoppedBy !== undefined) outcome.failure = stoppedBy;
  else if (failures.length > 0 || notStarted.length > 0) outcome.failure = new PartialFailure(`${failures.length} paths could not be synced (listed above); ${ok} transferred`);
  return outcome;
}

/** Each path's action, in the order they happen: folders, transfers, what stays, removals. */
function report(plan: SyncPlan, s: SyncSettings, reporter: SyncReporter): void {
  const emit = reporter.event;
  if (!emit) return;
  for (const f of plan.folders) emit({ event: 'plan', action: 'mkdir', file: f || '.' });
  for (const t of plan.transfers) emit({ event: 'plan', action: plan.direction, file: t.path, reason: t.reason, size: t.size ?? null });
  for (const u of plan.unchanged) emit({ event: 'plan', action: 'skip', file: u.path, reason: u.reason });
  for (const r of plan.refused) emit({ event: 'plan', action: 'refused', file: r.path, reason: r.reason });
  for (const d of plan.deletes) emit(s.delete ? { event: 'plan', action: 'delete', file: d.path } : { event: 'plan', action: 'extra', file: d.path, reason: 'not in the source (kept without --delete)' });
}
