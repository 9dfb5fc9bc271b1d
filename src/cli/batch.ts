import { setMaxListeners } from 'node:events';
import type { FtpClient } from '../core/client.js';
import { FtpError } from '../protocol/errors.js';
import type { Io } from './io.js';
import type { TransferFlags } from './options.js';
import { openSession, type Session } from './session.js';
import { withRetries } from './retry.js';
import { exitCodeFor, isFsError } from './exit-codes.js';
import { printable } from './text.js';
import type { Progress } from './progress.js';
import type { EventSink } from './events.js';

/** One file of a transfer: what to call it, and how to move it on a logged-in client. */
export interface BatchItem {
  name: string;
  size?: number | undefined;
  /**
   * Moves the file; `attempt` > 0 is a retry. Resolves with the bytes moved, or a reason it was skipped.
   * `next` claims the following item for this connection and says its firstCommand, which this
   * one may send ahead once its transfer is complete (TransferOptions.next).
   */
  run(client: FtpClient, attempt: number, progress: Progress, next?: () => string | undefined): Promise<{ bytes: number; skipped?: string }>;
  /** The transfer command run() sends first, when it sends nothing before it: it may go ahead of time. */
  firstCommand?: string | undefined;
}

/** Some files of a multi-file transfer failed while others succeeded: exit 10. */
export class PartialFailure extends Error {
  override name = 'PartialFailure';
}

/** Errors that doom every other file too: stop the whole batch. */
function stopsEverything(err: unknown): boolean {
  return err instanceof FtpError && ['login', 'tls', 'aborted', 'connect'].includes(err.kind);
}

/** A full local disk: no file started after it could succeed either. */
function diskFull(err: unknown): boolean {
  return isFsError(err) && (err.code === 'ENOSPC' || err.code === 'EDQUOT');
}

/** The batch stopped (a full disk, Ctrl-C) while this file waited for its connection: it never started. */
class NotStarted extends Error {}

/** A connection refused while others of the same batch work: the server's limit, not a failure. */
class SurplusConnection extends Error {
  constructor(readonly reason: unknown) {
    super((reason as Error).message);
  }
}

export interface BatchOptions {
  parallel: number;
  progressFor(item: BatchItem): Promise<Progress>;
  events?: EventSink | undefined;
  /** A session already logged in (the one that listed the files): the first worker uses it. */
  session?: Session | undefined;
  /** Entries that failed before the batch (e.g. listing lines that could not be read): counted with the rest. */
  failed?: { name: string; err: Error }[] | undefined;
}

/**
 * Runs the items over up to `parallel` connections, each logged in once and
 * reused file after file (reopened if it breaks). Every file is retried on
 * its own. A connection the server refuses while others work (a limit of
 * connections per address) is given up and its files go to the others.
 * After a full disk no new file starts. Throws the error itself for a single
 * file, PartialFailure when some of several failed.
 */
export async function runBatch(io: Io, target: Parameters<typeof openSession>[1], opts: TransferFlags, items: BatchItem[], batch: BatchOptions): Promise<void> {
  const failures: { name: string; err: unknown }[] = [];
  let next = 0;
  let ok = 0;
  let skipped = 0;
  let bytes = 0;
  /** Ends the batch: nothing new starts (Ctrl-C, login refused, a full disk …). */
  let fatal: unknown;
  const began = performance.now();
  const emit = batch.events;
  const fail = (name: string, err: unknown) => {
    failures.push({ name, err });
    emit?.({ event: 'error', file: name, code: exitCodeFor(err), message: (err as Error).message });
  };
  for (const f of batch.failed ?? []) fail(f.name, f.err);

  // Each connection and each transfer listens for Ctrl-C: more than the default 10.
  if (io.signal) setMaxListeners(4 * batch.parallel + 10, io.signal);
  let handOver = batch.session;
  /** Items given back by a connection the server refused, for the others to take. */
  const givenBack: BatchItem[] = [];
  const sessions = new Set<Session>();
  let connecting = 0;
  let refused: unknown;
  const take = () => (fatal === undefined ? (givenBack.pop() ?? (next < items.length ? items[next++] : undefined)) : undefined);
  const othersWork = (mine: Session | undefined) => connecting > 0 || [...sessions].some((s) => s !== mine && s.client.connected);

  const connect = async (): Promise<Session> => {
    connecting++;
    let session: Session;
    try {
      session = await openSession(io, target, opts);
    } catch (err) {
      connecting--;
      if (fatal === undefined && !io.signal?.aborted && othersWork(undefined)) throw new SurplusConnection(err);
      throw err;
    }
    connecting--;
    return session;
  };

  const worker = async () => {
    let session: Session | undefined = handOver;
    handOver = undefined;
    if (session) sessions.add(session);
    // An item claimed early, when the one before sent its command ahead.
    let claimed: BatchItem | undefined;
    const claimNext = () => (claimed ??= take())?.firstCommand;
    try {
      for (let item = take(); item && fatal === undefined; item = claimed ?? take()) {
        claimed = undefined;
        const progress = await batch.progressFor(item);
        try {
          const result = await withRetries(
            io,
            { ...opts, quiet: opts.quiet || !!emit, onRetry: (attempt, delay, err) => emit?.({ event: 'retry', file: item!.name, attempt, delay, message: err.message }) },
            async (attempt) => {
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
            },
          );
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
      await session?.end(fatal === undefined);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(batch.parallel, items.length)) }, worker));
  await handOver?.end(true); // no file to move: the listing session was not needed

  // What never started: after a stop, or when every connection was refused in the end.
  const notDone = [...givenBack, ...items.slice(next)];
  if (fatal === undefined && refused !== undefined) for (const item of notDone) fail(item.name, refused);
  else if (notDone.length > 0 && !(fatal instanceof FtpError && fatal.kind === 'aborted')) reportNotDone(io, emit, notDone, fatal);

  const total = items.length + (batch.failed?.length ?? 0);
  emit?.({ event: 'summary', files: total, ok, failed: failures.length, skipped, bytes, seconds: round((performance.now() - began) / 1000) });
  if (failures.length === 0 && notDone.length === 0) return;
  const { describeError } = await import('./output.js');
  if (failures.length > 0 && total > 1) io.stderr.write(`failed:\n${failures.map((f) => `  ${named(printable(f.name), describeError(f.err))}\n`).join('')}`);
  if (total === 1 || fatal !== undefined || failures.length === total) throw fatal ?? failures[0]!.err;
  throw new PartialFailure(`${failures.length} of ${total} files failed (listed above); ${ok + skipped} succeeded`);
}

/** "name: why", unless the error already starts with the name. */
function named(name: string, text: string): string {
  return text.startsWith(`${name}: `) ? text : `${name}: ${text}`;
}

/** The files a stopped batch never started, so that nobody takes the run for complete. */
function reportNotDone(io: Io, emit: EventSink | undefined, items: BatchItem[], why: unknown): void {
  const reason = `not started: ${(why as Error)?.message ?? 'the transfer stopped'}`;
  if (emit) for (const item of items) emit({ event: 'skip', file: item.name, reason });
  else io.stderr.write(`not started (${items.length}):\n${items.map((i) => `  ${printable(i.name)}\n`).join('')}`);
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
