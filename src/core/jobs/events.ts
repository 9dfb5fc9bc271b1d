import type { FtpClient } from '../client.js';

/**
 * What a job tells about its progress. The CLI turns the events into NDJSON
 * (--json) and the notices into lines on stderr; a library caller listens to
 * either, or to neither.
 */
export type JobEvent =
  | { event: 'start'; file: string; size: number | null; mode: 'get' | 'put' }
  | { event: 'progress'; file: string; bytes: number; rate: number }
  | { event: 'retry'; file: string; attempt: number; delay: number; message: string }
  | { event: 'done'; file: string; bytes: number; seconds: number; sha256?: string }
  | { event: 'skip'; file: string; reason: string }
  | { event: 'error'; file: string; error: unknown }
  | { event: 'summary'; files: number; ok: number; failed: number; skipped: number; bytes: number; seconds: number };

export interface JobReporter {
  /** Machine-readable events. */
  event?: ((e: JobEvent) => void) | undefined;
  /** A line for people: a file already complete, a retry, a fallback, a warning. */
  notice?: ((text: string) => void) | undefined;
}

/** One file's progress display: told when the transfer starts, of every chunk, and at the end. */
export interface Progress {
  /** `total` is the whole file's size when known; `offset` what was there before. */
  start(total: number | undefined, offset: number): void;
  add(bytes: number): void;
  finish(ok: boolean): void;
}

export const NO_PROGRESS: Progress = { start() {}, add() {}, finish() {} };

/** A logged-in client, and how to end it: QUIT after success, a plain close after a failure. */
export interface Session {
  client: FtpClient;
  end(ok: boolean): Promise<void>;
}

/** Opens and logs in a new session to the same server (a batch's connections, a segment's). */
export type OpenSession = () => Promise<Session>;

/**
 * At most one progress event a second per file: `bytes` is where the file
 * stands (resume offset included), the rate counts only what moved now.
 */
export function throttledProgress(emit: (e: JobEvent) => void, file: string, offset: number): (moved: number) => void {
  const began = performance.now();
  let last = 0;
  return (moved) => {
    const now = performance.now();
    if (now - last < 1000) return;
    last = now;
    const seconds = (now - began) / 1000;
    emit({ event: 'progress', file, bytes: offset + moved, rate: seconds > 0 ? Math.round(moved / seconds) : 0 });
  };
}

export function seconds(since: number): number {
  return Math.round(performance.now() - since) / 1000;
}
