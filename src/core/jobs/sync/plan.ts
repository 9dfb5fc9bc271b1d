// A sync's plan: the source and destination trees compared path by path into
// folders to make, files to send, files left as they are (and why), and what
// the destination has that the source lacks.
import type { StateEntry } from './state.js';
import type { SyncNode, SyncTree } from './walk.js';

export type SyncDirection = 'upload' | 'download';

/** How files are told apart: size and time (the default), size alone, or SHA-256. */
export type CompareMode = 'times' | 'size' | 'checksum';

export interface Transfer {
  path: string;
  size?: number | undefined;
  reason: string;
}

export interface SyncPlan {
  direction: SyncDirection;
  /** Destination folders to make, parents first. */
  folders: string[];
  transfers: Transfer[];
  /** Files already the same on both sides. */
  unchanged: { path: string; reason: string }[];
  /** What the destination has and the source lacks: files, then folders deepest first (removed only with `delete`). */
  deletes: { path: string; type: 'file' | 'dir' }[];
  /** Paths that cannot be synced (a file on one side and a folder on the other, names the other side cannot store). */
  refused: { path: string; reason: string }[];
}

export interface CompareSettings {
  direction: SyncDirection;
  mode: CompareMode;
  /** Whether the destination's times were set from the source's (MFMT on upload; always on download). */
  timesSet: boolean;
  /** The last run's state: unchanged files are those it recorded as they are now. */
  state?: Map<string, StateEntry> | undefined;
  /** SHA-256 of the local side of a path, for the state's digest. */
  localDigest?: ((path: string) => Promise<string>) | undefined;
  /** Whether both sides hold the same bytes (the server's digest against ours); undefined when the server cannot tell. */
  sameContent?: ((path: string) => Promise<boolean | undefined>) | undefined;
}

/** Which node of a pair is the local one. */
function localOf(c: CompareSettings, src: SyncNode, dst: SyncNode): SyncNode {
  return c.direction === 'upload' ? src : dst;
}

/** What the state records of a source file as it is now: its size and time (a remote one's as listed). */
export function sourceStamp(c: Pick<CompareSettings, 'direction'>, src: SyncNode): { size: number; mtime: number } | undefined {
  const mtime = c.direction === 'upload' ? src.mtime : src.listed;
  return src.size === undefined || mtime === undefined ? undefined : { size: src.size, mtime };
}

/** Why a file must be sent, or undefined (with `same` saying why not). */
async function compare(path: string, src: SyncNode, dst: SyncNode, c: CompareSettings, same: (reason: string) => void): Promise<string | undefined> {
  if (dst.size === undefined || src.size === undefined) return 'size unknown';
  if (dst.size !== src.size) return `size differs (${dst.size} -> ${src.size} bytes)`;
  const recorded = c.state?.get(path);
  if (recorded) {
    const stamp = sourceStamp(c, src);
    if (dst.size === recorded.size && stamp?.size === recorded.size && stamp.mtime === recorded.mtime) return void same('unchanged since the last sync (state file)');
    // Touched but not changed: the same bytes as last time, and the other side as the state left it.
    if (recorded.sha256 && c.localDigest && stamp?.size === recorded.size && dst.size === recorded.size) {
      const remoteUnchanged = c.direction === 'upload' || stamp.mtime === recorded.mtime;
      if (remoteUnchanged && (await c.localDigest(path)) === recorded.sha256) return void same('same SHA-256 as at the last sync (state file)');
    }
    return 'changed since the last sync (state file)';
  }
  if (c.mode === 'checksum' && c.sameContent) {
    const equal = await c.sameContent(path);
    if (equal === true) return void same('same SHA-256');
    if (equal === false) return 'content differs (SHA-256)';
  }
  if (c.mode === 'size') return void same('same size');
  const remote = c.direction === 'upload' ? dst : src;
  const local = localOf(c, src, dst);
  if (!c.timesSet || remote.mtime === undefined || remote.precision === undefined || local.mtime === undefined) return void same('same size (times not comparable)');
  const p = remote.precision;
  if (Math.floor(local.mtime / p) === Math.floor(remote.mtime / p)) return void same('same size and time');
  return 'time differs';
}

/** Compares the trees into a plan. */
export async function planSync(source: SyncTree, dest: SyncTree, c: CompareSettings): Promise<SyncPlan> {
  const plan: SyncPlan = { direction: c.direction, folders: [], transfers: [], unchanged: [], deletes: [], refused: [] };
  for (const r of source.refused) plan.refused.push({ path: r.name, reason: r.reason });
  // A link or special file on the destination is never written through, nor anything under it.
  const blocked = dest.skipped.map((b) => b.name);
  for (const [path, src] of source.nodes) {
    if (blocked.some((b) => path === b || path.startsWith(`${b}/`))) {
      plan.refused.push({ path, reason: 'a symbolic link or special file on the destination: never written through' });
      continue;
    }
    const dst = dest.nodes.get(path);
    if (dst && dst.type !== src.type) {
      plan.refused.push({ path, reason: `a ${src.type === 'dir' ? 'folder' : 'file'} here, a ${dst.type === 'dir' ? 'folder' : 'file'} on the destination: left alone` });
      continue;
    }
    if (src.type === 'dir') {
      if (!dst) plan.folders.push(path);
      continue;
    }
    if (!dst) {
      plan.transfers.push({ path, size: src.size, reason: 'new' });
      continue;
    }
    let why = '';
    const reason = await compare(path, src, dst, c, (r) => (why = r));
    if (reason) plan.transfers.push({ path, size: src.size, reason });
    else plan.unchanged.push({ path, reason: why });
  }
  // A refused path's folder must not go: what is refused stays where it is.
  const refusedUnder = (dir: string) => plan.refused.some((r) => r.path.startsWith(`${dir}/`));
  const files: SyncPlan['deletes'] = [];
  const folders: SyncPlan['deletes'] = [];
  for (const [path, dst] of dest.nodes) {
    if (source.nodes.has(path)) continue;
    if (dst.type === 'file') files.push({ path, type: 'file' });
    else if (!dest.keep.has(path) && !refusedUnder(path)) folders.push({ path, type: 'dir' });
  }
  const depth = (p: string) => p.split('/').length;
  folders.sort((a, b) => depth(b.path) - depth(a.path) || (a.path < b.path ? 1 : -1));
  plan.deletes = [...files, ...folders];
  return plan;
}
