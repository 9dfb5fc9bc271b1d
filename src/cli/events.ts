import type { BatchOutcome } from '../core/jobs/batch.js';
import type { JobEvent, JobReporter } from '../core/jobs/events.js';
import type { Io } from './io.js';
import { exitCodeFor } from './exit-codes.js';
import { printable } from './text.js';

/**
 * Machine-readable progress (--json): one JSON object per line on stdout.
 * Nothing else goes to stdout in this mode; people read stderr.
 */
export function ndjson(io: Io): (e: JobEvent) => void {
  return (e) => io.stdout.write(JSON.stringify(e.event === 'error' ? { event: 'error', file: e.file, code: exitCodeFor(e.error), message: (e.error as Error)?.message ?? String(e.error) } : e) + '\n');
}

/** What a job reports goes to NDJSON with --json, else its notices to stderr (unless -q). */
export function reporter(io: Io, opts: { json?: boolean | undefined; quiet?: boolean | undefined }): JobReporter {
  return {
    event: opts.json ? ndjson(io) : undefined,
    notice: opts.json || opts.quiet ? undefined : (text) => io.stderr.write(`tftp: ${printable(text)}\n`),
  };
}

/**
 * The end of a multi-file transfer: the files that failed and those never
 * started, listed on stderr, then the error the outcome comes to (if any).
 */
export async function finishBatch(io: Io, outcome: BatchOutcome, json: boolean): Promise<void> {
  if (outcome.failure === undefined) return;
  const { describeError } = await import('./output.js');
  if (outcome.failures.length > 0 && outcome.files > 1) {
    io.stderr.write(`failed:\n${outcome.failures.map((f) => `  ${named(printable(f.name), describeError(f.err))}\n`).join('')}`);
  }
  // With --json they were `skip` events.
  if (outcome.notStarted.length > 0 && !json) {
    io.stderr.write(`not started (${outcome.notStarted.length}):\n${outcome.notStarted.map((n) => `  ${printable(n)}\n`).join('')}`);
  }
  throw outcome.failure;
}

/** "name: why", unless the error already starts with the name. */
function named(name: string, text: string): string {
  return text.startsWith(`${name}: `) ? text : `${name}: ${text}`;
}
