// The two sides of a sync as trees of relative paths: a local folder read
// from disk, a remote one listed folder by folder. Excluded paths are not in
// a tree; the folders that hold them are marked, so that they are never removed.
import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Stats } from 'node:fs';
import { FtpError } from '../../../protocol/errors.js';
import { hasLineBreak } from '../../../protocol/command.js';
import type { Listing } from '../../remote/listing.js';
import type { RemoteFs } from '../../remote/fs.js';
import { unsafeNameReason } from '../../local/safe-path.js';
import { MAX_ENTRIES, MAX_FOLDERS } from '../tree.js';
import type { SyncFilter } from './filter.js';
import { isTemporaryName } from '../atomic.js';

export interface SyncNode {
  type: 'file' | 'dir';
  size?: number | undefined;
  /** Modification time in ms since the epoch, UTC: exact for a local file, corrected for the server's clock for a remote one. */
  mtime?: number | undefined;
  /** How exact `mtime` is, in ms: 1 locally, 1000 from MLSD, 60 000 from a LIST line; undefined when it cannot be compared. */
  precision?: number | undefined;
  /** A remote file's time as listed (uncorrected): what the state file records of it. */
  listed?: number | undefined;
}

export interface SyncTree {
  /** Relative paths ('a/b.txt'), parents before their contents. */
  nodes: Map<string, SyncNode>;
  /** Whether the root folder exists. */
  exists: boolean;
  /** Folders that hold something left out (an excluded path, the state file, a refused name): never removed. */
  keep: Set<string>;
  /** Entries that cannot be synced: names the other side cannot store, listing lines not understood. */
  refused: { name: string; reason: string }[];
  /** Entries deliberately left out (links, special files), reported as notices. */
  skipped: { name: string; reason: string }[];
  /** Remote trees: MLSD or LIST, which tells how exact the listed times are. */
  format?: Listing['format'];
  /** Remote trees: the temporary files of uploads listed (full remote path → size, undefined when not a plain file). */
  temporaries?: Map<string, number | undefined>;
}

export interface WalkSettings {
  filter: SyncFilter;
  /** Names at the root that are never part of the tree (the state file and its temporary name). */
  reserved: ReadonlySet<string>;
  followLinks?: boolean | undefined;
  signal?: AbortSignal | undefined;
}

const MAX_DEPTH = 64;

function emptyTree(exists: boolean): SyncTree {
  return { nodes: new Map(), exists, keep: new Set(), refused: [], skipped: [] };
}

/** Marks `dir` and every folder above it as holding something kept. */
function keepUp(tree: SyncTree, dir: string): void {
  for (let d = dir; d !== ''; d = d.includes('/') ? d.slice(0, d.lastIndexOf('/')) : '') tree.keep.add(d);
}

/** Whether `name` in `dir` is left out; if so its folder is kept. */
function leftOut(tree: SyncTree, s: WalkSettings, dir: string, name: string, isDir: boolean): boolean {
  const rel = dir ? `${dir}/${name}` : name;
  if ((dir === '' && s.reserved.has(name)) || s.filter.excludes(rel, isDir)) {
    keepUp(tree, dir);
    return true;
  }
  return false;
}

function statOr(path: string, onError: (err: NodeJS.ErrnoException) => undefined): Stats | undefined {
  try {
    return statSync(path);
  } catch (err) {
    return onError(err as NodeJS.ErrnoException);
  }
}

/** The local folder `root` as a tree; a missing root is an empty tree that does not exist. */
export async function walkLocal(root: string, s: WalkSettings): Promise<SyncTree> {
  // Synchronous calls: a site's thousands of lstats cost more in round trips through the thread pool than in the calls.
  const top = statOr(root, (err) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!top) return emptyTree(false);
  if (!top.isDirectory()) throw new FtpError('argument', `${root} is not a folder`);
  const tree = emptyTree(true);
  // Folders entered through links, by real path: a link to a parent would loop.
  const entered = new Set<string>([realpathSync(root)]);
  const walk = async (dir: string, rel: string, depth: number): Promise<void> => {
    const names = readdirSync(dir).sort();
    for (const name of names) {
      const path = join(dir, name);
      const relPath = rel ? `${rel}/${name}` : name;
      let info: Stats = lstatSync(path);
      if (info.isSymbolicLink()) {
        if (!s.followLinks) {
          if (!leftOut(tree, s, rel, name, false)) tree.skipped.push({ name: relPath, reason: 'symbolic link (use --follow-links)' });
          continue;
        }
        const target = statOr(path, () => undefined);
        if (!target) {
          tree.skipped.push({ name: relPath, reason: 'symbolic link to nothing' });
          continue;
        }
        info = target;
      }
      if (leftOut(tree, s, rel, name, info.isDirectory())) continue;
      if (hasLineBreak(name)) {
        tree.refused.push({ name: relPath, reason: 'a CR, LF or NUL in the name: no FTP command can carry it' });
        keepUp(tree, rel);
        continue;
      }
      if (info.isDirectory()) {
        const real = realpathSync(path);
        if (entered.has(real) || depth >= MAX_DEPTH) {
          tree.refused.push({ name: relPath, reason: entered.has(real) ? 'a link to a folder already synced (a loop)' : `deeper than ${MAX_DEPTH} folders` });
          keepUp(tree, rel);
          continue;
        }
        entered.add(real);
        tree.nodes.set(relPath, { type: 'dir' });
        await walk(path, relPath, depth + 1);
        entered.delete(real);
      } else if (info.isFile()) {
        tree.nodes.set(relPath, { type: 'file', size: info.size, mtime: info.mtimeMs, precision: 1 });
      } else {
        tree.skipped.push({ name: relPath, reason: 'not a regular file' });
      }
    }
  };
  await walk(root, '', 0);
  return tree;
}

