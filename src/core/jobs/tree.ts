import { createHash, type Hash } from 'node:crypto';
import { lstatSync } from 'node:fs';
import { basename } from 'node:path';
import type { RemoteFs } from '../remote/fs.js';
import { FtpError, LocalError } from '../../protocol/errors.js';
import type { ListEntry } from '../../protocol/list.js';
import { localPathUnder, unsafeNameReason } from '../local/safe-path.js';
import { tempPath } from '../local/part-name.js';

/** One file of a recursive download: where it comes from and goes, and its temporary name. */
export interface PlannedFile {
  remote: string;
  local: string;
  part: string;
  size?: number | undefined;
  modified?: string | undefined;
}

/** An entry left out of the download, and why. */
export interface LeftOut {
  name: string;
  reason: string;
}

/** An entry that should have been downloaded and cannot be. */
export interface Failed {
  name: string;
  err: Error;
}

export interface Plan {
  /** The files to download; empty when WalkOptions.onFile took them. */
  files: PlannedFile[];
  /** How many files the walk planned (those in `files`, or given to onFile). */
  planned: number;
  /** Local folders to create, parents first (the root first of all). */
  folders: string[];
  /** Entries deliberately not followed (symbolic links): reported, not failures. */
  skipped: LeftOut[];
  /** Entries that should have been downloaded and cannot be: the run cannot succeed. */
  failed: Failed[];
  /** Entries taken into account (those a wildcard matched), of any type. */
  entries: number;
}

/** Nested folders deeper than this are not followed (a server could loop forever). */
const MAX_DEPTH = 64;
/** A walk lists at most this many folders and takes at most this many entries: a listing loop ends. */
export const MAX_FOLDERS = 100_000;
export const MAX_ENTRIES = 2_000_000;

export interface WalkOptions {
  recursive: boolean;
  followLinks: boolean;
  /** Only these names in the first folder (a wildcard). */
  match?: RegExp | undefined;
  /**
   * Each file as soon as its folder's listing shows it, instead of into
   * `plan.files` (a dry run): no temporary name is chosen, and a huge
   * folder's entries are never held. The listing waits on a returned promise.
   */
  onFile?: ((file: Omit<PlannedFile, 'part'>) => void | Promise<void>) | undefined;
}

/** One line of a folder's listing, as the walk takes it. */
type Seen = { entry: ListEntry } | { unparsed: string };

/**
 * Walks the remote tree from `start` into a list of files and local folders
 * under `localRoot`. Every remote folder is listed once at most; the number
 * of folders and entries is bounded; a folder whose listing is the same as
 * one of its parents' (a link to a parent, shown as a folder) is not entered.
 * Listings stream: a folder's entries are held only while it could still be
 * such a copy (no more entries than its largest parent), and, without
 * onFile, as the files to download.
 */
