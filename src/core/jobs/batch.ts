import { setMaxListeners } from 'node:events';
import type { RemoteFs } from '../remote/fs.js';
import { FtpError, PartialFailure } from '../../protocol/errors.js';
import { isFileSystemError } from '../errno.js';
import { withRetries } from './retry.js';
import type { JobReporter, OpenSession, Progress, Session } from './events.js';

/** One file of a transfer: what to call it, and how to move it on a logged-in client. */
export interface BatchItem {
  name: string;
  size?: number | undefined;
  /**
   * Moves the file; `attempt` > 0 is a retry. Resolves with the bytes moved, or a reason it was skipped.
   * `next` claims the following item for this connection and names the file it reads first,
   * which this one may ask for ahead once its transfer is complete (ReadOptions.nextPath).
   */
  run(fs: RemoteFs, attempt: number, progress: Progress, next?: () => string | undefined): Promise<{ bytes: number; skipped?: string }>;
  /** The file run() reads first, when it asks nothing before it: that read may go ahead of time. */
  firstRead?: string | undefined;
}

export interface BatchOptions {
  parallel: number;
  retries?: number | undefined;
  retryDelay?: number | undefined;
  signal?: AbortSignal | undefined;
  progressFor(item: BatchItem): Promise<Progress> | Progress;
  reporter?: JobReporter | undefined;
  /** A session already logged in (the one that listed the files): the first worker uses it. */
  session?: Session | undefined;
  /** More sessions already logged in (a parallel listing's): workers take them before opening any. */
  spare?: Session[] | undefined;
  /** Leave one sound session open in `outcome.session`, for the caller's next commands. */
  keepSession?: boolean | undefined;
  /** Entries that failed before the batch (e.g. listing lines that could not be read): counted with the rest. */
  failed?: { name: string; err: Error }[] | undefined;
}

/** How a batch went; `failure` is what it comes to, when not every file was moved. */
export interface BatchOutcome {
  files: number;
  ok: number;
  skipped: number;
  bytes: number;
  seconds: number;
  failures: { name: string; err: unknown }[];
  /** Files never started: after a stop (a full disk, a refused login, Ctrl-C). */
  notStarted: string[];
  /** What stopped the batch, if something did. */
  stoppedBy?: unknown;
  /** The error a caller should raise: the stop, the single failure, or a PartialFailure. Undefined on success. */
  failure?: unknown;
  /** With `keepSession`: a session still logged in, now the caller's to end. */
  session?: Session | undefined;
}

/** Errors that doom every other file too: stop the whole batch. */
function stopsEverything(err: unknown): boolean {
  return err instanceof FtpError && ['login', 'tls', 'aborted', 'connect'].includes(err.kind);
}

/** A full local disk: no file started after it could succeed either. */
function diskFull(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return isFileSystemError(err) && (code === 'ENOSPC' || code === 'EDQUOT');
}

/** The batch stopped (a full disk, Ctrl-C) while this file waited for its connection: it never started. */
class NotStarted extends Error {}

/** A connection refused while others of the same batch work: the server's limit, not a failure. */
class SurplusConnection extends Error {
  constructor(readonly reason: unknown) {
    super((reason as Error).message);
  }
}

/**
 * Runs the items over up to `parallel` connections, each logged in once and
 * reused file after file (reopened if it breaks). Every file is retried on
 * its own. A connection the server refuses while others work (a limit of
 * connections per address) is given up and its files go to the others.
 * After a full disk no new file starts. Resolves with the outcome, whatever
 * it is: the caller reports the failures and raises `outcome.failure`.
 */
