import type { FtpClient } from '../../core/client.js';
import { protectedFolderReason, removeTree } from '../../core/jobs/remove-tree.js';
import { hasGlob } from '../../core/jobs/wildcard.js';
import { FtpError } from '../../protocol/errors.js';
import type { EntryType } from '../../protocol/list.js';
import type { Io } from '../io.js';
import { UsageError } from '../exit-codes.js';
import { parseTarget } from '../target.js';
import { printable } from '../text.js';
import { forEachPath, pathsOf, type PathFlags, type PathOutput } from './remote-paths.js';

export interface RmFlags extends PathFlags {
  recursive?: boolean;
  force?: boolean;
  forceRoot?: boolean;
}

/**
 * tftp rm [-r] [-f] <host|url> <path>...: DELE; with -r, a folder and
 * everything in it (depth first, RMD for folders, links removed and never
 * followed). The login folder, `/` and the folders above the login folder
 * are refused with -r unless --force-root.
 */
export async function rm(io: Io, targetArg: string, args: string[], opts: RmFlags): Promise<void> {
  const target = parseTarget(targetArg);
  const paths = pathsOf(target, args);
  if (opts.recursive && !opts.forceRoot) {
    // Before connecting: a mistyped variable ("$DIR/") must not reach a server.
    for (const p of paths) {
      const reason = protectedFolderReason(p);
      if (reason) throw new UsageError(`${p ? printable(p) : '""'}: refusing to remove ${reason} recursively (--force-root to do it anyway)`);
    }
  }
  let loginFolder: string | undefined;
  await forEachPath(io, target, opts, paths, (client, path, out) => (opts.recursive ? removeAll(client, path, out, opts, loginFolder, io.signal) : removeFile(client, path, out, opts)), {
    wildcards: true,
    noMatchOk: opts.force,
    before: async (client) => {
      if (!opts.recursive || opts.forceRoot) return;
      loginFolder = await client.pwd().catch(() => undefined);
      // The login folder by its absolute path: refused before anything is removed.
      for (const p of paths) {
        const reason = hasGlob(p) ? undefined : protectedFolderReason(p, loginFolder);
        if (reason) throw new FtpError('argument', `${printable(p)}: refusing to remove ${reason} recursively (--force-root to do it anyway)`);
      }
    },
  });
}

function removed(out: PathOutput, opts: RmFlags, path: string, type: EntryType): void {
  if (opts.dryRun) {
    out.event({ event: 'plan', action: type === 'dir' ? 'rmdir' : 'rm', path, type });
    out.line(`would remove ${type === 'dir' ? 'folder ' : ''}${printable(path)}`);
  } else {
    out.event({ event: 'removed', path, type });
  }
}

/** With -f, a path that names nothing is no failure. */
function missing(out: PathOutput, opts: RmFlags, path: string, why: string): void {
  if (!opts.force) throw new FtpError('permanent', `${path}: ${why}`);
  out.event({ event: 'skip', path, reason: 'no such file or folder' });
}

async function removeAll(client: FtpClient, path: string, out: PathOutput, opts: RmFlags, loginFolder: string | undefined, signal: AbortSignal | undefined): Promise<void> {
  if (opts.force && (await client.stat(path)) === undefined) return missing(out, opts, path, 'no such file or folder');
  await removeTree(client, path, { dryRun: opts.dryRun, forceRoot: opts.forceRoot, loginFolder, signal, onRemoved: (p, type) => removed(out, opts, p, type) });
}

async function removeFile(client: FtpClient, path: string, out: PathOutput, opts: RmFlags): Promise<void> {
  if (opts.dryRun) {
    const what = await client.stat(path);
    if (what === undefined) return missing(out, opts, path, 'no such file or folder');
    if (what.type === 'dir') throw isFolder(path);
    return removed(out, opts, path, what.type);
  }
  try {
    await client.remove(path);
  } catch (err) {
    // DELE's 550 says neither "missing" nor "a folder": ask, to say which.
    if (!(err instanceof FtpError) || err.kind !== 'permanent' || !client.connected) throw err;
    const what = await client.stat(path);
    if (what === undefined) return missing(out, opts, path, err.message);
    if (what.type === 'dir') throw isFolder(path);
    throw err;
  }
  out.event({ event: 'removed', path, type: 'file' });
}

function isFolder(path: string): FtpError {
  return new FtpError('permanent', `${path}: is a folder (rm -r removes it and everything in it; rmdir an empty one)`);
}
