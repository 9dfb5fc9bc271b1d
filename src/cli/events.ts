import type { Io } from './io.js';
import { printable } from './text.js';

/**
 * Machine-readable progress (--json): one JSON object per line on stdout.
 * Nothing else goes to stdout in this mode; people read stderr.
 */
export type TransferEvent =
  | { event: 'start'; file: string; size: number | null; mode: 'get' | 'put' }
  | { event: 'progress'; file: string; bytes: number; rate: number }
  | { event: 'retry'; file: string; attempt: number; delay: number; message: string }
  | { event: 'done'; file: string; bytes: number; seconds: number; sha256?: string }
  | { event: 'skip'; file: string; reason: string }
  | { event: 'error'; file: string; code: number; message: string }
  | { event: 'summary'; files: number; ok: number; failed: number; skipped: number; bytes: number; seconds: number };

export type EventSink = (e: TransferEvent) => void;

export function ndjson(io: Io): EventSink {
  return (e) => io.stdout.write(JSON.stringify(e) + '\n');
}

/** A file left out of a multi-file transfer: a `skip` event with --json, else a line on stderr. */
export function reportSkip(io: Io, events: EventSink | undefined, file: string, reason: string): void {
  if (events) events({ event: 'skip', file, reason });
  else io.stderr.write(`tftp: skipped ${printable(JSON.stringify(file))}: ${printable(reason)}\n`);
}

/**
 * At most one progress event a second per file: `bytes` is where the file
 * stands (resume offset included), the rate counts only what moved now.
 */
export function throttledProgress(emit: EventSink, file: string, offset: number): (moved: number) => void {
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
