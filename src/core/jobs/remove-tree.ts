// Removing a remote folder and everything in it (tftp rm -r, Ftp.remove with
// recursive), and the paths that must never be removed that way by mistake.
import { FtpError } from '../../protocol/errors.js';
import type { EntryType } from '../../protocol/list.js';
import { hasLineBreak } from '../../protocol/command.js';
import type { RemoteFs } from '../remote/fs.js';
import { listingFingerprint } from './tree.js';

export interface RemoveTreeOptions {
  /** Told of every entry as it is removed (or would be, with dryRun), deepest first. */
  onRemoved?: ((path: string, type: EntryType) => void) | undefined;
  /** List the tree and tell what would go, remove nothing. */
  dryRun?: boolean | undefined;
  /** Also the login folder, `/` or a folder above the login folder. */
  forceRoot?: boolean | undefined;
  /** The login folder (PWD), to recognise an absolute path to it. */
  loginFolder?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** Nested folders deeper than this are not entered (a server could loop forever). */
const MAX_DEPTH = 64;

/**
 * "a/./b//c/" -> "a/b/c", "a/.." -> ".", "/x/../.." -> "/": the path a
 * server would reach, worked out on the text alone. A relative path that
 * climbs out of the login folder keeps its leading "..".
 */
export function normaliseRemotePath(path: string): string {
  const absolute = path.startsWith('/');
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
    else if (part !== '..' || !absolute) parts.push(part);
  }
  return absolute ? `/${parts.join('/')}` : parts.join('/') || '.';
}

/**
 * Why `path` is the login folder, `/` or above the login folder ("", ".",
 * "~", "/", "a/..", "..", the login folder's absolute path or a parent of it),
 * or undefined when it is below the login folder. A mistyped variable in a
 * script (`rm -r host "$DIR/"`) must not empty a server.
 */
export function protectedFolderReason(path: string, loginFolder?: string): string | undefined {
  if (path.trim() === '') return 'an empty path';
  let p = path;
  if (p === '~' || p.startsWith('~/')) p = `.${p.slice(1)}`; // the home folder is the login folder
  const n = normaliseRemotePath(p);
  if (n === '/') return 'the root folder';
  if (n === '.') return 'the login folder';
  const home = loginFolder === undefined ? undefined : normaliseRemotePath(loginFolder);
  if (n === '..' || n.startsWith('../')) {
    if (home === undefined || !home.startsWith('/')) return 'a folder above the login folder';
    return protectedFolderReason(normaliseRemotePath(`${home}/${n}`), home);
  }
  if (n.startsWith('/') && home !== undefined && home.startsWith('/')) {
    if (n === home) return 'the login folder';
    if (home.startsWith(`${n}/`)) return 'a folder above the login folder';
  }
  return undefined;
}

/**
 * Removes `path` and, for a folder, everything in it: depth first over
 * listings, files (and links, never followed) with DELE, folders with RMD.
 * Refuses the login folder, `/` and the folders above the login folder
 * unless `forceRoot`. Stops at the first entry that cannot be removed, with
 * an error naming it; a path that names nothing is kind 'permanent'.
 */
export async function removeTree(fs: RemoteFs, path: string, o: RemoveTreeOptions = {}): Promise<void> {
  const reason = protectedFolderReason(path, o.loginFolder);
  if (reason && !o.forceRoot) throw new FtpError('argument', `${path || '""'}: refusing to remove ${reason} recursively (--force-root to do it anyway)`);
  const what = await fs.stat(path);
  if (what === undefined) throw new FtpError('permanent', `${path}: no such file or folder`);
  if (what.type !== 'dir') return removeEntry(fs, path, what.type, o);
  // CWD goes into a link to a folder, and MLST may follow it: the parent's listing tells a link.
  if ((await listedType(fs, path, o.signal)) === 'link') return removeEntry(fs, path, 'link', o);
  await removeFolder(fs, path.replace(/(.)\/+$/, '$1'), 0, [], o);
}

