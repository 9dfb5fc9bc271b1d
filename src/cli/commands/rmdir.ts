import { FtpError } from '../../protocol/errors.js';
import type { Io } from '../io.js';
import { parseTarget } from '../target.js';
import { printable } from '../text.js';
import { forEachPath, pathsOf, type PathFlags } from './remote-paths.js';

/** tftp rmdir <host|url> <path>...: RMD of empty folders; --dry-run only checks that each is a folder. */
export async function rmdir(io: Io, targetArg: string, args: string[], opts: PathFlags): Promise<void> {
  const target = parseTarget(targetArg);
  const paths = pathsOf(target, args);
  await forEachPath(io, target, opts, paths, async (client, path, out) => {
    if (opts.dryRun) {
      const what = await client.stat(path);
      if (what === undefined) throw new FtpError('permanent', `${path}: no such file or folder`);
      if (what.type !== 'dir') throw new FtpError('permanent', `${path}: not a folder`);
      out.event({ event: 'plan', action: 'rmdir', path, type: 'dir' });
      out.line(`would remove folder ${printable(path)}`);
      return;
    }
    await client.removeDir(path);
    out.event({ event: 'removed', path, type: 'dir' });
  });
}
