// Carrying out a sync's plan: the destination's folders made (parents
// first), the files sent over a batch of -j sessions, and only after every
// transfer succeeded, what the destination has that the source lacks removed
// (files, then folders deepest first). The state is recorded as files arrive.
import { closeSync, fstatSync, openSync } from 'node:fs';
import { mkdir, rm, rmdir, utimes } from 'node:fs/promises';
import { basename } from 'node:path';
import { FtpError } from '../../../protocol/errors.js';
import type { RemoteFs } from '../../remote/fs.js';
import { tempPath } from '../../local/part-name.js';
import { localPathUnder } from '../../local/safe-path.js';
import { runBatch, type BatchItem, type BatchOutcome } from '../batch.js';
import { downloadFile, preserveTime, type Download } from '../download.js';
import { uploadFile } from '../upload.js';
import type { JobEvent, JobReporter, OpenSession, Progress, Session } from '../events.js';
import { digestOpenFile } from './digest.js';
import { sourceStamp, type SyncPlan } from './plan.js';
import type { StateKeeper } from './state.js';
import { remotePath, type SyncTree } from './walk.js';

/** What a sync tells, beyond a transfer's events: each path's action, each removal, the summary. */
export type SyncEvent =
  | JobEvent
  | { event: 'plan'; action: 'mkdir' | 'upload' | 'download' | 'skip' | 'delete' | 'extra' | 'refused'; file: string; reason?: string; size?: number | null }
  | { event: 'delete'; file: string; type: 'file' | 'dir' }
  | { event: 'sync'; direction: 'upload' | 'download'; dryRun: boolean; transferred: number; unchanged: number; deleted: number; failed: number; bytes: number; seconds: number };

export interface SyncReporter {
  event?: ((e: SyncEvent) => void) | undefined;
  notice?: ((text: string) => void) | undefined;
}

export interface RunSettings {
  localRoot: string;
  remoteRoot: string;
  parallel?: number | undefined;
  retries?: number | undefined;
  retryDelay?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Upload straight to the final name instead of a temporary one renamed over it. */
  inplace?: boolean | undefined;
  /** Set each remote time with MFMT (the server offers it). */
  setTimes: boolean;
  delete: boolean;
}

export interface RunOutcome {
  batch: BatchOutcome | undefined;
  deleted: number;
  /** Deletes and the last write of the state that failed. */
  failures: { name: string; err: unknown }[];
}

/** A failure to write the state while files move is told once, and does not fail the file. */
function quietSaver(state: StateKeeper | undefined, reporter: SyncReporter): (client: RemoteFs | undefined) => Promise<void> {
  let told = false;
  return async (client) => {
    try {
      await state?.maybeSave(client);
    } catch (err) {
      if (!told) reporter.notice?.(`cannot write the state file yet: ${(err as Error).message}`);
      told = true;
    }
  };
}

