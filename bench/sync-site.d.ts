// Types for bench/sync-site.js, for the tests of the sync cases' site and checker.

export interface SiteFile {
  path: string;
  size: number;
  mtimeS: number;
}
export interface SiteSpec {
  folders: string[];
  files: SiteFile[];
  bytes: number;
  /** The first `fixed` files (one per folder) are never deleted by the edits. */
  fixed: number;
}
export interface EditSpec {
  change: Array<{ path: string; size: number }>;
  remove: string[];
  bytes: number;
}

export function contentFor(label: string, size: number): Buffer;
export function siteSpec(files: number): SiteSpec;
export function editSpec(site: SiteSpec, counts: { changed: number; deleted: number }): EditSpec;
export function writeSite(dir: string, site: SiteSpec): void;
export function undoEdits(dir: string, site: SiteSpec, edits: EditSpec): void;
export function applyEdits(dir: string, edits: EditSpec): void;
export function emptyRemoteFolder(dir: string, parent: string): void;
export function compareTrees(localDir: string, remoteDir: string, options?: { allowExtra?: string[] }): string | null;
