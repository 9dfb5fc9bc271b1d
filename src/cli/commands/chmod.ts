import { checkMode } from '../../core/remote/remote-fs.js';
import { FtpError } from '../../protocol/errors.js';
import type { Io } from '../io.js';
import { UsageError } from '../exit-codes.js';
import { parseTarget } from '../target.js';
import { printable } from '../text.js';
import { forEachPath, pathsOf, type PathFlags } from './remote-paths.js';

/** tftp chmod <host|url> <mode> <path>...: SITE CHMOD with an octal mode; wildcards expanded. */
export async function chmod(io: Io, targetArg: string, mode: string, args: string[], opts: PathFlags): Promise<void> {
  const target = parseTarget(targetArg);
  try {
    checkMode(mode);
  } catch (err) {
    throw err instanceof FtpError ? new UsageError(err.message) : err;
  }
  const paths = pathsOf(target, args);
  await forEachPath(
    io,
    target,
    opts,
    paths,
    async (client, path, out) => {
      if (opts.dryRun) {
        out.event({ event: 'plan', action: 'chmod', path, mode });
        out.line(`would chmod ${mode} ${printable(path)}`);
        return;
      }
      await client.chmod(path, mode);
      out.event({ event: 'changed', path, mode });
    },
    { wildcards: true },
  );
}
