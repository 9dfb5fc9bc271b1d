// The global `performance` (not node:perf_hooks): its modules load only when a limit is in use.
import { FtpError } from '../protocol/errors.js';

/**
 * One budget of bytes a second, shared by every transfer that holds it (all
 * the connections of a run: `-j`, segments, a tree). A token bucket that may
 * go into debt: a transfer takes what it just moved and waits until the
 * budget has paid for it, so the total rate is exact whatever the chunk
 * sizes, and several connections drawing on it share it between them.
 */
export class RateLimiter {
  private tokens: number;
  private last: number;
  /** The most the bucket holds: what may go out at once after a pause. */
  private readonly burst: number;

  constructor(
    readonly bytesPerSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(bytesPerSecond > 0) || !Number.isFinite(bytesPerSecond)) throw new FtpError('argument', `a rate limit must be a positive number of bytes a second, not ${bytesPerSecond}`);
    // A twentieth of a second: smooth, yet above a timer's granularity.
    this.burst = Math.max(1024, bytesPerSecond / 20);
    this.tokens = this.burst;
    this.last = this.now();
  }

  /** Charges `n` bytes to the budget; returns the milliseconds to wait before moving more (0: go on). */
  take(n: number): number {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.bytesPerSecond) / 1000);
    this.last = t;
    this.tokens -= n;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.bytesPerSecond);
  }

  /** How many bytes to move at a time for an even flow: a fiftieth of a second's worth (at least 4 KiB). */
  get chunkBytes(): number {
    return Math.max(4096, Math.floor(this.bytesPerSecond / 50));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
