import { setTimeout as sleep } from 'node:timers/promises';
import { FtpError, RestRefusedError } from '../../protocol/errors.js';

const MAX_DELAY_S = 30;

/** A failure that another attempt would only make worse. */
export class FinalError extends FtpError {}

/** What may succeed later: lost connections, timeouts, 4xx, dropped data. Never 5xx, login, protocol or local errors. */
function isRetryable(err: unknown): boolean {
  if (!(err instanceof FtpError) || err instanceof RestRefusedError || err instanceof FinalError) return false;
  return ['connect', 'temporary', 'transfer', 'timeout', 'closed'].includes(err.kind);
}

export interface RetryOptions {
  /** Attempts after the first (default 0). */
  retries?: number | undefined;
  /** Seconds before the first retry, doubled each time up to 30 (default 1). */
  retryDelay?: number | undefined;
  /** Ends the waits between attempts. */
  signal?: AbortSignal | undefined;
  /** Told of each retry before its wait. */
  onRetry?: ((attempt: number, delaySeconds: number, err: Error) => void) | undefined;
}

/**
 * Runs `attempt(n)` until it succeeds, fails for good, or the retries run
 * out; waits retryDelay * 2^n seconds (capped) between attempts.
 */
export async function withRetries<T>(opts: RetryOptions, attempt: (n: number) => Promise<T>): Promise<T> {
  const retries = opts.retries ?? 0;
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (n >= retries || !isRetryable(err) || opts.signal?.aborted) throw err;
      const delay = Math.min((opts.retryDelay ?? 1) * 2 ** n, MAX_DELAY_S);
      opts.onRetry?.(n + 1, delay, err as Error);
      try {
        await sleep(delay * 1000, undefined, { signal: opts.signal });
      } catch {
        throw new FtpError('aborted', 'interrupted');
      }
    }
  }
}