export async function makePlan(client: RemoteFs, start: string, localRoot: string, opts: WalkOptions, signal?: AbortSignal): Promise<Plan> {
  const plan: Plan = { files: [], planned: 0, folders: [localPathUnder(localRoot, [])], skipped: [], failed: [], entries: 0 };
  const listed = new Set<string>();
  let folders = 0;
  let seen = 0;
  const refuse = (name: string, reason: string) => plan.failed.push({ name, err: new FtpError('protocol', `${name}: ${reason}`) });

  const walk = async (dir: string, segments: string[], ancestors: { fingerprint: string; entries: number }[]): Promise<void> => {
    const key = canonical(dir);
    if (listed.has(key)) return void refuse(dir, 'listed already (a loop in the listing)');
    listed.add(key);
    if (++folders > MAX_FOLDERS) throw walkLimit(`${MAX_FOLDERS} folders`);
    // Every name here is taken: a temporary name must not be one of them (x.iso beside x.iso.part).
    const taken = new Set<string>();
    const files: Omit<PlannedFile, 'part'>[] = [];
    const subfolders: [string, string[]][] = [];
    const hash = createHash('sha256');
    let count = 0;
    // Held until the listing is longer than every parent's: only then can it not be a parent's copy.
    const largestParent = ancestors.reduce((max, a) => Math.max(max, a.entries), -1);
    let held: Seen[] | undefined = largestParent >= 0 ? [] : undefined;

    const take = async (line: Seen): Promise<void> => {
      if ('unparsed' in line) return void refuse(`${dir || '.'}: ${JSON.stringify(line.unparsed)}`, 'listing line not understood');
      const entry = line.entry;
      if (!opts.onFile) taken.add(entry.name);
      if (segments.length === 0 && opts.match && !opts.match.test(entry.name)) return;
      plan.entries++;
      const remotePath = dir ? `${dir}/${entry.name}` : entry.name;
      const unsafe = unsafeNameReason(entry.name);
      if (unsafe) return void refuse(remotePath, `refused: ${unsafe}`);
      const local = localPathUnder(localRoot, [...segments, entry.name]);
      if (entry.type === 'dir') {
        if (!opts.recursive) return;
        if (segments.length >= MAX_DEPTH) return void refuse(remotePath, `deeper than ${MAX_DEPTH} folders`);
        const linked = lstatSync(local, { throwIfNoEntry: false });
        if (linked && !linked.isDirectory()) {
          // Never written through: a link there could lead outside the target folder.
          const what = linked.isSymbolicLink() ? 'a symbolic link (never followed)' : 'not a folder';
          plan.failed.push({ name: remotePath, err: new LocalError(`${local} is ${what}: ${remotePath} not downloaded`) });
          return;
        }
        plan.folders.push(local);
        subfolders.push([remotePath, [...segments, entry.name]]);
      } else if (entry.type === 'link' && !opts.followLinks) {
        plan.skipped.push({ name: remotePath, reason: `symbolic link${entry.target ? ` to ${entry.target}` : ''} (use --follow-links)` });
      } else {
        const file = { remote: remotePath, local, size: entry.type === 'file' ? entry.size : undefined, modified: entry.modified };
        plan.planned++;
        if (opts.onFile) return opts.onFile(file);
        files.push(file);
      }
    };
    const arrive = async (line: Seen): Promise<void> => {
      if (++seen > MAX_ENTRIES) throw walkLimit(`${MAX_ENTRIES} entries`);
      if ('entry' in line) {
        count++;
        addToFingerprint(hash, line.entry);
      }
      if (held === undefined) return take(line);
      held.push(line);
      if (count <= largestParent) return;
      const release = held;
      held = undefined;
      for (const h of release) await take(h);
    };

    const listing = await client.list(dir || undefined, { signal, onEntry: (entry) => arrive({ entry }), onUnparsed: (unparsed) => void arrive({ unparsed }) });
    if (listing.file) {
      if (segments.length === 0) throw new FtpError('argument', `${dir} is a file, not a folder: get it without -r`);
      return void refuse(dir, 'listed as a folder, but it is a file');
    }
    const fingerprint = hash.digest('hex');
    if (held !== undefined) {
      if (ancestors.some((a) => a.fingerprint === fingerprint)) return void refuse(dir, 'the same listing as a parent folder (a link loop): not entered');
      for (const h of held) await take(h);
    }
    for (const f of files) {
      const part = await tempPath(f.local, '.part', taken);
      taken.add(basename(part));
      plan.files.push({ ...f, part });
    }
    for (const [remote, segs] of subfolders) await walk(remote, segs, [...ancestors, { fingerprint, entries: count }]);
  };
  await walk(start, [], []);
  return plan;
}

function walkLimit(what: string): FtpError {
  return new FtpError('protocol', `the remote tree goes on past ${what} (a loop in the server's listings?): stopped before downloading`);
}

/** A/./b//c/ -> a/b/c: one key per folder however the path was spelt. */
function canonical(path: string): string {
  return path.split('/').filter((p, i) => p !== '.' && (p !== '' || i === 0)).join('/').replace(/\/$/, '') || '.';
}

/** What a listing shows, as a digest: two folders with the same one are the same folder. */
export function listingFingerprint(entries: ListEntry[]): string {
  const hash = createHash('sha256');
  for (const e of entries) addToFingerprint(hash, e);
  return hash.digest('hex');
}

function addToFingerprint(hash: Hash, e: ListEntry): void {
  hash.update(`${e.type}\0${e.name}\0${e.size ?? ''}\0${e.modified ?? ''}\n`);
}
