import type { Readable, Writable } from 'node:stream';
import type { FileSource, FileTarget } from '../transfer/file-io.js';
import type { TransferOptions } from '../transfer/transfer.js';
import type { Listing, ListOptions } from './listing.js';
import type { MkdirOptions, RemoteStat, RenameOptions } from './remote-fs.js';
import type { RemoteHash } from './hash.js';

/** How a file is read: a transfer's options, in ASCII or binary, and what is read next. */
export interface ReadOptions extends Omit<TransferOptions, 'next'> {
  /** Line endings converted (TYPE A); binary otherwise. */
  ascii?: boolean | undefined;
  /** The file read next on this connection, asked once this read is complete: it may go ahead of time. */
  nextPath?: (() => string | undefined) | undefined;
}

/** How a file is written: a transfer's options, in ASCII or binary. */
export interface WriteOptions extends Omit<TransferOptions, 'next'> {
  ascii?: boolean | undefined;
  /** Added to the end of the file (APPE; a missing file is made) instead of replacing it (STOR). */
  append?: boolean | undefined;
}

/**
 * What the jobs (downloads, uploads, trees, segments) ask of a server: files
 * and folders by name, bytes read from or written to them, and nothing of
 * how the protocol carries them. FtpClient is the one implementation; a rate
 * limit, a proxy or another transport goes behind this.
 */
export interface RemoteFs {
  readonly connected: boolean;
  list(path?: string, opts?: ListOptions): Promise<Listing>;
  stat(path: string): Promise<RemoteStat | undefined>;
  /** Bytes of a file, or undefined when the server will not say. */
  size(path: string): Promise<number | undefined>;
  /** A read of `path` is the next transfer: the next command may carry what opens its data connection. */
  readsNext(path: string): void;
  /** Modification time as the server states it (YYYYMMDDHHMMSS[.sss], UTC), or undefined. */
  mdtm(path: string): Promise<string | undefined>;
  /** Whether the server announces `name` (e.g. "REST STREAM", "MFMT"). */
  hasFeature(name: string): Promise<boolean>;
  /** Reads `path` (from `opts.rest`, `opts.length` bytes at most) into a stream or a file; resolves with the bytes. */
  read(path: string, dest: Writable | FileTarget, opts?: ReadOptions): Promise<number>;
  /** Writes a stream, or a file from a position to its end, to `path` (at `opts.rest`); resolves with the bytes. */
  write(path: string, source: Readable | FileSource, opts?: WriteOptions): Promise<number>;
  mkdir(path: string, opts?: MkdirOptions): Promise<void>;
  remove(path: string): Promise<void>;
  removeDir(path: string): Promise<void>;
  rename(from: string, to: string, opts?: RenameOptions): Promise<void>;
  /** False when the server cannot set times. */
  setModified(path: string, date: Date): Promise<boolean>;
  hash(path: string): Promise<RemoteHash | undefined>;
}
