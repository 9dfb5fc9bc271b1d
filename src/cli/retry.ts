import { setTimeout as sleep } from 'node:timers/promises';
import { FtpError, RestRefusedError } from '../protocol/errors.js';
import type { Io } from './io.js';

const MAX_DELAY_S = 30;

/** A failure that another attempt would only make worse. */
export class FinalError extends FtpError {}

/** What may succeed later: lost connections, timeouts, 4xx, dropped data. Never 5xx, login, protocol or local errors. */
function isRetryable(err: unknown): boolean {
  if (!(err instanceof FtpError) || err instanceof RestRefusedError || err instanceof FinalError) return false;
  return ['connect', 'temporary', 'transfer', 'timeout', 'closed'].includes(err.kind);
}

export interface RetryOptions {
  retries: number;
  retryDelay: number;
  quiet?: boolean | undefined;
  /** Told of each retry before its wait (for --json). */
  onRetry?: (attempt: number, delaySeconds: number, err: Error) => void;
}

/**
 * Runs `attempt(n)` until it succeeds, fails for good, or the retries run
 * out; waits retryDelay * 2^n seconds (capped) between attempts.
 */
export async function withRetries<T>(io: Io, opts: RetryOptions, attempt: (n: number) => Promise<T>): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (n >= opts.retries || !isRetryable(err) || io.signal?.aborted) throw err;
      const delay = Math.min(opts.retryDelay * 2 ** n, MAX_DELAY_S);
      opts.onRetry?.(n + 1, delay, err as Error);
      if (!opts.quiet) io.stderr.write(`tftp: ${(err as Error).message}; retrying in ${delay} s (${n + 1}/${opts.retries})\n`);
      try {
        await sleep(delay * 1000, undefined, { signal: io.signal });
      } catch {
        throw new FtpError('aborted', 'interrupted');
      }
    }
  }
}
