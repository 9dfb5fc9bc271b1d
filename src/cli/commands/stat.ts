import type { RemoteStat } from '../../core/remote/remote-fs.js';
import { FtpError } from '../../protocol/errors.js';
import type { Io } from '../io.js';
import { UsageError } from '../exit-codes.js';
import { parseTarget } from '../target.js';
import { printable } from '../text.js';
import { forEachPath, pathsOf, type PathFlags } from './remote-paths.js';

/**
 * tftp stat [--json] <host|url> <path>: type, size, modified (UTC) and
 * permissions, as far as the server tells them (MLST, else SIZE and MDTM,
 * else the parent's listing). A wildcard gives one block per match.
 */
export async function stat(io: Io, targetArg: string, pathArg: string | undefined, opts: PathFlags): Promise<void> {
  const target = parseTarget(targetArg);
  if (target.isUrl && target.path && pathArg !== undefined) throw new UsageError('too many arguments: the URL already names the path');
  const paths = pathsOf(target, pathArg === undefined ? [] : [pathArg]);
  let blocks = 0;
  await forEachPath(
    io,
    target,
    opts,
    paths,
    async (client, path, out) => {
      const what = await client.stat(path);
      if (what === undefined) throw new FtpError('permanent', `${path}: no such file or folder`);
      const modified = what.modified && isoSeconds(what.modified);
      out.event({ event: 'stat', path, type: what.type, size: what.size ?? null, modified: modified ?? null, permissions: what.permissions ?? null });
      if (!out.json) io.stdout.write(`${blocks++ ? '\n' : ''}${block(path, what, modified)}`);
    },
    { wildcards: true },
  );
}

function block(path: string, what: RemoteStat, modified: string | undefined): string {
  const rows: [string, string | undefined][] = [
    ['path', printable(path)],
    ['type', what.type],
    ['size', what.size === undefined ? undefined : String(what.size)],
    ['modified', modified],
    ['permissions', what.permissions && printable(what.permissions)],
  ];
  return rows
    .filter((r) => r[1] !== undefined)
    .map(([k, v]) => `${`${k}:`.padEnd(13)}${v}\n`)
    .join('');
}

/** 2025-03-01T12:00:00Z, with milliseconds only when the server gave them. */
function isoSeconds(d: Date): string {
  return d.toISOString().replace('.000Z', 'Z');
}
