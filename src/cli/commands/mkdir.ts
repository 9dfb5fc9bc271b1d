import type { Io } from '../io.js';
import { parseTarget } from '../target.js';
import { forEachPath, pathsOf, type PathFlags } from './remote-paths.js';

export interface MkdirFlags extends PathFlags {
  parents?: boolean;
}

/** tftp mkdir [-p] <host|url> <path>...: MKD; with -p, the missing parents too, and a folder that exists is fine. */
export async function mkdir(io: Io, targetArg: string, args: string[], opts: MkdirFlags): Promise<void> {
  const target = parseTarget(targetArg);
  const paths = pathsOf(target, args);
  await forEachPath(io, target, opts, paths, async (client, path, out) => {
    await client.mkdir(path, { recursive: !!opts.parents });
    out.event({ event: 'created', path });
  });
}