export async function runPlan(
  plan: SyncPlan,
  source: SyncTree,
  s: RunSettings,
  ctx: { open: OpenSession; session: Session; state: StateKeeper | undefined; reporter: SyncReporter; progressFor(name: string): Progress; spare?: Session[] | undefined; temporaries?: ReadonlyMap<string, number | undefined> | undefined },
): Promise<RunOutcome> {
  const upload = plan.direction === 'upload';
  const localOf = (rel: string) => localPathUnder(s.localRoot, rel === '' ? [] : rel.split('/'));
  const remoteOf = (rel: string) => remotePath(s.remoteRoot, rel);
  let session: Session | undefined = ctx.session;
  const failures: RunOutcome['failures'] = [];
  try {
    for (const folder of plan.folders) {
      if (upload) await session.client.mkdir(remoteOf(folder), { recursive: true });
      else await mkdir(localOf(folder), { recursive: true });
    }
  } catch (err) {
    await Promise.all([session.end(false), ...(ctx.spare ?? []).map((x) => x.end(false))]);
    throw err;
  }
  const save = quietSaver(ctx.state, ctx.reporter);
  const digests = new Map<string, string>();
  // The batch's own summary gives way to the sync's; a download's digest goes to the state.
  const fileReporter: JobReporter = {
    event: (e) => {
      if (e.event === 'done' && e.sha256) digests.set(e.file, e.sha256);
      if (e.event !== 'summary') ctx.reporter.event?.(e);
    },
  };
  const items: BatchItem[] = [];
  const folderOf = (rel: string) => rel.slice(0, rel.lastIndexOf('/') + 1);
  const names = new Map<string, Set<string>>();
  const namesIn = (folder: string) => {
    if (names.size === 0) for (const p of source.nodes.keys()) (names.get(folderOf(p)) ?? names.set(folderOf(p), new Set()).get(folderOf(p))!).add(basename(p));
    return names.get(folder) ?? new Set<string>();
  };
  // Folders made by this run: no temporary file of an earlier one can be in them.
  const made = new Set(plan.folders);
  for (const t of plan.transfers) {
    const src = source.nodes.get(t.path)!;
    const local = localOf(t.path);
    const remote = remoteOf(t.path);
    if (upload) {
      const newFolder = made.has(folderOf(t.path).slice(0, -1));
      items.push({
        name: remote,
        size: t.size,
        async run(client, attempt, progress) {
          // Synchronous, as the reads are: on a site of small files the thread pool's round trips cost more than the calls.
          const file = { fd: openSync(local, 'r') };
          try {
            const info = fstatSync(file.fd);
            const result = await uploadFile(client, { local, remotePath: remote, fd: file.fd, localSize: info.size }, { retries: s.retries, retryDelay: s.retryDelay, signal: s.signal, preserve: s.setTimes, atomic: !s.inplace, resumeTemporary: true, listedTemporaries: ctx.temporaries, newFolder }, attempt, progress, fileReporter);
            if (ctx.state) {
              ctx.state.record(t.path, { size: info.size, mtime: info.mtimeMs, sha256: await digestOpenFile(file.fd) });
              await save(client);
            }
            return result;
          } finally {
            closeSync(file.fd);
          }
        },
      });
    } else {
      // The temporary name must not be one a file of the same folder has (x.iso beside x.iso.part).
      const d: Download = { remotePath: remote, localPath: local, partPath: await tempPath(local, '.part', namesIn(folderOf(t.path))), listedSize: src.size };
      const seen = { written: 0 };
      items.push({
        name: remote,
        size: t.size,
        async run(client, attempt, progress) {
          const result = await downloadFile(client, d, { retries: s.retries, retryDelay: s.retryDelay, signal: s.signal, digest: !!ctx.state }, attempt, seen, progress, fileReporter);
          // The local time is the remote one, so that the next run compares them.
          if (src.mtime !== undefined && src.precision === 1000) await utimes(local, src.mtime / 1000, src.mtime / 1000);
          else await preserveTime(client, remote, local);
          const stamp = sourceStamp(plan, src);
          if (ctx.state && stamp) {
            ctx.state.record(t.path, { ...stamp, sha256: digests.get(remote) });
            await save(undefined);
          }
          return result;
        },
      });
    }
  }
  let batch: BatchOutcome | undefined;
  if (items.length > 0) {
    // One session stays open for the removals and the last write of the state.
    const keepSession = upload && (s.delete || !!ctx.state);
    batch = await runBatch(ctx.open, items, { parallel: s.parallel ?? 4, retries: s.retries, retryDelay: s.retryDelay, signal: s.signal, reporter: { ...ctx.reporter, event: fileReporter.event }, session, spare: ctx.spare, keepSession, progressFor: (item) => ctx.progressFor(item.name) });
    session = batch.session; // the batch ended the others
  } else {
    await Promise.all((ctx.spare ?? []).map((x) => x.end(true)));
  }
  let deleted = 0;
  let ok = true;
  try {
    const stopped = batch?.stoppedBy !== undefined || s.signal?.aborted;
    const clean = !stopped && (batch?.failures.length ?? 0) === 0 && plan.refused.length === 0;
    // A session for what comes after the transfers: the removals and the state.
    const needRemote = upload && ((s.delete && clean && plan.deletes.length > 0) || (ctx.state && !stopped));
    if (needRemote && !session) session = await ctx.open();
    if (s.delete && clean) {
      for (const d of plan.deletes) {
        try {
          if (upload) await (d.type === 'file' ? session!.client.remove(remoteOf(d.path)) : session!.client.removeDir(remoteOf(d.path)));
          else await (d.type === 'file' ? rm(localOf(d.path)) : rmdir(localOf(d.path)));
          deleted++;
          ctx.state?.forget(d.path);
          ctx.reporter.event?.({ event: 'delete', file: d.path, type: d.type });
        } catch (err) {
          if (err instanceof FtpError && ['closed', 'aborted', 'connect', 'timeout'].includes(err.kind)) throw err;
          failures.push({ name: upload ? remoteOf(d.path) : localOf(d.path), err });
          ctx.reporter.event?.({ event: 'error', file: d.path, error: err });
        }
      }
    }
    if (ctx.state && (!upload || !stopped)) {
      try {
        await ctx.state.save(session?.client);
      } catch (err) {
        failures.push({ name: 'the state file', err });
        ctx.reporter.event?.({ event: 'error', file: 'the state file', error: err });
      }
    }
  } catch (err) {
    ok = false;
    throw err;
  } finally {
    await session?.end(ok);
  }
  return { batch, deleted, failures };
}