export async function runBatch(open: OpenSession, items: BatchItem[], batch: BatchOptions): Promise<BatchOutcome> {
  const failures: { name: string; err: unknown }[] = [];
  let next = 0;
  let ok = 0;
  let skipped = 0;
  let bytes = 0;
  /** Ends the batch: nothing new starts (Ctrl-C, login refused, a full disk …). */
  let fatal: unknown;
  const began = performance.now();
  const emit = batch.reporter?.event;
  const fail = (name: string, err: unknown) => {
    failures.push({ name, err });
    emit?.({ event: 'error', file: name, error: err });
  };
  for (const f of batch.failed ?? []) fail(f.name, f.err);

  // Each connection and each transfer listens for Ctrl-C: more than the default 10.
  if (batch.signal) setMaxListeners(4 * batch.parallel + 10, batch.signal);
  let handOver = batch.session;
  const spare = [...(batch.spare ?? [])];
  let kept: Session | undefined;
  /** Items given back by a connection the server refused, for the others to take. */
  const givenBack: BatchItem[] = [];
  const sessions = new Set<Session>();
  let connecting = 0;
  let refused: unknown;
  const take = () => (fatal === undefined ? (givenBack.pop() ?? (next < items.length ? items[next++] : undefined)) : undefined);
  const othersWork = () => connecting > 0 || [...sessions].some((s) => s.client.connected);

  const connect = async (): Promise<Session> => {
    connecting++;
    let session: Session;
    try {
      session = await open();
    } catch (err) {
      connecting--;
      if (fatal === undefined && !batch.signal?.aborted && othersWork()) throw new SurplusConnection(err);
      throw err;
    }
    connecting--;
    return session;
  };

  const worker = async () => {
    let session: Session | undefined = handOver ?? spare.pop();
    handOver = undefined;
    if (session) sessions.add(session);
    // An item claimed early, when the one before sent its command ahead.
    let claimed: BatchItem | undefined;
    const claimNext = () => (claimed ??= take())?.firstRead;
    try {
      for (let item = take(); item && fatal === undefined; item = claimed ?? take()) {
        claimed = undefined;
        const progress = await batch.progressFor(item);
        const onRetry = (attempt: number, delay: number, err: Error) => {
          emit?.({ event: 'retry', file: item!.name, attempt, delay, message: err.message });
          batch.reporter?.notice?.(`${err.message}; retrying in ${delay} s (${attempt}/${batch.retries})`);
        };
        try {
          const result = await withRetries({ retries: batch.retries, retryDelay: batch.retryDelay, signal: batch.signal, onRetry }, async (attempt) => {
            if (!session?.client.connected) {
              if (session) sessions.delete(session);
              await session?.end(false);
              session = undefined;
              session = await connect();
              sessions.add(session);
            }
            // The batch may have stopped while this connection logged in.
            if (fatal !== undefined) throw new NotStarted();
            return item!.run(session.client, attempt, progress, claimNext);
          });
          bytes += result.bytes;
          if (result.skipped) skipped++;
          else ok++;
        } catch (err) {
          if (err instanceof NotStarted) {
            givenBack.push(item);
            break;
          }
          if (err instanceof SurplusConnection) {
            // The server takes no more connections from us: the others carry on with this file.
            refused = err.reason;
            givenBack.push(item, ...(claimed ? [claimed] : []));
            return;
          }
          fail(item.name, err);
          if (stopsEverything(err) || diskFull(err)) fatal ??= err;
        }
      }
      // A file claimed for this connection (its command sent ahead) that the stop left undone.
      if (claimed) givenBack.push(claimed);
    } finally {
      if (session) sessions.delete(session);
      if (batch.keepSession && !kept && fatal === undefined && session?.client.connected) [kept, session] = [session, undefined];
      await session?.end(fatal === undefined);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(batch.parallel, items.length)) }, worker));
  await handOver?.end(true); // no file to move: the listing session was not needed
  await Promise.all(spare.map((s) => s.end(true)));

  // What never started: after a stop, or when every connection was refused in the end. In the
  // batch's own order: connections give their files back in whatever order they stop.
  const position = new Map(items.map((item, i) => [item, i]));
  const notDone = [...givenBack.sort((a, b) => position.get(a)! - position.get(b)!), ...items.slice(next)];
  let notStarted: string[] = [];
  if (fatal === undefined && refused !== undefined) for (const item of notDone) fail(item.name, refused);
  else if (!(fatal instanceof FtpError && fatal.kind === 'aborted')) notStarted = notDone.map((i) => i.name);
  const reason = `not started: ${(fatal as Error)?.message ?? 'the transfer stopped'}`;
  for (const name of notStarted) emit?.({ event: 'skip', file: name, reason });

  const files = items.length + (batch.failed?.length ?? 0);
  const elapsed = Math.round(performance.now() - began) / 1000;
  emit?.({ event: 'summary', files, ok, failed: failures.length, skipped, bytes, seconds: elapsed });
  const outcome: BatchOutcome = { files, ok, skipped, bytes, seconds: elapsed, failures, notStarted };
  if (fatal !== undefined) outcome.stoppedBy = fatal;
  if (kept) outcome.session = kept;
  if (failures.length > 0 || notDone.length > 0) {
    outcome.failure =
      files === 1 || fatal !== undefined || failures.length === files
        ? (fatal ?? failures[0]!.err)
        : new PartialFailure(`${failures.length} of ${files} files failed (listed above); ${ok + skipped} succeeded`);
  }
  return outcome;
}
