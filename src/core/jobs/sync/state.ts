// The state file of `sync --state`: on the destination, what was last
// transferred of each path (size, modification time, SHA-256), so that the
// next run knows what is unchanged without trusting the destination's times,
// and a run stopped half-way goes on where it stopped. Written whole under a
// temporary name and renamed over the old one, so it is never half-written.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { FtpError } from '../../../protocol/errors.js';
import type { RemoteFs } from '../../remote/fs.js';
import { remotePath } from './walk.js';

export const DEFAULT_STATE_NAME = '.tftp-sync.json';
/** A state file larger than this is not read (a million paths take about 100 MiB). */
const MAX_STATE_BYTES = 256 * 1024 * 1024;
/** At most this long between two writes of the state while files move. */
export const STATE_INTERVAL_MS = 2000;

export interface StateEntry {
  size: number;
  /** The source's modification time (ms; a remote source's as listed). */
  mtime: number;
  sha256?: string | undefined;
}

/** The file's name beside the state while it is written. */
export function stateTempName(name: string): string {
  return `${name}.tmp`;
}

/** Where a state file lives: a local folder, or a remote one through a session. */
export interface StatePlace {
  read(client: RemoteFs | undefined): Promise<Buffer | undefined>;
  write(client: RemoteFs | undefined, body: Buffer): Promise<void>;
  readonly name: string;
}

export function localStatePlace(root: string, name: string): StatePlace {
  const path = join(root, name);
  return {
    name: path,
    async read() {
      return readFile(path).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
    },
    async write(_client, body) {
      const temp = join(root, stateTempName(name));
      await writeFile(temp, body);
      await rename(temp, path);
    },
  };
}

export function remoteStatePlace(root: string, name: string, signal?: AbortSignal): StatePlace {
  const path = remotePath(root, name);
  const temp = remotePath(root, stateTempName(name));
  return {
    name: path,
    async read(client) {
      const chunks: Buffer[] = [];
      let total = 0;
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          total += chunk.length;
          if (total > MAX_STATE_BYTES) return done(new FtpError('protocol', `the state file ${path} is over ${MAX_STATE_BYTES} bytes`));
          chunks.push(chunk);
          done();
        },
      });
      if ((await client!.size(path)) === undefined && (await client!.stat(path)) === undefined) return undefined;
      await client!.read(path, sink, { signal });
      return Buffer.concat(chunks);
    },
    async write(client, body) {
      await client!.write(temp, Readable.from([body]), { signal });
      try {
        await client!.rename(temp, path);
      } catch (err) {
        // Some servers will not rename over an existing file: remove it, then rename.
        if (!(err instanceof FtpError && err.kind === 'permanent')) throw err;
        await client!.remove(path);
        await client!.rename(temp, path);
      }
    },
  };
}

/** The entries of a state file's text; throws a readable reason when it is not one. */
export function parseState(body: Buffer): Map<string, StateEntry> {
  let data: unknown;
  try {
    data = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new Error(`not JSON (${(err as Error).message})`);
  }
  const files = (data as { files?: unknown })?.files;
  if ((data as { tftpSync?: unknown })?.tftpSync !== 1 || typeof files !== 'object' || files === null) throw new Error('not a tftp sync state (version 1)');
  const entries = new Map<string, StateEntry>();
  for (const [path, e] of Object.entries(files as Record<string, unknown>)) {
    const { size, mtime, sha256 } = (e ?? {}) as Record<string, unknown>;
    if (!Number.isSafeInteger(size) || (size as number) < 0 || typeof mtime !== 'number' || !Number.isFinite(mtime)) throw new Error(`a bad entry for ${JSON.stringify(path)}`);
    if (sha256 !== undefined && !(typeof sha256 === 'string' && /^[0-9a-f]{64}$/.test(sha256))) throw new Error(`a bad SHA-256 for ${JSON.stringify(path)}`);
    entries.set(path, { size: size as number, mtime, ...(sha256 ? { sha256 } : {}) });
  }
  return entries;
}

/**
 * The state's text, paths sorted: what JSON.stringify(…, null, 1) writes, put
 * together by hand (a third of the time, on a process that runs it once).
 */
export function formatState(entries: Map<string, StateEntry>): Buffer {
  const paths = [...entries.keys()];
  // Most often recorded in order already.
  for (let i = 1; i < paths.length; i++) {
    if (paths[i - 1]! > paths[i]!) {
      paths.sort();
      break;
    }
  }
  let text = '{\n "tftpSync": 1,\n "files": {';
  let comma = '';
  for (const path of paths) {
    const e = entries.get(path)!;
    text += `${comma}\n  ${JSON.stringify(path)}: {\n   "size": ${e.size},\n   "mtime": ${e.mtime}${e.sha256 === undefined ? '' : `,\n   "sha256": "${e.sha256}"`}\n  }`;
    comma = ',';
  }
  return Buffer.from(`${text}${paths.length > 0 ? '\n }' : '}'}\n}\n`);
}

/** Loads the state; a missing or unreadable one is undefined, with what happened in `problem`. */
export async function loadState(place: StatePlace, client: RemoteFs | undefined): Promise<{ entries?: Map<string, StateEntry>; problem?: string }> {
  let body: Buffer | undefined;
  try {
    body = await place.read(client);
  } catch (err) {
    if (err instanceof FtpError && !['permanent', 'protocol'].includes(err.kind)) throw err; // a lost connection is no verdict on the file
    return { problem: `cannot read the state file ${place.name}: ${(err as Error).message}` };
  }
  if (body === undefined) return { problem: `no state file ${place.name} yet` };
  try {
    return { entries: parseState(body) };
  } catch (err) {
    return { problem: `the state file ${place.name} is unreadable: ${(err as Error).message}` };
  }
}

/**
 * The state as a sync goes: entries recorded as files arrive, written every
 * few seconds (by whichever session just finished a file) and at the end.
 */
export class StateKeeper {
  private dirty = false;
  private saving: Promise<void> | undefined;
  private last: number;

  /**
   * `found`: a state file was read. Without one, the first file to arrive is
   * recorded at once, so that a run stopped early still leaves a state; with
   * one, a stop leaves that, which still tells what is unchanged, and a short
   * run writes its state once, at the end.
   */
  constructor(
    private readonly place: StatePlace,
    readonly entries: Map<string, StateEntry>,
    found = false,
  ) {
    this.last = found ? performance.now() : -Infinity;
  }

  record(path: string, entry: StateEntry): void {
    this.entries.set(path, entry);
    this.dirty = true;
  }

  forget(path: string): void {
    this.dirty = this.entries.delete(path) || this.dirty;
  }

  /** Writes the state if it changed and the last write is a few seconds old; one write at a time. */
  async maybeSave(client: RemoteFs | undefined): Promise<void> {
    if (!this.dirty || this.saving || performance.now() - this.last < STATE_INTERVAL_MS) return;
    await this.save(client);
  }

  async save(client: RemoteFs | undefined): Promise<void> {
    await this.saving;
    this.dirty = false;
    this.last = performance.now();
    this.saving = this.place.write(client, formatState(this.entries)).catch((err: unknown) => {
      this.dirty = true;
      throw err;
    });
    try {
      await this.saving;
    } finally {
      this.saving = undefined;
    }
  }
}
