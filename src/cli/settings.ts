import type { Io } from './io.js';
import type { TransferFlags } from './options.js';
import type { DownloadSettings } from '../core/jobs/download.js';
import type { UploadSettings } from '../core/jobs/upload.js';
import { UsageError } from './exit-codes.js';

// The flags of get and put, and what they mean to the core's jobs.

export interface GetFlags extends TransferFlags {
  recursive?: boolean;
  parallel?: number;
  dryRun?: boolean;
  followLinks?: boolean;
  json?: boolean;
  sha256?: string;
  segments?: number;
  verify?: boolean;
  /** -o: the local file, as curl names it. */
  output?: string;
  /** -O: the remote basename (what tftp does anyway). */
  remoteName?: boolean;
}

/** The flags as the core's download settings. */
export function downloadSettings(io: Io, opts: GetFlags): DownloadSettings {
  return {
    ascii: opts.ascii,
    rest: opts.rest,
    resume: opts.continue,
    retries: opts.retries,
    retryDelay: opts.retryDelay,
    preserve: opts.preserve,
    sha256: opts.sha256,
    verify: opts.verify,
    digest: !!opts.json, // --json reports each file's SHA-256
    signal: io.signal,
  };
}

export interface PutFlags extends TransferFlags {
  recursive?: boolean;
  parallel?: number;
  dryRun?: boolean;
  json?: boolean;
  createDirs?: boolean;
  append?: boolean;
  atomic?: boolean;
  /** -T: the local file, as curl names it. */
  uploadFile?: string;
}

/** The flags as the core's upload settings. */
export function uploadSettings(io: Io, opts: PutFlags): UploadSettings {
  return {
    ascii: opts.ascii,
    rest: opts.rest,
    resume: opts.continue,
    retries: opts.retries,
    retryDelay: opts.retryDelay,
    preserve: opts.preserve,
    createDirs: opts.createDirs,
    append: opts.append,
    atomic: opts.atomic,
    signal: io.signal,
  };
}

/** Combinations of put's flags that mean nothing: one line, exit 2. */
export function checkPutFlags(opts: PutFlags): void {
  if (opts.append && opts.atomic) throw new UsageError('--append cannot be combined with --atomic (an append is never atomic)');
  if (opts.append && (opts.continue || opts.rest !== undefined)) throw new UsageError('--append cannot be combined with -c or --rest (APPE always adds at the end)');
  if (opts.atomic && opts.rest !== undefined) throw new UsageError('--rest cannot be combined with --atomic (use -c to resume the temporary file)');
}