/** `root` joined with a relative path, as the server is asked for it. */
export function remotePath(root: string, rel: string): string {
  if (rel === '') return root;
  return root === '' ? rel : root === '/' ? `/${rel}` : `${root}/${rel}`;
}

/**
 * The remote folder `root` as a tree, one listing per folder (bounded in
 * folders, entries and depth). A root that names nothing is an empty tree
 * that does not exist; a file there is an error.
 */
export async function walkRemote(client: RemoteFs, root: string, s: WalkSettings & { refuseUnsafe: boolean; list?: ((path: string) => Promise<Listing>) | undefined }): Promise<SyncTree> {
  let first: Listing;
  try {
    first = await client.list(root || undefined, { signal: s.signal });
  } catch (err) {
    if (err instanceof FtpError && err.kind === 'permanent' && (await client.stat(root || '.')) === undefined) return { ...emptyTree(false), temporaries: new Map() };
    throw err;
  }
  if (first.file) throw new FtpError('argument', `${root} is a file on the server, not a folder`);
  const tree = emptyTree(true);
  tree.format = first.format;
  const temporaries = (tree.temporaries = new Map<string, number | undefined>());
  let folders = 1;
  let entries = 0;
  // With a lister of several sessions, a folder's listing starts as soon as the folder is seen;
  // the tree is still built in the one order (parents first, names sorted), whatever comes back first.
  let started = 1;
  const ahead = new Map<string, Promise<Listing>>();
  const listingOf = (sub: string): Promise<Listing> => {
    const early = ahead.get(sub);
    ahead.delete(sub);
    return early ?? client.list(remotePath(root, sub), { signal: s.signal });
  };
  const walk = async (rel: string, listing: Listing, depth: number): Promise<void> => {
    for (const line of listing.unparsed) {
      tree.refused.push({ name: `${rel || '.'}: ${JSON.stringify(line)}`, reason: 'listing line not understood' });
      keepUp(tree, rel);
    }
    entries += listing.entries.length;
    if (entries > MAX_ENTRIES) throw limit(`${MAX_ENTRIES} entries`);
    const subfolders: string[] = [];
    for (const entry of [...listing.entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      const unsafe = unsafeNameReason(entry.name);
      if (unsafe) {
        // Never mangled, never touched: a name with a / could lead anywhere.
        (s.refuseUnsafe ? tree.refused : tree.skipped).push({ name: relPath, reason: `refused: ${unsafe}` });
        keepUp(tree, rel);
        continue;
      }
      if (entry.type !== 'dir' && isTemporaryName(entry.name)) temporaries.set(remotePath(root, relPath), entry.type === 'file' ? entry.size : undefined);
      if (leftOut(tree, s, rel, entry.name, entry.type === 'dir')) continue;
      // An upload in progress (or one a stopped run left, resumed when its file is sent again): never a difference.
      if (entry.type !== 'dir' && isTemporaryName(entry.name)) {
        keepUp(tree, rel);
        continue;
      }
      const listed = entry.modified === undefined ? undefined : Date.parse(entry.modified);
      if (entry.type === 'dir') {
        if (depth >= MAX_DEPTH) {
          tree.refused.push({ name: relPath, reason: `deeper than ${MAX_DEPTH} folders` });
          keepUp(tree, rel);
          continue;
        }
        tree.nodes.set(relPath, { type: 'dir' });
        subfolders.push(relPath);
      } else if (entry.type === 'link' && !s.followLinks && s.refuseUnsafe) {
        tree.skipped.push({ name: relPath, reason: `symbolic link${entry.target ? ` to ${entry.target}` : ''} (use --follow-links)` });
        keepUp(tree, rel);
      } else {
        // A link is taken for a file of unknown size: compared, it is always sent again.
        tree.nodes.set(relPath, { type: 'file', size: entry.type === 'file' ? entry.size : undefined, listed });
      }
    }
    for (const sub of subfolders) {
      if (!s.list || started >= MAX_FOLDERS) break;
      started++;
      const early = s.list(remotePath(root, sub));
      early.catch(() => {}); // seen when its turn comes
      ahead.set(sub, early);
    }
    for (const sub of subfolders) {
      if (++folders > MAX_FOLDERS) throw limit(`${MAX_FOLDERS} folders`);
      const listing = await listingOf(sub);
      if (listing.file) {
        tree.refused.push({ name: sub, reason: 'listed as a folder, but it is a file' });
        tree.nodes.delete(sub);
        keepUp(tree, sub.includes('/') ? sub.slice(0, sub.lastIndexOf('/')) : '');
        continue;
      }
      await walk(sub, listing, depth + 1);
    }
  };
  await walk('', first, 0);
  return tree;
}

function limit(what: string): FtpError {
  return new FtpError('protocol', `the remote tree goes on past ${what} (a loop in the server's listings?): stopped before syncing`);
}
