import { createHash } from 'node:crypto';
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
  files: PlannedFile[];
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
}

/**
 * Walks the remote tree from `start` into a list of files and local folders
 * under `localRoot`. Every remote folder is listed once at most; the number
 * of folders and entries is bounded; a folder whose listing is the same as
 * one of its parents' (a link to a parent, shown as a folder) is not entered.
 */
export async function makePlan(client: RemoteFs, start: string, localRoot: string, opts: WalkOptions, signal?: AbortSignal): Promise<Plan> {
  const plan: Plan = { files: [], folders: [localPathUnder(localRoot, [])], skipped: [], failed: [], entries: 0 };
  const listed = new Set<string>();
  let folders = 0;
  let seen = 0;
  const refuse = (name: string, reason: string) => plan.failed.push({ name, err: new FtpError('protocol', `${name}: ${reason}`) });

  const walk = async (dir: string, segments: string[], ancestors: string[]): Promise<void> => {
    const key = canonical(dir);
    if (listed.has(key)) return void refuse(dir, 'listed already (a loop in the listing)');
    listed.add(key);
    if (++folders > MAX_FOLDERS) throw walkLimit(`${MAX_FOLDERS} folders`);
    const listing = await client.list(dir || undefined, { signal });
    if (listing.file) {
      if (segments.length === 0) throw new FtpError('argument', `${dir} is a file, not a folder: get it without -r`);
      return void refuse(dir, 'listed as a folder, but it is a file');
    }
    const fingerprint = listingFingerprint(listing.entries);
    if (ancestors.includes(fingerprint)) return void refuse(dir, 'the same listing as a parent folder (a link loop): not entered');
    for (const line of listing.unparsed) refuse(`${dir || '.'}: ${JSON.stringify(line)}`, 'listing line not understood');
    seen += listing.entries.length;
    if (seen > MAX_ENTRIES) throw walkLimit(`${MAX_ENTRIES} entries`);
    // Every name here is taken: a temporary name must not be one of them (x.iso beside x.iso.part).
    const taken = new Set(listing.entries.map((e) => e.name));
    const subfolders: [string, string[]][] = [];
    for (const entry of listing.entries) {
      if (segments.length === 0 && opts.match && !opts.match.test(entry.name)) continue;
      plan.entries++;
      const remotePath = dir ? `${dir}/${entry.name}` : entry.name;
      const unsafe = unsafeNameReason(entry.name);
      if (unsafe) {
        refuse(remotePath, `refused: ${unsafe}`);
        continue;
      }
      const local = localPathUnder(localRoot, [...segments, entry.name]);
      if (entry.type === 'dir') {
        if (!opts.recursive) continue;
        if (segments.length >= MAX_DEPTH) {
          refuse(remotePath, `deeper than ${MAX_DEPTH} folders`);
          continue;
        }
        const linked = lstatSync(local, { throwIfNoEntry: false });
        if (linked && !linked.isDirectory()) {
          // Never written through: a link there could lead outside the target folder.
          const what = linked.isSymbolicLink() ? 'a symbolic link (never followed)' : 'not a folder';
          plan.failed.push({ name: remotePath, err: new LocalError(`${local} is ${what}: ${remotePath} not downloaded`) });
          continue;
        }
        plan.folders.push(local);
        subfolders.push([remotePath, [...segments, entry.name]]);
      } else if (entry.type === 'link' && !opts.followLinks) {
        plan.skipped.push({ name: remotePath, reason: `symbolic link${entry.target ? ` to ${entry.target}` : ''} (use --follow-links)` });
      } else {
        const part = await tempPath(local, '.part', taken);
        taken.add(basename(part));
        plan.files.push({ remote: remotePath, local, part, size: entry.type === 'file' ? entry.size : undefined, modified: entry.modified });
      }
    }
    for (const [remote, segs] of subfolders) await walk(remote, segs, [...ancestors, fingerprint]);
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
  for (const e of entries) hash.update(`${e.type}\0${e.name}\0${e.size ?? ''}\0${e.modified ?? ''}\n`);
  return hash.digest('hex');
}
