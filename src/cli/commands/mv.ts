import type { Io } from '../io.js';
import { UsageError } from '../exit-codes.js';
import { checkRemoteName, parseTarget } from '../target.js';
import { forEachPath, type PathFlags } from './remote-paths.js';

/**
 * tftp mv <host|url> <from> <to>: RNFR + RNTO. A URL's path is <from>. A <to>
 * ending in "/" names a folder: the file keeps its name there.
 */
export async function mv(io: Io, targetArg: string, a: string | undefined, b: string | undefined, opts: PathFlags): Promise<void> {
  const target = parseTarget(targetArg);
  const fromUrl = target.isUrl && target.path ? target.path : undefined;
  if (fromUrl !== undefined && b !== undefined) throw new UsageError('too many arguments: the URL already names the file to move');
  const [from, to] = fromUrl !== undefined ? [fromUrl, a] : [a, b];
  if (!from || !to) throw new UsageError('mv takes two paths: <from> <to>');
  checkRemoteName(from, 'remote path');
  checkRemoteName(to, 'remote path');
  const base = from.replace(/\/+$/, '').split('/').pop() ?? '';
  const dest = to.endsWith('/') ? `${to}${base}` : to;
  await forEachPath(io, target, opts, [from], async (client, path, out) => {
    await client.rename(path, dest);
    out.event({ event: 'renamed', path, to: dest });
  });
}
