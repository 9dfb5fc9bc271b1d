// Remote paths with a wildcard in their last part ('logs/*.gz'), expanded
// from the folder's listing with the same matcher as `get` uses.
import { FtpError } from '../../protocol/errors.js';
import type { RemoteFs } from '../remote/fs.js';
import { hasGlob, splitWildcard } from './download-tree.js';

export { hasGlob } from './download-tree.js';

/** A wildcard that matches nothing: 'permanent', as a missing file would be. */
export class NoMatchError extends FtpError {
  constructor(readonly pattern: string) {
    super('permanent', `no remote file matches ${pattern}`);
  }
}

/**
 * The paths a wildcard matches in its folder, in the listing's order ("." and
 * ".." never). A path without a wildcard is itself. Matching nothing is a NoMatchError.
 */
export async function expandWildcard(fs: RemoteFs, pattern: string, signal?: AbortSignal): Promise<string[]> {
  if (!hasGlob(pattern)) return [pattern];
  const split = splitWildcard(pattern);
  const folder = split.folder === '' && pattern.startsWith('/') ? '/' : split.folder;
  const listing = await fs.list(folder || undefined, { signal });
  if (listing.file) throw new FtpError('permanent', `${folder}: not a folder`);
  const names = listing.entries.map((e) => e.name).filter((n) => n !== '.' && n !== '..' && !n.includes('/') && split.match!.test(n));
  if (names.length === 0) throw new NoMatchError(pattern);
  return names.map((n) => (folder === '' ? n : folder === '/' ? `/${n}` : `${folder}/${n}`));
}