/**
 * The names LIST shows as links in `dir`. Some servers' MLSD follows links
 * (pyftpdlib types a link to a folder "dir"), while their ls -l lines say "l".
 */
async function linksByList(fs: RemoteFs, dir: string, signal: AbortSignal | undefined): Promise<Set<string>> {
  const listing = await fs.list(dir, { signal, format: 'list' });
  return new Set(listing.entries.filter((e) => e.type === 'link').map((e) => e.name));
}

/** The type the parent folder's LIST gives `path` (MLSD may follow a link); undefined when it cannot tell. */
async function listedType(fs: RemoteFs, path: string, signal: AbortSignal | undefined): Promise<EntryType | undefined> {
  const trimmed = path.replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  const name = trimmed.slice(slash + 1);
  if (name === '' || name === '.' || name === '..' || name === '~') return undefined;
  const parent = slash === -1 ? undefined : trimmed.slice(0, slash) || '/';
  try {
    return (await fs.list(parent, { signal, format: 'list' })).entries.find((e) => e.name === name)?.type;
  } catch (err) {
    if (err instanceof FtpError && (err.kind === 'permanent' || err.kind === 'temporary')) return undefined; // a parent we may not list
    throw err;
  }
}

async function removeFolder(fs: RemoteFs, dir: string, depth: number, ancestors: string[], o: RemoveTreeOptions): Promise<void> {
  if (o.signal?.aborted) throw new FtpError('aborted', 'interrupted');
  const listing = await fs.list(dir, { signal: o.signal });
  if (listing.file) return removeEntry(fs, dir, 'file', o);
  // A line we cannot read is an entry we cannot remove: nothing of this folder goes.
  if (listing.unparsed.length > 0) throw new FtpError('protocol', `${dir}: listing line not understood: ${JSON.stringify(listing.unparsed[0])}; nothing in it removed`);
  const fingerprint = listingFingerprint(listing.entries);
  if (ancestors.includes(fingerprint)) throw new FtpError('protocol', `${dir}: the same listing as a folder above it (a link loop?): not entered`);
  const entries = listing.entries.filter((e) => e.name !== '.' && e.name !== '..');
  const links = listing.format === 'mlsd' && entries.some((e) => e.type === 'dir') ? await linksByList(fs, dir, o.signal) : new Set<string>();
  for (const e of entries) {
    // A name that is not one plain segment would make us remove something else.
    if (e.name === '' || e.name.includes('/') || hasLineBreak(e.name)) throw new FtpError('protocol', `${dir}: the listing names ${JSON.stringify(e.name)}, which is not a plain name: nothing in it removed`);
  }
  for (const e of entries) {
    const child = dir === '/' ? `/${e.name}` : `${dir}/${e.name}`;
    if (e.type === 'dir' && !links.has(e.name)) {
      if (depth + 1 >= MAX_DEPTH) throw new FtpError('protocol', `${child}: deeper than ${MAX_DEPTH} folders: not entered`);
      await removeFolder(fs, child, depth + 1, [...ancestors, fingerprint], o);
    } else {
      await removeEntry(fs, child, e.type === 'dir' ? 'link' : e.type, o);
    }
  }
  await removeEntry(fs, dir, 'dir', o);
}

async function removeEntry(fs: RemoteFs, path: string, type: EntryType, o: RemoveTreeOptions): Promise<void> {
  if (o.signal?.aborted) throw new FtpError('aborted', 'interrupted');
  if (!o.dryRun) {
    try {
      await (type === 'dir' ? fs.removeDir(path) : fs.remove(path));
    } catch (err) {
      throw aboutPath(path, err);
    }
  }
  o.onRemoved?.(path, type);
}

/** The error with the path it concerns at the start of its message (same kind and code), unless it names it or a path under it already. */
export function aboutPath(path: string, err: unknown): unknown {
  if (!(err instanceof FtpError) || err.message.startsWith(`${path}: `) || err.message.startsWith(`${path.replace(/\/+$/, '')}/`)) return err;
  const named = new FtpError(err.kind, `${path}: ${err.message}`, err.code);
  named.name = err.name;
  return named;
}
