// Types for bench/api.js, so a TypeScript test (e.g. a vitest smoke test
// against ftp-srv) can import it under the project's strict settings.

export type BenchCaseId =
  | 'get' | 'put' | 'active' | 'progress' | 'small' | 'latency' | 'tree' | 'segments'
  | 'ftps-get' | 'ftps-put' | 'ftps-active' | 'ftps-small' | 'ftps-tree' | 'ftps-tree-8' | 'ftps-segments'
  | 'sync-first' | 'sync-second' | 'startup';
export type BenchPeer = 'lftp' | 'curl' | 'ftplib' | 'rclone';

export interface BenchAgainstOptions {
  /** Server address (default 127.0.0.1). */
  host?: string;
  /** Control port of the server. */
  port: number;
  /** Local folder the server serves as "/"; the test data is written into it. */
  root: string;
  /** Which case to run (default "get"). */
  case?: BenchCaseId;
  /** Peers to run besides tftp (default none). */
  tools?: BenchPeer[];
  /** Timed runs per tool (default 1). */
  runs?: number;
  /** Size of the random file for get/put/active/progress, MiB (default 1). */
  sizeMiB?: number;
  /** Number of 4 KiB files for "small" (default 10). */
  smallCount?: number;
  /** Files of the site the sync cases deploy into uploadDir (default 12). */
  syncFiles?: number;
  /** For the ftps-* cases: an explicit FTPS server serving the same root, and the CA file its certificate is signed by. */
  ftps?: { port: number; caFile: string };
  /** Folder under root that receives uploads (default "upload"; created when missing). */
  uploadDir?: string;
  /** Limit for one run, ms (default 60000). */
  timeoutMs?: number;
  /** Progress lines (one per run). */
  log?: (line: string) => void;
}

export interface BenchRun {
  wallS: number;
  loopS: number | null;
  rssMiB: number | null;
  outputBytes: number;
  ok: boolean;
  problem?: string;
}

export interface BenchRow {
  label: string;
  tool: string;
  baseline: boolean;
  version: string | null;
  status: 'ok' | 'FAILED' | 'skipped';
  reason: string | null;
  runs: BenchRun[];
  medianS: number | null;
  minS: number | null;
  maxS: number | null;
  mbps: number | null;
  peakRssMiB: number | null;
  outputBytes: number | null;
  /** median(baseline) / median(this row); absent on the baseline row itself. */
  ratio?: number | null;
}

export interface BenchCaseResult {
  id: BenchCaseId;
  title: string;
  note: string | null;
  bytes: number;
  runs: number;
  warmup: number;
  status: 'ok' | 'FAILED';
  rows: BenchRow[];
}

/** Runs one benchmark case against any FTP server that serves a local folder. */
export function benchAgainst(options: BenchAgainstOptions): Promise<BenchCaseResult>;
