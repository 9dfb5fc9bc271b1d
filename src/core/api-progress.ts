import type { Progress } from './jobs/events.js';

/** Where a transfer stands: totals, not deltas. */
export interface TransferProgress {
  file: string;
  /** Bytes of the file there now (a resume's offset included). */
  bytes: number;
  total: number | undefined;
  /** Bytes a second, over this transfer. */
  rate: number;
}

/** The jobs' progress calls as totals for `onProgress`. */
export function progressOf(file: string, onProgress: ((p: TransferProgress) => void) | undefined): Progress {
  if (!onProgress) return { start() {}, add() {}, finish() {} };
  let bytes = 0;
  let total: number | undefined;
  let began = 0;
  let offset = 0;
  const tell = () => onProgress({ file, bytes: offset + bytes, total, rate: Math.round(bytes / Math.max(0.001, (performance.now() - began) / 1000)) });
  return {
    start(t, o) {
      total = t;
      offset = o;
      bytes = 0;
      began = performance.now();
      tell();
    },
    add(n) {
      bytes += n;
      tell();
    },
    finish() {},
  };
}
