import { setMaxListeners } from 'node:events';
import type { FtpClient } from '../core/client.js';
import { FtpError } from '../protocol/errors.js';
import type { Io } from './io.js';
import type { TransferFlags } from './options.js';
import { openSession, type Session } from './session.js';
import { withRetries } from './retry.js';
import { exitCodeFor } from './exit-codes.js';
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

export interface BatchOptions {
  parallel: number;
  progressFor(item: BatchItem): Promise<Progress>;
  events?: EventSink | undefined;
  /** A session already logged in (the one that listed the files): the first worker uses it. */
  session?: Session | undefined;
}

/**
 * Runs the items over up to `parallel` connections, each logged in once and
 * reused file after file (reopened if it breaks). Every file is retried on
 * its own. Throws the error itself for a single file, PartialFailure when
 * some of several failed.
 */
export async function runBatch(io: Io, target: Parameters<typeof openSession>[1], opts: TransferFlags, items: BatchItem[], batch: BatchOptions): Promise<void> {
  const failures: { item: BatchItem; err: unknown }[] = [];
  let next = 0;
  let ok = 0;
  let skipped = 0;
  let bytes = 0;
  let fatal: unknown;
  const began = performance.now();
  const emit = batch.events;

  // Each connection and each transfer listens for Ctrl-C: more than the default 10.
  if (io.signal) setMaxListeners(4 * batch.parallel + 10, io.signal);
  let handOver = batch.session;
  const worker = async () => {
    let session: Session | undefined = handOver;
    handOver = undefined;
    const take = () => (fatal === undefined && next < items.length ? items[next++] : undefined);
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
            { ...opts, quiet: opts.quiet || !!emit, onRetry: (attempt, delay, err) => emit?.({ event: 'retry', file: item.name, attempt, delay, message: err.message }) },
            async (attempt) => {
              if (!session?.client.connected) {
                await session?.end(false);
                session = undefined;
                session = await openSession(io, target, opts);
              }
              return item.run(session.client, attempt, progress, claimNext);
            },
          );
          bytes += result.bytes;
          if (result.skipped) skipped++;
          else ok++;
        } catch (err) {
          failures.push({ item, err });
          emit?.({ event: 'error', file: item.name, code: exitCodeFor(err), message: (err as Error).message });
          if (stopsEverything(err)) fatal = err;
        }
      }
    } finally {
      await session?.end(fatal === undefined);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(batch.parallel, items.length)) }, worker));
  await handOver?.end(true); // no file to move: the listing session was not needed

  emit?.({ event: 'summary', files: items.length, ok, failed: failures.length, skipped, bytes, seconds: round((performance.now() - began) / 1000) });
  if (failures.length === 0) return;
  if (items.length === 1 || fatal !== undefined || failures.length === items.length) throw fatal ?? failures[0]!.err;
  const { describeError } = await import('./output.js');
  io.stderr.write(`failed:\n${failures.map((f) => `  ${f.item.name}: ${describeError(f.err)}\n`).join('')}`);
  throw new PartialFailure(`${failures.length} of ${items.length} files failed (listed above); ${ok + skipped} succeeded`);
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
